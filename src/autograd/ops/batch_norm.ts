import { allocate, bumpVersion, formatShape, isFloating, Tensor, type FloatStorage } from "../../tensor/index.js";
import { record } from "../node.js";

/**
 * Batch normalisation of [N, C, *] per channel C (PyTorch's `F.batch_norm`). In training it uses
 * the batch's mean and biased variance and, where given, moves the running statistics toward the
 * batch's in place: `running = momentum·batch + (1 − momentum)·running`, with the unbiased
 * variance, as PyTorch does. Otherwise it uses the running statistics. The gradient flows to the
 * input, weight and bias; never to the running statistics.
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  training = false,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  if (input.ndim < 2) throw new RangeError(`batch_norm: expected an input of shape [N, C, *], got ${formatShape(input.shape)}`);
  if (!isFloating(input.dtype)) throw new TypeError(`batch_norm: expected a floating point input, got ${input.dtype}`);
  const channels = input.shape[1]!;
  const count = input.numel() / channels;
  if (training && count === 1) {
    throw new RangeError(`Expected more than 1 value per channel when training, got input size torch.Size(${formatShape(input.shape)})`);
  }
  const checkSize = (name: string, t: Tensor | null) => {
    if (t && t.numel() !== channels) throw new RangeError(`${name} should contain ${channels} elements not ${t.numel()}`);
  };
  checkSize("running_mean", runningMean);
  if (!runningMean && !training) throw new RangeError("running_mean must be defined in the evaluation mode");
  checkSize("running_var", runningVar);
  if (!runningVar && !training) throw new RangeError("running_var must be defined in the evaluation mode");
  checkSize("weight", weight);
  checkSize("bias", bias);

  const inner = input.numel() / (input.shape[0]! * channels); // elements of one channel of one sample
  const x = input.data as FloatStorage;
  const wd = weight ? (weight.data as FloatStorage) : null;
  const bd = bias ? (bias.data as FloatStorage) : null;
  const out = allocate(input.dtype, x.length) as FloatStorage;
  // per channel, the mean and 1/std used: the backward pass recomputes x̂ = (x − mean)·invstd from
  // them, bit for bit, rather than the forward pass storing x̂ in doubles (8 bytes an element to
  // allocate and write, most of the forward pass's time)
  const means = new Float64Array(channels);
  const invstd = new Float64Array(channels);
  // channel c's elements: `inner` in a row from c·inner, then again every `sampleSize` (plain loops
  // below: a callback per element made batch norm several times slower)
  const sampleSize = channels * inner;
  for (let c = 0; c < channels; c++) {
    let mean: number;
    if (training) {
      let sum = 0;
      for (let base = c * inner; base < x.length; base += sampleSize) for (let i = base; i < base + inner; i++) sum += x[i]!;
      mean = sum / count;
      let squares = 0;
      for (let base = c * inner; base < x.length; base += sampleSize) {
        for (let i = base; i < base + inner; i++) squares += (x[i]! - mean) * (x[i]! - mean);
      }
      invstd[c] = 1 / Math.sqrt(squares / count + eps);
      if (runningMean) {
        const rm = runningMean.data as FloatStorage;
        rm[c] = momentum * mean + (1 - momentum) * rm[c]!;
      }
      if (runningVar) {
        const rv = runningVar.data as FloatStorage;
        rv[c] = momentum * (squares / (count - 1)) + (1 - momentum) * rv[c]!;
      }
    } else {
      mean = (runningMean!.data as FloatStorage)[c]!;
      invstd[c] = 1 / Math.sqrt((runningVar!.data as FloatStorage)[c]! + eps);
    }
    means[c] = mean;
    const scale = wd ? wd[c]! : 1;
    const shift = bd ? bd[c]! : 0;
    const rs = invstd[c]!;
    for (let base = c * inner; base < x.length; base += sampleSize) {
      for (let i = base; i < base + inner; i++) out[i] = (x[i]! - mean) * rs * scale + shift;
    }
  }
  if (training && runningMean) bumpVersion(runningMean);
  if (training && runningVar) bumpVersion(runningVar);

  const inputs = [input, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const result = new Tensor(out, input.shape, input.dtype);
  return record(result, "NativeBatchNormBackward0", inputs, (g, needs) => {
    const gd = g.data as FloatStorage;
    const gx = needs[0] ? (allocate(input.dtype, x.length) as FloatStorage) : null;
    const gw = weight ? (allocate(weight.dtype, channels) as FloatStorage) : null;
    const gb = bias ? (allocate(bias.dtype, channels) as FloatStorage) : null;
    for (let c = 0; c < channels; c++) {
      const mean = means[c]!;
      const rs = invstd[c]!;
      let sumG = 0;
      let sumGX = 0;
      for (let base = c * inner; base < x.length; base += sampleSize) {
        for (let i = base; i < base + inner; i++) {
          sumG += gd[i]!;
          sumGX += gd[i]! * ((x[i]! - mean) * rs);
        }
      }
      if (gw) gw[c] = sumGX;
      if (gb) gb[c] = sumG;
      if (!gx) continue;
      const k = (wd ? wd[c]! : 1) * invstd[c]!;
      // with batch statistics the mean and variance depend on the input too:
      // dx = w·invstd·(g − mean(g) − x̂·mean(g·x̂)); with running statistics dx = w·invstd·g
      const meanG = training ? sumG / count : 0;
      const meanGX = training ? sumGX / count : 0;
      for (let base = c * inner; base < x.length; base += sampleSize) {
        for (let i = base; i < base + inner; i++) gx[i] = k * (gd[i]! - meanG - (x[i]! - mean) * rs * meanGX);
      }
    }
    const grads: (Tensor | null)[] = [gx && new Tensor(gx, input.shape, input.dtype)];
    if (weight) grads.push(new Tensor(gw!, weight.shape, weight.dtype));
    if (bias) grads.push(new Tensor(gb!, bias.shape, bias.dtype));
    return grads;
  });
}
