export * from "./activation.js";
export * from "./loss.js";
