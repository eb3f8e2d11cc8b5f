export * from "./arithmetic.js";
export * from "./unary.js";
export * from "./reduce.js";
export * from "./matmul.js";
export * from "./shape.js";
export * from "./softmax.js";
export * from "./layer_norm.js";
export * from "./conv.js";
