import { Tensor, defaultGenerator, fillBernoulli, type DType, type Generator, type FloatStorage } from "../../tensor/index.js";
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
  batchNorm,
  type GeluApproximate,
} from "../../autograd/index.js";

/**
 * Zeroes each element with probability `p` and scales the rest by 1/(1−p) when training, as
 * PyTorch's CPU dropout does: a Bernoulli(1−p) mask divided by (1−p), multiplied in.
 */
export function dropout(input: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  checkProbability(p);
  if (!training || p === 0) return input;
  return mul(input, dropoutNoise(input.shape, input.dtype, p, generator));
}

/**
 * Zeroes whole channels of [N, C, *] with probability `p` and scales the rest by 1/(1−p) when
 * training (PyTorch's `F.dropout2d`, its feature dropout): the mask is drawn over [N, C, 1, ...],
 * one draw per channel, as PyTorch draws it. A 3-d input counts as [N, C, L], as in PyTorch 1.13.
 */
export function dropout2d(input: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  checkProbability(p);
  if (!training || p === 0) return input;
  if (input.ndim < 2) throw new RangeError("Feature dropout requires at least 2 dimensions in the input");
  const featureShape = input.shape.map((s, i) => (i < 2 ? s : 1));
  return mul(input, dropoutNoise(featureShape, input.dtype, p, generator));
}

function checkProbability(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
}

/** A Bernoulli(1−p) mask of `shape` divided by (1−p): what dropout multiplies its input by. */
function dropoutNoise(shape: readonly number[], dtype: DType, p: number, generator: Generator): Tensor {
  const noise = Tensor.empty(shape, dtype === "float64" ? "float64" : "float32");
  const nd = noise.data as FloatStorage;
  const keep = new Uint8Array(nd.length);
  if (p < 1) fillBernoulli(generator, keep, p);
  // PyTorch divides the float32 mask by (1 - p) cast to float32
  const scale = p === 1 ? 0 : noise.dtype === "float32" ? 1 / Math.fround(1 - p) : 1 / (1 - p);
  for (let i = 0; i < nd.length; i++) nd[i] = keep[i]! * scale;
  return noise;
}
