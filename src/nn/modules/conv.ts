import { conv1d, conv2d, type ConvOptions, type ConvPadding } from "../../autograd/index.js";
import {
  bumpVersion,
  defaultGenerator,
  fillUniform,
  formatShape,
  Tensor,
  type FloatStorage,
  type Generator,
} from "../../tensor/index.js";
import { kaimingUniformBound, linearBiasBound } from "../init.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { pyTuple } from "../repr.js";

export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";

export interface ConvModuleOptions {
  /** default 1 */
  stride?: number | readonly number[];
  /** default 0; "same" keeps the input's size (stride 1 only) */
  padding?: ConvPadding;
  /** default 1 */
  dilation?: number | readonly number[];
  /** default 1; both channel counts must be divisible by it */
  groups?: number;
  /** default true */
  bias?: boolean;
  /** only "zeros" (the default) is implemented; the others are refused */
  paddingMode?: PaddingMode;
  dtype?: "float32" | "float64";
  /** as Linear's: where the initial weights are drawn from; null leaves them zero (to be loaded) */
  generator?: Generator | null;
}

const PADDING_MODES: readonly string[] = ["zeros", "reflect", "replicate", "circular"];

/**
 * What Conv1d and Conv2d share (PyTorch's `_ConvNd`): the weight [out, in / groups, ...kernel]
 * and bias [out], their initialisation, the argument checks and the repr.
 */
abstract class ConvNd extends Module {
  readonly kernelSize: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[] | "same" | "valid";
  readonly dilation: readonly number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  protected constructor(
    dims: 1 | 2,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvModuleOptions,
  ) {
    super();
    const name = dims === 1 ? "Conv1d" : "Conv2d";
    checkChannels(name, "in_channels", inChannels);
    checkChannels(name, "out_channels", outChannels);
    this.groups = options.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups <= 0) throw new RangeError("groups must be a positive integer");
    if (inChannels % this.groups !== 0) throw new RangeError("in_channels must be divisible by groups");
    if (outChannels % this.groups !== 0) throw new RangeError("out_channels must be divisible by groups");
    this.kernelSize = tuple(name, "kernel_size", kernelSize, dims, 1);
    this.stride = tuple(name, "stride", options.stride ?? 1, dims, 1);
    this.dilation = tuple(name, "dilation", options.dilation ?? 1, dims, 1);
    const padding = options.padding ?? 0;
    if (typeof padding === "string") {
      if (padding !== "same" && padding !== "valid") {
        throw new RangeError(`Invalid padding string '${padding}', should be one of {'valid', 'same'}`);
      }
      if (padding === "same" && this.stride.some((s) => s !== 1)) {
        throw new RangeError("padding='same' is not supported for strided convolutions");
      }
      this.padding = padding;
    } else {
      this.padding = tuple(name, "padding", padding, dims, 0);
    }
    const mode = options.paddingMode ?? "zeros";
    if (!PADDING_MODES.includes(mode)) {
      throw new RangeError(`padding_mode must be one of {'zeros', 'replicate', 'reflect', 'circular'}, but got padding_mode='${mode}'`);
    }
    if (mode !== "zeros") throw new RangeError(`${name}: padding_mode='${mode}' is not supported yet, only 'zeros'`);
    this.paddingMode = mode;
    const dtype = options.dtype ?? "float32";
    const weightShape = [outChannels, inChannels / this.groups, ...this.kernelSize];
    this.weight = this.registerParameter("weight", new Parameter(Tensor.empty(weightShape, dtype)));
    this.bias = this.registerParameter("bias", options.bias === false ? null : new Parameter(Tensor.empty([outChannels], dtype)));
    if (options.generator !== null) this.resetParameters(options.generator);
  }

  /** fan_in: the inputs one output element sees, (in / groups)·prod(kernel) */
  private get fanIn(): number {
    return (this.inChannels / this.groups) * this.kernelSize.reduce((a, b) => a * b, 1);
  }

  /**
   * PyTorch's kaiming_uniform_(a=√5) for the weight, then the bias uniform in ±1/√fan_in, both
   * drawn from `generator`; as in PyTorch an empty weight draws nothing, nor a bias when fan_in is 0.
   */
  resetParameters(generator: Generator = defaultGenerator): void {
    const fanIn = this.fanIn;
    if (this.weight.numel() > 0) {
      const bound = kaimingUniformBound(fanIn);
      fillUniform(generator, this.weight.data as FloatStorage, -bound, bound);
    }
    if (this.bias && fanIn > 0) {
      const bound = linearBiasBound(fanIn);
      fillUniform(generator, this.bias.data as FloatStorage, -bound, bound);
    }
    bumpVersion(this.weight);
    if (this.bias) bumpVersion(this.bias);
  }

  protected get convOptions(): ConvOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  /** PyTorch 1.13's: padding, dilation, groups and bias only when they differ from the defaults. */
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === "string") s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ", bias=False";
    return s;
  }
}

/** Applies a 1-d convolution over input [N, C, L] (or [C, L]), as `torch.nn.Conv1d`. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvModuleOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, options);
  }

  forward(input: Tensor): Tensor {
    return conv1d(input, this.weight, this.bias, this.convOptions);
  }
}

/** Applies a 2-d convolution over input [N, C, H, W] (or [C, H, W]), as `torch.nn.Conv2d`. */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvModuleOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, options);
  }

  forward(input: Tensor): Tensor {
    return conv2d(input, this.weight, this.bias, this.convOptions);
  }
}

function checkChannels(module: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${module}: ${name} must be a non-negative integer, got ${value}`);
}

/** An int or one int per spatial dim, each at least `min` (PyTorch's `_single` / `_pair`, checked). */
function tuple(module: string, name: string, value: number | readonly number[], dims: number, min: number): number[] {
  const list = typeof value === "number" ? new Array<number>(dims).fill(value) : [...value];
  if (list.length !== dims || !list.every((v) => Number.isInteger(v) && v >= min)) {
    const what = min === 0 ? "non-negative" : "positive";
    throw new RangeError(
      `${module}: ${name} must be a ${what} integer or ${dims === 1 ? "a list of one" : `a list of ${dims}`}, got ${
        typeof value === "number" ? value : formatShape(list)
      }`,
    );
  }
  return list;
}
