import { batchNorm } from "../../autograd/index.js";
import { bumpVersion, Tensor, type FloatStorage } from "../../tensor/index.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { pyBool, pyFloat } from "../repr.js";

export interface BatchNormOptions {
  eps?: number;
  /** The running statistics' update factor; null: a cumulative moving average (1/batches seen). */
  momentum?: number | null;
  /** Whether the module has a learnable weight (ones) and bias (zeros). */
  affine?: boolean;
  /** Whether the module keeps running statistics for eval; without them it always uses the batch's. */
  trackRunningStats?: boolean;
  dtype?: "float32" | "float64";
}

/**
 * What BatchNorm1d and BatchNorm2d share (PyTorch's `_BatchNorm`): weight and bias as parameters;
 * running_mean, running_var and the int64 num_batches_tracked as buffers, saved in the state dict.
 * Training normalises with the batch's statistics and updates the running ones; eval uses those.
 */
export abstract class BatchNorm extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = options.dtype ?? "float32";
    const features = (): Tensor => Tensor.empty([numFeatures], dtype);
    this.weight = this.registerParameter("weight", this.affine ? new Parameter(features()) : null);
    this.bias = this.registerParameter("bias", this.affine ? new Parameter(features()) : null);
    const track = this.trackRunningStats;
    this.runningMean = this.registerBuffer("running_mean", track ? features() : null);
    this.runningVar = this.registerBuffer("running_var", track ? features() : null);
    this.numBatchesTracked = this.registerBuffer("num_batches_tracked", track ? Tensor.empty([], "int64") : null);
    this.resetParameters();
  }

  /** Running mean 0, running variance 1, no batches seen. */
  resetRunningStats(): void {
    if (!this.runningMean || !this.runningVar || !this.numBatchesTracked) return;
    (this.runningMean.data as FloatStorage).fill(0);
    (this.runningVar.data as FloatStorage).fill(1);
    (this.numBatchesTracked.data as BigInt64Array).fill(0n);
    for (const t of [this.runningMean, this.runningVar, this.numBatchesTracked]) bumpVersion(t);
  }

  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight && this.bias) {
      (this.weight.data as FloatStorage).fill(1);
      (this.bias.data as FloatStorage).fill(0);
      bumpVersion(this.weight);
      bumpVersion(this.bias);
    }
  }

  /** Throws PyTorch's ValueError text for an input of the wrong rank. */
  protected abstract checkInputDim(input: Tensor): void;

  forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    let factor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      const batches = this.numBatchesTracked.data as BigInt64Array;
      batches[0]! += 1n;
      bumpVersion(this.numBatchesTracked);
      factor = this.momentum ?? 1 / Number(batches[0]);
    }
    // without running statistics, eval normalises with the batch's too
    const batchStatistics = this.training || (this.runningMean === null && this.runningVar === null);
    const passRunning = !this.training || this.trackRunningStats;
    return batchNorm(
      input,
      passRunning ? this.runningMean : null,
      passRunning ? this.runningVar : null,
      this.weight,
      this.bias,
      batchStatistics,
      factor,
      this.eps,
    );
  }

  override extraRepr(): string {
    const momentum = this.momentum === null ? "None" : pyFloat(this.momentum);
    return (
      `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${pyBool(this.affine)}, ` +
      `track_running_stats=${pyBool(this.trackRunningStats)}`
    );
  }
}

/** Batch norm over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw new RangeError(`expected 2D or 3D input (got ${input.ndim}D input)`);
  }
}

/** Batch norm over [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) throw new RangeError(`expected 4D input (got ${input.ndim}D input)`);
  }
}
