import { SpecError } from "../errors.js";

/** One sample's shape as PyTorch prints a batch of them: `[N, 50]`. */
export const shapeString = (perSample: readonly number[]): string => `[N, ${perSample.join(", ")}]`;

/**
 * A dimension argument of layer `index` (PyTorch's convention: batched dims, negative from the end)
 * as an index into the per-sample shape; the batch dimension is refused.
 */
export function sampleDim(value: number, perSample: readonly number[], index: number, field: string): number {
  const ndim = perSample.length + 1;
  const d = value < 0 ? value + ndim : value;
  if (d <= 0 || d >= ndim) {
    const allowed = ndim === 2 ? "1 or -1" : `1..${ndim - 1} or -${ndim - 1}..-1`;
    const why = d === 0 ? `dim ${value} is the batch dimension` : `${field} ${value} is out of range`;
    throw new SpecError(
      `${why} for this layer's input of shape ${shapeString(perSample)}: use ${allowed} (dim 0 is the batch)`,
      ["layers", index, field],
    );
  }
  return d - 1;
}
