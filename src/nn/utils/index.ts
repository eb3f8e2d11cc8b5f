/** `torch.nn.utils` for Kiln: gradient clipping. */
export { clipGradNorm_, clipGradValue_, type ClipGradNormOptions, type Parameters } from "./clip_grad.js";
