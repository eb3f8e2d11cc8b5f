/**
 * What the sliding-window layers (convolutions and poolings) share: their size arguments, one int
 * for every spatial dimension or a list of one per dimension as PyTorch takes them, and how a
 * window fits the sample it slides over.
 */
import { z } from "zod";
import { pooledSize } from "../../autograd/index.js";
import { SpecError } from "../errors.js";
import { int } from "./layer_type.js";

/** An int ≥ `min`, or a list of one (PyTorch's `_single`). */
export const single = (min: number) => z.union([int().min(min), z.tuple([int().min(min)])]);
/** An int ≥ `min` for both spatial dims, or [height, width] (PyTorch's `_pair`). */
export const pair = (min: number) => z.union([int().min(min), z.tuple([int().min(min), int().min(min)])]);

/** A size argument as one int per spatial dim. */
export const perDim = (value: number | readonly number[], dims: number): number[] =>
  typeof value === "number" ? new Array<number>(dims).fill(value) : [...value];

/** A size argument as the spec gave it: `5`, `[5, 3]`. */
const argString = (value: number | readonly number[]): string => (typeof value === "number" ? String(value) : `[${value.join(", ")}]`);

/** Spatial sizes as messages name them: `4×4`, `length 4`. */
const sizesString = (sizes: readonly number[]): string => (sizes.length === 1 ? `length ${sizes[0]}` : sizes.join("×"));

/** A window's geometry, one int per spatial dim. */
export interface Window {
  kernel: number[];
  stride: number[];
  /** On each side of each spatial dim. */
  padding: number[];
  dilation: number[];
}

type SizeArgument = number | readonly number[];

/** A pooling layer's window over `dims` spatial dims: its stride defaults to the kernel (PyTorch's None), its dilation to 1. */
export const poolingWindow = (
  layer: { kernel_size: SizeArgument; stride: SizeArgument | null; padding: SizeArgument; dilation?: SizeArgument },
  dims: number,
): Window => ({
  kernel: perDim(layer.kernel_size, dims),
  stride: perDim(layer.stride ?? layer.kernel_size, dims),
  padding: perDim(layer.padding, dims),
  dilation: perDim(layer.dilation ?? 1, dims),
});

/**
 * Checks that the window of layer `index` fits the spatial sizes `input` once padded; SpecError at
 * its kernel_size otherwise (`kernel_size 5 does not fit a 4×4 input`).
 */
export function checkWindowFits(kernelSize: number | readonly number[], window: Window, input: readonly number[], index: number): void {
  const { kernel, padding, dilation } = window;
  const spans = kernel.map((k, i) => dilation[i]! * (k - 1) + 1);
  const padded = input.map((n, i) => n + 2 * padding[i]!);
  if (spans.every((span, i) => span <= padded[i]!)) return;
  let message = `kernel_size ${argString(kernelSize)} does not fit ${input.length === 1 ? "an input of" : "a"} ${sizesString(input)}${input.length === 1 ? "" : " input"}`;
  if (padding.some((p) => p > 0)) message += `, padded to ${sizesString(padded)}`;
  if (dilation.some((d) => d !== 1)) message += ` (with dilation ${argString(dilation)} it spans ${sizesString(spans)})`;
  throw new SpecError(message, ["layers", index, "kernel_size"]);
}

/** A convolution's output size along each spatial dim, for a window that fits. */
export const convolvedSizes = (input: readonly number[], { kernel, stride, padding, dilation }: Window): number[] =>
  input.map((n, i) => Math.floor((n + 2 * padding[i]! - dilation[i]! * (kernel[i]! - 1) - 1) / stride[i]!) + 1);

/**
 * A pooling's output size along each spatial dim (PyTorch's `pooling_output_shape`), after its own
 * checks: the padding at most half the kernel (SpecError at padding), the window fitting.
 */
export function pooledSizes(
  args: { kernel_size: number | readonly number[]; padding: number | readonly number[]; ceil_mode: boolean },
  window: Window,
  input: readonly number[],
  index: number,
): number[] {
  const { kernel, stride, padding, dilation } = window;
  if (padding.some((p, i) => p > Math.floor(kernel[i]! / 2))) {
    throw new SpecError(
      `padding ${argString(args.padding)} should be at most half of kernel_size ${argString(args.kernel_size)}`,
      ["layers", index, "padding"],
    );
  }
  checkWindowFits(args.kernel_size, window, input, index);
  return input.map((n, i) => pooledSize(n, kernel[i]!, padding[i]!, stride[i]!, dilation[i]!, args.ceil_mode));
}
