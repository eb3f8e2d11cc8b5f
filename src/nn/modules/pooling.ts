import {
  adaptiveAvgPool2d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
  type AdaptiveSize,
  type AvgPool2dOptions,
  type IntOrPair,
  type MaxPool1dOptions,
  type MaxPool2dOptions,
} from "../../autograd/index.js";
import type { Tensor } from "../../tensor/index.js";
import { Module } from "../module.js";
import { pyBool, pyTuple } from "../repr.js";

/** Python's repr of a size given as an int or a tuple (None for null), as module reprs print it. */
function pySize(size: number | readonly (number | null)[]): string {
  if (typeof size === "number") return String(size);
  return size.every((s) => s !== null) ? pyTuple(size as number[]) : `(${size.map((s) => (s === null ? "None" : s)).join(", ")})`;
}

/** PyTorch's _MaxPoolNd: the arguments of max pooling in 1 and 2 dimensions, and their repr. */
abstract class MaxPoolNd<Size extends number | IntOrPair> extends Module {
  readonly stride: Size;
  readonly padding: Size;
  readonly dilation: Size;
  readonly ceilMode: boolean;

  constructor(
    readonly kernelSize: Size,
    options: { stride?: Size | null; padding?: Size; dilation?: Size; ceilMode?: boolean },
    zero: Size,
    one: Size,
  ) {
    super();
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? zero;
    this.dilation = options.dilation ?? one;
    this.ceilMode = options.ceilMode ?? false;
  }

  override extraRepr(): string {
    return (
      `kernel_size=${pySize(this.kernelSize)}, stride=${pySize(this.stride)}, padding=${pySize(this.padding)}, ` +
      `dilation=${pySize(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`
    );
  }
}

export class MaxPool1d extends MaxPoolNd<number> {
  constructor(kernelSize: number, options: MaxPool1dOptions = {}) {
    super(kernelSize, options, 0, 1);
  }

  forward(input: Tensor): Tensor {
    return maxPool1d(input, this.kernelSize, this);
  }
}

export class MaxPool2d extends MaxPoolNd<IntOrPair> {
  constructor(kernelSize: IntOrPair, options: MaxPool2dOptions = {}) {
    super(kernelSize, options, 0, 1);
  }

  forward(input: Tensor): Tensor {
    return maxPool2d(input, this.kernelSize, this);
  }
}

export class AvgPool2d extends Module {
  readonly stride: IntOrPair;
  readonly padding: IntOrPair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(
    readonly kernelSize: IntOrPair,
    options: AvgPool2dOptions = {},
  ) {
    super();
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
  }

  forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, this);
  }

  override extraRepr(): string {
    return `kernel_size=${pySize(this.kernelSize)}, stride=${pySize(this.stride)}, padding=${pySize(this.padding)}`;
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize) {
    super();
  }

  forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${pySize(this.outputSize)}`;
  }
}
