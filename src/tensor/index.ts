export * from "./dtype.js";
export * from "./shape.js";
export * from "./tensor.js";
export * from "./version.js";
export * from "./creation.js";
export * from "./threads.js";
export * from "./generator.js";
export * as kernels from "./kernels/index.js";
// the vector kernels' builder, for layers above that compile kernels of their own (optim)
export { VectorKernel, VectorMemory, type Vec, type VectorArraySpec, type VectorKernelSpec } from "./kernels/wasm/vector.js";
export * as safetensors from "./safetensors.js";
