export * from "./cast.js";
export * from "./elementwise.js";
export * from "./reduce.js";
export * from "./gemm.js";
export * from "./layout.js";
