export * from "./dtype.js";
export * from "./shape.js";
export * from "./tensor.js";
export * from "./version.js";
export * from "./creation.js";
export * from "./threads.js";
export * from "./generator.js";
export * as kernels from "./kernels/index.js";
export * as safetensors from "./safetensors.js";
