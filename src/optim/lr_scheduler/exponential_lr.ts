import { LRScheduler, type SchedulableOptimizer } from "./scheduler.js";
import type { SchedulerStateDict, StateReader } from "./state.js";

export interface ExponentialLROptions {
  /** The epoch to resume after (default -1: start); other values need `initialLr` in every group. */
  lastEpoch?: number;
}

/** PyTorch's `ExponentialLR`: `lr *= gamma` every epoch. `new ExponentialLR(optimizer, gamma, { lastEpoch = -1 })` */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, gamma: number, options: ExponentialLROptions = {}) {
    super(optimizer, options.lastEpoch ?? -1);
    this.gamma = gamma;
    this.initialize();
  }

  protected computeLr(): number[] {
    const lrs = this.groups().map((g) => g.lr);
    return this.lastEpoch === 0 ? lrs : lrs.map((lr) => lr * this.gamma);
  }

  protected ownState(): SchedulerStateDict {
    return { gamma: this.gamma };
  }

  protected readOwnState(r: StateReader): () => void {
    const gamma = r.number("gamma");
    return () => {
      this.gamma = gamma;
    };
  }
}
