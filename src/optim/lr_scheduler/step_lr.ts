import { LRScheduler, checkPositiveInt, type SchedulableOptimizer } from "./scheduler.js";
import type { SchedulerStateDict, StateReader } from "./state.js";

export interface StepLROptions {
  /** Multiplies the lr every `stepSize` epochs (default 0.1). */
  gamma?: number;
  /** The epoch to resume after (default -1: start); other values need `initialLr` in every group. */
  lastEpoch?: number;
}

/** PyTorch's `StepLR`: `lr *= gamma` every `stepSize` epochs. `new StepLR(optimizer, stepSize, { gamma = 0.1, lastEpoch = -1 })` */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, stepSize: number, options: StepLROptions = {}) {
    super(optimizer, options.lastEpoch ?? -1);
    checkPositiveInt(stepSize, "step_size");
    this.stepSize = stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialize();
  }

  protected computeLr(): number[] {
    const lrs = this.groups().map((g) => g.lr);
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }

  protected ownState(): SchedulerStateDict {
    return { step_size: this.stepSize, gamma: this.gamma };
  }

  protected readOwnState(r: StateReader): () => void {
    const stepSize = r.int("step_size");
    checkPositiveInt(stepSize, "step_size");
    const gamma = r.number("gamma");
    return () => {
      this.stepSize = stepSize;
      this.gamma = gamma;
    };
  }
}
