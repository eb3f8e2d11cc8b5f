import "./methods.js";

export { isGradEnabled, noGrad, enableGrad, withGradMode } from "./grad_mode.js";
export { Node, record, type BackwardFn } from "./node.js";
export { backward, grad, type GradOptions } from "./functional.js";
export type { BackwardOptions } from "./engine.js";
export * from "./ops/index.js";
