import { flatten, layerNorm } from "../../autograd/index.js";
import { Tensor, bumpVersion, defaultGenerator, type FloatStorage, type Generator } from "../../tensor/index.js";
import { dropout, dropout2d } from "../functional/activation.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { pyBool, pyFloat, pyTuple } from "../repr.js";

export interface DropoutOptions {
  /**
   * Where the masks are drawn from when training (default: the global generator, as in PyTorch,
   * where dropout shares it with the DataLoader's shuffling).
   */
  generator?: Generator;
}

export class Dropout extends Module {
  /** Where the masks are drawn from; a model may point its Dropout layers at a generator of its own. */
  generator: Generator;

  constructor(
    readonly p = 0.5,
    options: DropoutOptions = {},
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
    this.generator = options.generator ?? defaultGenerator;
  }

  forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training, this.generator);
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}

/**
 * Zeroes whole channels of [N, C, H, W] (PyTorch's `nn.Dropout2d`). It extends Dropout, where PyTorch
 * has both extend `_DropoutNd`, so that whatever points Dropout layers at a generator reaches it too.
 */
export class Dropout2d extends Dropout {
  override forward(input: Tensor): Tensor {
    return dropout2d(input, this.p, this.training, this.generator);
  }
}

export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(input: Tensor): Tensor {
    return flatten(input, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

export class Identity extends Module {
  forward(input: Tensor): Tensor {
    return input;
  }
}

export interface LayerNormOptions {
  eps?: number;
  elementwiseAffine?: boolean;
  dtype?: "float32" | "float64";
}

/** Normalises over the trailing dims; weight starts at ones and bias at zeros, as in PyTorch. */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const dtype = options.dtype ?? "float32";
    const affine = this.elementwiseAffine;
    this.weight = this.registerParameter("weight", affine ? new Parameter(Tensor.empty(this.normalizedShape, dtype)) : null);
    this.bias = this.registerParameter("bias", affine ? new Parameter(Tensor.empty(this.normalizedShape, dtype)) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight) {
      (this.weight.data as FloatStorage).fill(1);
      bumpVersion(this.weight);
    }
    if (this.bias) {
      (this.bias.data as FloatStorage).fill(0);
      bumpVersion(this.bias);
    }
  }

  forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}
