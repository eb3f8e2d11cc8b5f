import { LRScheduler, type SchedulableOptimizer } from "./scheduler.js";
import type { SchedulerStateDict, StateReader } from "./state.js";

export interface MultiStepLROptions {
  /** Multiplies the lr at each milestone (default 0.1). */
  gamma?: number;
  /** The epoch to resume after (default -1: start); other values need `initialLr` in every group. */
  lastEpoch?: number;
}

/** PyTorch's `Counter(milestones)`: how many times each epoch is listed. */
function countMilestones(milestones: Iterable<number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const m of milestones) {
    if (!Number.isInteger(m)) throw new TypeError(`milestones must be integers, got ${JSON.stringify(m)}`);
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  return counts;
}

/**
 * PyTorch's `MultiStepLR`: `lr *= gamma ** k` on reaching a milestone listed k times.
 * `new MultiStepLR(optimizer, milestones, { gamma = 0.1, lastEpoch = -1 })`
 */
export class MultiStepLR extends LRScheduler {
  /** Epoch -> how many times it was listed (PyTorch keeps a Counter). */
  milestones: Map<number, number>;
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, milestones: Iterable<number>, options: MultiStepLROptions = {}) {
    super(optimizer, options.lastEpoch ?? -1);
    this.milestones = countMilestones(milestones);
    this.gamma = options.gamma ?? 0.1;
    this.initialize();
  }

  protected computeLr(): number[] {
    const lrs = this.groups().map((g) => g.lr);
    const count = this.milestones.get(this.lastEpoch);
    if (count === undefined) return lrs;
    return lrs.map((lr) => lr * this.gamma ** count);
  }

  /** `milestones` is written as PyTorch's Counter turns into JSON: `{ "30": 1, "80": 1 }`. */
  protected ownState(): SchedulerStateDict {
    const milestones = Object.fromEntries([...this.milestones].sort(([a], [b]) => a - b).map(([m, n]) => [String(m), n]));
    return { milestones, gamma: this.gamma };
  }

  protected readOwnState(r: StateReader): () => void {
    const raw = r.raw("milestones");
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new TypeError(`MultiStepLR state dict: milestones must be an object of counts, got ${JSON.stringify(raw)}`);
    }
    const milestones = new Map<number, number>();
    for (const [k, n] of Object.entries(raw)) {
      if (!/^-?\d+$/.test(k) || !Number.isInteger(n) || (n as number) < 1) {
        throw new TypeError(`MultiStepLR state dict: milestones must map epochs to counts, got ${JSON.stringify(k)}: ${JSON.stringify(n)}`);
      }
      milestones.set(Number(k), n as number);
    }
    const gamma = r.number("gamma");
    return () => {
      this.milestones = milestones;
      this.gamma = gamma;
    };
  }
}
