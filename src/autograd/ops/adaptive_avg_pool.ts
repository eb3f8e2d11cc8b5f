import { allocate, formatShape, isFloating, Tensor, type FloatStorage } from "../../tensor/index.js";
import { record } from "../node.js";

/** One int for both dims, or (height, width) where null keeps the input's size, as in PyTorch. */
export type AdaptiveSize = number | readonly [number | null, number | null];

/**
 * Average pooling of [C, H, W] or [N, C, H, W] to a given output size (PyTorch's
 * `F.adaptive_avg_pool2d`): output row i averages input rows floor(i·H/oH) to ceil((i+1)·H/oH),
 * so windows overlap or differ in size when oH does not divide H.
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  const requested: readonly (number | null)[] = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize;
  if (requested.length !== 2) throw new RangeError("adaptive_avg_pool2d: output_size must be 2");
  const inH = input.shape[input.ndim - 2] ?? 0;
  const inW = input.shape[input.ndim - 1] ?? 0;
  const outH = requested[0] ?? inH;
  const outW = requested[1] ?? inW;
  if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 0 || outW < 0) {
    throw new RangeError(`adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {${outH}, ${outW}}`);
  }
  if (input.ndim !== 3 && input.ndim !== 4) throw new RangeError(`adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got ${formatShape(input.shape)}`);
  for (const dim of [input.ndim - 2, input.ndim - 1]) {
    if (input.shape[dim] === 0) {
      throw new RangeError(
        `adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${formatShape(input.shape)} with dimension ${dim} being empty`,
      );
    }
  }
  if (!isFloating(input.dtype)) throw new TypeError(`adaptive_avg_pool2d: expected a floating point input, got ${input.dtype}`);

  const rows = spans(inH, outH);
  const cols = spans(inW, outW);
  const planes = input.numel() / (inH * inW);
  const x = input.data as FloatStorage;
  const out = allocate(input.dtype, planes * outH * outW) as FloatStorage;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      const [h0, h1] = rows[oh]!;
      for (let ow = 0; ow < outW; ow++) {
        const [w0, w1] = cols[ow]!;
        let sum = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) sum += x[base + h * inW + w]!;
        out[(plane * outH + oh) * outW + ow] = sum / ((h1 - h0) * (w1 - w0));
      }
    }
  }
  const result = new Tensor(out, [...input.shape.slice(0, -2), outH, outW], input.dtype);
  // PyTorch computes a 1x1 output as a mean over the last two dims, and names its node so
  const name = outH === 1 && outW === 1 ? "MeanBackward1" : "AdaptiveAvgPool2DBackward0";
  return record(result, name, [input], (g) => {
    const gd = g.data as FloatStorage;
    const gx = allocate(input.dtype, x.length) as FloatStorage;
    for (let plane = 0; plane < planes; plane++) {
      const base = plane * inH * inW;
      for (let oh = 0; oh < outH; oh++) {
        const [h0, h1] = rows[oh]!;
        for (let ow = 0; ow < outW; ow++) {
          const [w0, w1] = cols[ow]!;
          const share = gd[(plane * outH + oh) * outW + ow]! / ((h1 - h0) * (w1 - w0));
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) gx[base + h * inW + w]! += share;
        }
      }
    }
    return [new Tensor(gx, input.shape, input.dtype)];
  });
}

/** PyTorch's start_index/end_index: the input range [floor(i·n/m), ceil((i+1)·n/m)) of each of m outputs. */
function spans(n: number, m: number): [number, number][] {
  return Array.from({ length: m }, (_, i) => [Math.floor((i * n) / m), Math.ceil(((i + 1) * n) / m)]);
}
