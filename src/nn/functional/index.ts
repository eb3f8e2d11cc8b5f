export * from "./activation.js";
export * from "./loss.js";
export * from "./pooling.js";
