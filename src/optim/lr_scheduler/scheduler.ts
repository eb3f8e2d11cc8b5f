/**
 * PyTorch 1.13's `_LRScheduler`: the base of the schedulers that set every group's lr at each
 * `step()` from the epoch count (`last_epoch`). Each subclass gives PyTorch's chainable formula
 * (`get_lr`, here `computeLr`), which mostly scales the group's current lr, so the numbers are
 * PyTorch's to the last bit, and other changes to the lr between steps carry on as in PyTorch.
 *
 * The optimizers read `paramGroups[i].lr` at every step, so setting it is all a schedule takes.
 * The first scheduler on an optimizer stores each group's starting lr as `initialLr` (PyTorch's
 * `initial_lr`, the key the optimizer's state dict writes), which `lastEpoch` resumption needs.
 */
import type { Optimizer } from "../optimizer.js";
import { StateReader, type SchedulerStateDict } from "./state.js";

/** Any optimizer: every group has an lr. */
export type SchedulableOptimizer = Optimizer<{ lr: number }, unknown>;

/**
 * A parameter group as schedulers see it: the lr, `initialLr`, and the keys some schedulers add
 * or change (OneCycleLR: `maxLr`, `minLr`, `maxMomentum`, `baseMomentum`, `momentum`, `betas`).
 */
export interface ScheduledGroup {
  lr: number;
  initialLr?: number;
  momentum?: number;
  betas?: [number, number];
  [key: string]: unknown;
}

/** The groups of `optimizer` with the keys schedulers use. */
export function scheduledGroups(optimizer: SchedulableOptimizer): ScheduledGroup[] {
  return optimizer.paramGroups as unknown as ScheduledGroup[];
}

export abstract class LRScheduler {
  readonly optimizer: SchedulableOptimizer;
  /** PyTorch's `base_lrs`: each group's `initialLr`. */
  baseLrs: number[] = [];
  /** PyTorch's `last_epoch`: the number of `step()` calls before the last one, the constructor's included (-1 before it). */
  lastEpoch: number;
  /** PyTorch's `_step_count`: `step()` calls, the constructor's included. */
  stepCount = 0;
  private lastLr: number[] = [];

  protected constructor(optimizer: SchedulableOptimizer, lastEpoch: number) {
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) throw new RangeError(`last_epoch must be an integer >= -1, got ${lastEpoch}`);
    this.optimizer = optimizer;
    this.lastEpoch = lastEpoch;
  }

  /**
   * The rest of PyTorch's `_LRScheduler.__init__`, which runs once the subclass has set its own
   * fields (each subclass constructor ends with it): `initialLr` of each group, `baseLrs`, and the
   * first `step()`.
   */
  protected initialize(): void {
    const groups = this.groups();
    groups.forEach((group, i) => {
      if (this.lastEpoch === -1) group.initialLr ??= group.lr;
      else if (group.initialLr === undefined) {
        throw new Error(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
      }
    });
    this.baseLrs = groups.map((g) => g.initialLr!);
    this.stepCount = 0;
    this.step();
  }

  protected groups(): ScheduledGroup[] {
    return scheduledGroups(this.optimizer);
  }

  /** Each group's lr for the epoch `lastEpoch` just reached (PyTorch's chainable `get_lr()`). */
  protected abstract computeLr(): number[];

  /** Advances one epoch (or one batch, for OneCycleLR) and sets every group's lr. Call it after `optimizer.step()`. */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    const values = this.computeLr();
    const groups = this.groups();
    groups.forEach((g, i) => (g.lr = values[i]!));
    this.lastLr = groups.map((g) => g.lr);
  }

  /** The lrs the last `step()` set, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The subclass's own entries of the state dict (PyTorch's attribute names). */
  protected abstract ownState(): SchedulerStateDict;

  /** Reads and checks the subclass's entries; returns what assigns them (run only once everything is read). */
  protected abstract readOwnState(r: StateReader): () => void;

  /**
   * PyTorch's `state_dict()`: the scheduler's own settings and counters, then `base_lrs`,
   * `last_epoch`, `_step_count`, `_last_lr` (not `verbose` nor `_get_lr_called_within_step`,
   * which Kiln has no use for; loading ignores them). The optimizer's lrs are in its own state dict.
   */
  stateDict(): SchedulerStateDict {
    return {
      ...this.ownState(),
      base_lrs: [...this.baseLrs],
      last_epoch: this.lastEpoch,
      _step_count: this.stepCount,
      _last_lr: [...this.lastLr],
    };
  }

  /**
   * PyTorch's `load_state_dict()` (for a dict from `stateDict()` or PyTorch's, as JSON): checks
   * every entry first, throwing and changing nothing when one is missing, malformed or unknown.
   */
  loadStateDict(sd: SchedulerStateDict): void {
    const r = new StateReader(sd, this.constructor.name);
    const n = this.groups().length;
    const baseLrs = r.numbers("base_lrs", n);
    const lastEpoch = r.int("last_epoch");
    const stepCount = r.int("_step_count");
    const lastLr = r.has("_last_lr") ? r.numbers("_last_lr", n) : this.lastLr;
    const assignOwn = this.readOwnState(r);
    r.finish();
    assignOwn();
    this.baseLrs = baseLrs;
    this.lastEpoch = lastEpoch;
    this.stepCount = stepCount;
    this.lastLr = [...lastLr];
  }
}

/** Throws unless `x` is an integer > 0, naming it as PyTorch does. */
export function checkPositiveInt(x: number | undefined, name: string): void {
  if (!Number.isInteger(x) || x! <= 0) throw new RangeError(`Expected positive integer ${name}, but got ${String(x)}`);
}
