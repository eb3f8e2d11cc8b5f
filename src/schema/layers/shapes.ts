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

/** Where layer `index`'s input comes from, as its errors name it. */
export const inputSource = (index: number): string => (index === 0 ? "input_shape" : "the previous layer");

/**
 * Checks that layer `index` (of class `type`) gets samples of one of the ranks it takes, named as
 * PyTorch's docs name them (`{ 3: "[C, H, W]" }`); the path is the layer's `type`.
 */
export function requireRank(type: string, ranks: Readonly<Record<number, string>>, input: readonly number[], index: number): void {
  if (ranks[input.length] !== undefined) return;
  const takes = Object.values(ranks)
    .map((sample) => `[N, ${sample.slice(1)}`)
    .join(" or ");
  throw new SpecError(`${type} takes input of shape ${takes}, but ${inputSource(index)} gives ${shapeString(input)}`, ["layers", index, "type"]);
}

/**
 * The channel count of a sample [C, ...] reaching layer `index`, checked against the layer's
 * `field` (in_channels, num_features) when the spec gives it.
 */
export function channelsOf(given: number | undefined, input: readonly number[], index: number, field: string): number {
  const channels = input[0]!;
  if (given !== undefined && given !== channels) {
    throw new SpecError(`${field} is ${given} but ${inputSource(index)} gives ${channels} channels`, ["layers", index, field]);
  }
  return channels;
}
