import { pyCos } from "./py_cos.js";
import { LRScheduler, checkPositiveInt, type SchedulableOptimizer } from "./scheduler.js";
import type { SchedulerStateDict, StateReader } from "./state.js";

export interface CosineAnnealingLROptions {
  /** The lowest lr (default 0). */
  etaMin?: number;
  /** The epoch to resume after (default -1: start); other values need `initialLr` in every group. */
  lastEpoch?: number;
}

/**
 * PyTorch 1.13's `CosineAnnealingLR`: the lr follows half a cosine from `initialLr` down to
 * `etaMin` over `tMax` epochs, then back up, and so on. Computed with PyTorch's recursive
 * (chainable) formula, each step from the lr before, as PyTorch does, not with the closed form
 * `etaMin + (initialLr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2`, whose last bits differ.
 * `new CosineAnnealingLR(optimizer, tMax, { etaMin = 0, lastEpoch = -1 })`
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: SchedulableOptimizer, tMax: number, options: CosineAnnealingLROptions = {}) {
    super(optimizer, options.lastEpoch ?? -1);
    checkPositiveInt(tMax, "T_max");
    this.tMax = tMax;
    this.etaMin = options.etaMin ?? 0;
    this.initialize();
  }

  protected computeLr(): number[] {
    const { lastEpoch: epoch, tMax, etaMin } = this;
    const groups = this.groups();
    if (epoch === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && epoch > 0) {
      // the first step of a scheduler resumed with lastEpoch: the closed form
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + pyCos((epoch * Math.PI) / tMax))) / 2);
    }
    if ((epoch - 1 - tMax) % (2 * tMax) === 0) {
      // just past a minimum, where the ratio below would divide by zero
      return groups.map((g, i) => g.lr + ((this.baseLrs[i]! - etaMin) * (1 - pyCos(Math.PI / tMax))) / 2);
    }
    return groups.map(
      (g) => ((1 + pyCos((Math.PI * epoch) / tMax)) / (1 + pyCos((Math.PI * (epoch - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }

  protected ownState(): SchedulerStateDict {
    return { T_max: this.tMax, eta_min: this.etaMin };
  }

  protected readOwnState(r: StateReader): () => void {
    const tMax = r.int("T_max");
    checkPositiveInt(tMax, "T_max");
    const etaMin = r.number("eta_min");
    return () => {
      this.tMax = tMax;
      this.etaMin = etaMin;
    };
  }
}
