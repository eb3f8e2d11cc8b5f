export * from "./activation.js";
export * from "./loss.js";
export * from "./pooling.js";
export { conv1d, conv2d, type ConvOptions, type ConvPadding } from "../../autograd/index.js";
