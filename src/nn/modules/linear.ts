import { linear } from "../../autograd/index.js";
import { bumpVersion, defaultGenerator, fillUniform, Tensor, type FloatStorage, type Generator } from "../../tensor/index.js";
import { kaimingUniformBound, linearBiasBound } from "../init.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { pyBool } from "../repr.js";

export interface LinearOptions {
  bias?: boolean;
  dtype?: "float32" | "float64";
  /**
   * Where the initial weights are drawn from (default: the global generator, as in PyTorch); null
   * leaves them zero, for a module whose weights are loaded next (PyTorch's `nn.utils.skip_init`):
   * drawing 10M weights that are then overwritten costs a few hundred milliseconds.
   */
  generator?: Generator | null;
}

function checkSize(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`Linear: ${name} must be a non-negative integer, got ${value}`);
}

/** y = x·Wᵀ + b. Weight [out, in] and bias [out] start uniform in ±1/√in, drawn as PyTorch draws them. */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions | boolean = {},
  ) {
    super();
    const opts = typeof options === "boolean" ? { bias: options } : options;
    checkSize("in_features", inFeatures);
    checkSize("out_features", outFeatures);
    const dtype = opts.dtype ?? "float32";
    this.weight = this.registerParameter("weight", new Parameter(Tensor.empty([outFeatures, inFeatures], dtype)));
    this.bias = this.registerParameter("bias", opts.bias === false ? null : new Parameter(Tensor.empty([outFeatures], dtype)));
    if (opts.generator !== null) this.resetParameters(opts.generator);
  }

  /** PyTorch's kaiming_uniform_(a=√5) for the weight, then the bias: both draw from `generator`. */
  resetParameters(generator: Generator = defaultGenerator): void {
    const wb = kaimingUniformBound(this.inFeatures);
    fillUniform(generator, this.weight.data as FloatStorage, -wb, wb);
    if (this.bias) {
      const bb = this.inFeatures > 0 ? linearBiasBound(this.inFeatures) : 0;
      fillUniform(generator, this.bias.data as FloatStorage, -bb, bb);
      bumpVersion(this.bias);
    }
    bumpVersion(this.weight);
  }

  forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
