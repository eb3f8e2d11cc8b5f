/** The `autograd` namespace of the public API, as `torch.autograd`. */
export { backward, grad, type GradOptions } from "./functional.js";
export type { BackwardOptions } from "./engine.js";
