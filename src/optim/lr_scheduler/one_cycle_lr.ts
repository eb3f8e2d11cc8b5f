import { pyCos } from "./py_cos.js";
import { LRScheduler, checkPositiveInt, type SchedulableOptimizer, type ScheduledGroup } from "./scheduler.js";
import type { SchedulerStateDict, StateReader } from "./state.js";

export type AnnealStrategy = "cos" | "linear";

export interface OneCycleLROptions {
  /** The peak lr: one for all groups or one per group. */
  maxLr: number | number[];
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** The share of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  annealStrategy?: AnnealStrategy;
  /** Cycle SGD's `momentum` (or Adam's beta1) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** A third phase annihilating the lr after a symmetric up and down (default false). */
  threePhase?: boolean;
  lastEpoch?: number;
}

/** The group keys a phase anneals between (PyTorch's names, as in the optimizer's state dict). */
const PHASE_KEYS = ["initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"] as const;
type PhaseKey = (typeof PHASE_KEYS)[number];

/** One phase of the cycle: up to `end_step`, anneal the lr (and momentum) between two group keys. */
export interface SchedulePhase {
  end_step: number;
  start_lr: PhaseKey;
  end_lr: PhaseKey;
  start_momentum: PhaseKey;
  end_momentum: PhaseKey;
}

const GROUP_KEY: Record<PhaseKey, string> = {
  initial_lr: "initialLr",
  max_lr: "maxLr",
  min_lr: "minLr",
  max_momentum: "maxMomentum",
  base_momentum: "baseMomentum",
};

function phase(end: number, lr: [PhaseKey, PhaseKey], momentum: [PhaseKey, PhaseKey]): SchedulePhase {
  return { end_step: end, start_lr: lr[0], end_lr: lr[1], start_momentum: momentum[0], end_momentum: momentum[1] };
}

function schedulePhases(totalSteps: number, pctStart: number, threePhase: boolean): SchedulePhase[] {
  if (threePhase) {
    return [
      phase(pctStart * totalSteps - 1, ["initial_lr", "max_lr"], ["max_momentum", "base_momentum"]),
      phase(2 * pctStart * totalSteps - 2, ["max_lr", "initial_lr"], ["base_momentum", "max_momentum"]),
      phase(totalSteps - 1, ["initial_lr", "min_lr"], ["max_momentum", "max_momentum"]),
    ];
  }
  return [
    phase(pctStart * totalSteps - 1, ["initial_lr", "max_lr"], ["max_momentum", "base_momentum"]),
    phase(totalSteps - 1, ["max_lr", "min_lr"], ["base_momentum", "max_momentum"]),
  ];
}

/** Cosine anneal from `start` to `end` as pct goes from 0 to 1 (PyTorch's exact expression). */
function annealCos(start: number, end: number, pct: number): number {
  const cosOut = pyCos(Math.PI * pct) + 1;
  return end + ((start - end) / 2.0) * cosOut;
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

/** A per-group value given once for all groups or as a list (PyTorch's `_format_param`). */
function perGroup(name: string, value: number | number[], groups: number): number[] {
  if (!Array.isArray(value)) return new Array<number>(groups).fill(value);
  if (value.length !== groups) throw new RangeError(`expected ${groups} values for ${name}, got ${value.length}`);
  return [...value];
}

/** PyTorch's message when `cycleMomentum` meets an optimizer without a momentum; the schema layer reports the rule with it too. */
export const CYCLE_MOMENTUM_RULE_MESSAGE = "optimizer must support momentum with `cycle_momentum` option enabled";

/**
 * Whether an optimizer with these defaults (or arguments: the keys are the same in snake_case) has
 * a momentum `cycleMomentum` can cycle: `momentum` (SGD, RMSprop) or `betas` (Adam, AdamW).
 */
export function hasCyclableMomentum(defaults: object): boolean {
  return "momentum" in defaults || "betas" in defaults;
}

/**
 * PyTorch 1.13's `OneCycleLR` (the 1cycle policy): the lr rises from `maxLr / divFactor` to `maxLr`
 * over `pctStart` of the steps, then falls to `initialLr / finalDivFactor`; with `cycleMomentum`
 * the momentum (SGD, RMSprop) or beta1 (Adam, AdamW) goes the other way, between `maxMomentum`
 * and `baseMomentum`. Step it after every batch. It sets `initialLr`, `maxLr`, `minLr` and, with
 * momentum, `maxMomentum` and `baseMomentum` in every group, as PyTorch does.
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  schedulePhases: SchedulePhase[];
  annealStrategy: AnnealStrategy;
  cycleMomentum: boolean;
  /** True when the momentum cycled is Adam's beta1 (the optimizer has `betas`, not `momentum`). */
  useBeta1: boolean;

  constructor(optimizer: SchedulableOptimizer, options: OneCycleLROptions) {
    const lastEpoch = options.lastEpoch ?? -1;
    super(optimizer, lastEpoch);
    const { totalSteps, epochs, stepsPerEpoch } = options;
    if (totalSteps === undefined && epochs === undefined && stepsPerEpoch === undefined) {
      throw new Error("You must define either total_steps OR (epochs AND steps_per_epoch)");
    }
    if (totalSteps !== undefined) {
      checkPositiveInt(totalSteps, "total_steps");
      this.totalSteps = totalSteps;
    } else {
      checkPositiveInt(epochs, "epochs");
      checkPositiveInt(stepsPerEpoch, "steps_per_epoch");
      this.totalSteps = epochs! * stepsPerEpoch!;
    }
    const pctStart = options.pctStart ?? 0.3;
    if (typeof pctStart !== "number" || !(pctStart >= 0 && pctStart <= 1)) {
      throw new RangeError(`Expected float between 0 and 1 pct_start, but got ${pctStart}`);
    }
    this.schedulePhases = schedulePhases(this.totalSteps, pctStart, options.threePhase ?? false);
    const strategy = options.annealStrategy ?? "cos";
    if (strategy !== "cos" && strategy !== "linear") {
      throw new RangeError(`anneal_strategy must by one of 'cos' or 'linear', instead got ${String(strategy)}`);
    }
    this.annealStrategy = strategy;
    const groups = this.groups();
    const maxLrs = perGroup("max_lr", options.maxLr, groups.length);
    const divFactor = options.divFactor ?? 25;
    const finalDivFactor = options.finalDivFactor ?? 1e4;
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i]!;
        g.minLr = g.initialLr / finalDivFactor;
      });
    }
    this.cycleMomentum = options.cycleMomentum ?? true;
    this.useBeta1 = false;
    if (this.cycleMomentum) {
      const defaults = optimizer.defaults as object;
      if (!hasCyclableMomentum(defaults)) throw new Error(CYCLE_MOMENTUM_RULE_MESSAGE);
      this.useBeta1 = "betas" in defaults;
      const maxMomentums = perGroup("max_momentum", options.maxMomentum ?? 0.95, groups.length);
      const baseMomentums = perGroup("base_momentum", options.baseMomentum ?? 0.85, groups.length);
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          this.setMomentum(g, maxMomentums[i]!);
          g.maxMomentum = maxMomentums[i]!;
          g.baseMomentum = baseMomentums[i]!;
        });
      }
    }
    if (lastEpoch !== -1) this.checkResumable();
    this.initialize();
  }

  /** Resuming (lastEpoch given) takes the cycle's keys from the groups, as a loaded optimizer state dict has them. */
  private checkResumable(): void {
    const keys: PhaseKey[] = this.cycleMomentum ? ["max_lr", "min_lr", "max_momentum", "base_momentum"] : ["max_lr", "min_lr"];
    this.groups().forEach((g, i) => {
      for (const k of keys) {
        if (typeof g[GROUP_KEY[k]] !== "number") {
          throw new Error(`param '${k}' is not specified in param_groups[${i}] when resuming an optimizer`);
        }
      }
    });
  }

  private setMomentum(g: ScheduledGroup, m: number): void {
    if (this.useBeta1) g.betas = [m, g.betas![1]];
    else g.momentum = m;
  }

  protected computeLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new RangeError(`Tried to step ${step + 1} times. The specified number of total steps is ${this.totalSteps}`);
    }
    const anneal = this.annealStrategy === "cos" ? annealCos : annealLinear;
    const phases = this.schedulePhases;
    return this.groups().map((g) => {
      const value = (key: PhaseKey): number => g[GROUP_KEY[key]] as number;
      let start = 0;
      for (let i = 0; i < phases.length; i++) {
        const p = phases[i]!;
        if (step <= p.end_step || i === phases.length - 1) {
          const pct = (step - start) / (p.end_step - start);
          if (this.cycleMomentum) this.setMomentum(g, anneal(value(p.start_momentum), value(p.end_momentum), pct));
          return anneal(value(p.start_lr), value(p.end_lr), pct);
        }
        start = p.end_step;
      }
      throw new Error("unreachable: the last phase always matches");
    });
  }

  /** PyTorch's entries, but for `anneal_func` (a bound method): `_anneal_func_type`, as PyTorch 2 writes it. */
  protected ownState(): SchedulerStateDict {
    return {
      total_steps: this.totalSteps,
      _schedule_phases: this.schedulePhases.map((p) => ({ ...p })),
      _anneal_func_type: this.annealStrategy,
      cycle_momentum: this.cycleMomentum,
      ...(this.cycleMomentum ? { use_beta1: this.useBeta1 } : {}),
    };
  }

  protected readOwnState(r: StateReader): () => void {
    const totalSteps = r.int("total_steps");
    checkPositiveInt(totalSteps, "total_steps");
    const raw = r.raw("_schedule_phases");
    const bad = (): never => {
      throw new TypeError(`OneCycleLR state dict: _schedule_phases must be a list of phases, got ${JSON.stringify(raw)}`);
    };
    if (!Array.isArray(raw) || raw.length === 0) bad();
    const phases = (raw as unknown[]).map((p): SchedulePhase => {
      if (typeof p !== "object" || p === null) bad();
      const o = p as Record<string, unknown>;
      const key = (k: string): PhaseKey => (PHASE_KEYS.includes(o[k] as PhaseKey) ? (o[k] as PhaseKey) : bad());
      if (typeof o.end_step !== "number" || Object.keys(o).length !== 5) bad();
      return { end_step: o.end_step as number, start_lr: key("start_lr"), end_lr: key("end_lr"), start_momentum: key("start_momentum"), end_momentum: key("end_momentum") };
    });
    const strategy = r.choice("_anneal_func_type", ["cos", "linear"] as const);
    const cycleMomentum = r.boolean("cycle_momentum");
    const useBeta1 = cycleMomentum ? r.boolean("use_beta1") : false;
    return () => {
      this.totalSteps = totalSteps;
      this.schedulePhases = phases;
      this.annealStrategy = strategy;
      this.cycleMomentum = cycleMomentum;
      this.useBeta1 = useBeta1;
    };
  }
}
