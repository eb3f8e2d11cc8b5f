import { Tensor } from "../../tensor/index.js";
import { encodeNumber } from "../state_dict.js";
import { scheduledGroups, type SchedulableOptimizer } from "./scheduler.js";
import { StateReader, type SchedulerStateDict } from "./state.js";

export type PlateauMode = "min" | "max";
export type ThresholdMode = "rel" | "abs";

export interface ReduceLROnPlateauOptions {
  /** "min": the metric should fall (a loss); "max": it should rise (an accuracy). Default "min". */
  mode?: PlateauMode;
  /** new lr = lr * factor (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** How much better than the best a metric must be to count (default 1e-4). */
  threshold?: number;
  /** "rel": better than best * (1 ∓ threshold); "abs": than best ∓ threshold. Default "rel". */
  thresholdMode?: ThresholdMode;
  /** Epochs after a reduction during which bad epochs are not counted (default 0). */
  cooldown?: number;
  /** The lowest lr, for all groups or one per group (default 0). */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

function checkMode(mode: string): void {
  if (mode !== "min" && mode !== "max") throw new RangeError(`mode ${mode} is unknown!`);
}

function checkThresholdMode(mode: string): void {
  if (mode !== "rel" && mode !== "abs") throw new RangeError(`threshold mode ${mode} is unknown!`);
}

/**
 * PyTorch 1.13's `ReduceLROnPlateau`: multiplies every group's lr by `factor` once the metric
 * given to `step(metric)` has not improved for more than `patience` epochs. Not an `LRScheduler`
 * (as in PyTorch): it has no epoch-based formula, no `initialLr`, no `baseLrs`.
 */
export class ReduceLROnPlateau {
  readonly optimizer: SchedulableOptimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: PlateauMode;
  threshold: number;
  thresholdMode: ThresholdMode;
  /** The best metric so far (starts at the worst value of the mode: ±Infinity). */
  best: number;
  numBadEpochs = 0;
  eps: number;
  /** The number of `step()` calls. */
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: SchedulableOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const factor = options.factor ?? 0.1;
    if (!(factor < 1.0)) throw new RangeError("Factor should be < 1.0.");
    this.factor = factor;
    this.optimizer = optimizer;
    const groups = scheduledGroups(optimizer);
    const minLr = options.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== groups.length) throw new RangeError(`expected ${groups.length} min_lrs, got ${minLr.length}`);
      this.minLrs = [...minLr];
    } else {
      this.minLrs = new Array<number>(groups.length).fill(minLr);
    }
    this.patience = options.patience ?? 10;
    this.cooldown = options.cooldown ?? 0;
    this.mode = options.mode ?? "min";
    checkMode(this.mode);
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = options.thresholdMode ?? "rel";
    checkThresholdMode(this.thresholdMode);
    this.eps = options.eps ?? 1e-8;
    this.best = this.modeWorse;
    this.lastLr = groups.map((g) => g.lr);
  }

  /** The worst value for the mode, where `best` starts. */
  get modeWorse(): number {
    return this.mode === "min" ? Infinity : -Infinity;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === "rel" ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  /** Records the epoch's metric (a number or a one-element tensor) and reduces the lr if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = scheduledGroups(this.optimizer).map((g) => g.lr);
  }

  private reduceLr(): void {
    scheduledGroups(this.optimizer).forEach((g, i) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]!);
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
  }

  /** The lrs after the last `step()` (before any: the groups' lrs at construction). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** PyTorch's `state_dict()` keys but `verbose` (non-finite `best` and `mode_worse` as "Infinity" / "-Infinity"). */
  stateDict(): SchedulerStateDict {
    return {
      factor: this.factor,
      min_lrs: [...this.minLrs],
      patience: this.patience,
      cooldown: this.cooldown,
      cooldown_counter: this.cooldownCounter,
      mode: this.mode,
      threshold: this.threshold,
      threshold_mode: this.thresholdMode,
      best: encodeNumber(this.best),
      num_bad_epochs: this.numBadEpochs,
      mode_worse: encodeNumber(this.modeWorse),
      eps: this.eps,
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
    };
  }

  /** PyTorch's `load_state_dict()`: checks every entry first, changing nothing when one is missing, malformed or unknown. */
  loadStateDict(sd: SchedulerStateDict): void {
    const r = new StateReader(sd, "ReduceLROnPlateau");
    const n = scheduledGroups(this.optimizer).length;
    const factor = r.number("factor");
    if (!(factor < 1.0)) throw new RangeError("Factor should be < 1.0.");
    const next = {
      factor,
      minLrs: r.numbers("min_lrs", n),
      patience: r.int("patience"),
      cooldown: r.int("cooldown"),
      cooldownCounter: r.int("cooldown_counter"),
      mode: r.choice("mode", ["min", "max"] as const),
      threshold: r.number("threshold"),
      thresholdMode: r.choice("threshold_mode", ["rel", "abs"] as const),
      best: r.number("best"),
      numBadEpochs: r.int("num_bad_epochs"),
      eps: r.number("eps"),
      lastEpoch: r.int("last_epoch"),
      lastLr: r.has("_last_lr") ? r.numbers("_last_lr", n) : this.lastLr,
    };
    r.number("mode_worse"); // derived from mode, as PyTorch's load re-derives it
    r.finish();
    Object.assign(this, next);
  }
}
