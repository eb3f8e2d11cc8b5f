import { Tensor, defaultGenerator, fillBernoulli, type Generator, type FloatStorage } from "../../tensor/index.js";
import { mul } from "../../autograd/index.js";

export {
  relu,
  leakyRelu,
  gelu,
  sigmoid,
  tanh,
  softmax,
  logSoftmax,
  linear,
  layerNorm,
  type GeluApproximate,
} from "../../autograd/index.js";

/**
 * Zeroes each element with probability `p` and scales the rest by 1/(1−p) when training, as
 * PyTorch's CPU dropout does: a Bernoulli(1−p) mask divided by (1−p), multiplied in.
 */
export function dropout(input: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return input;
  const keep = new Uint8Array(input.numel());
  if (p < 1) fillBernoulli(generator, keep, p);
  const noise = Tensor.empty(input.shape, input.dtype === "float64" ? "float64" : "float32");
  const nd = noise.data as FloatStorage;
  // PyTorch divides the float32 mask by (1 - p) cast to float32
  const scale = p === 1 ? 0 : noise.dtype === "float32" ? 1 / Math.fround(1 - p) : 1 / (1 - p);
  for (let i = 0; i < nd.length; i++) nd[i] = keep[i]! * scale;
  return mul(input, noise);
}
