/**
 * Learning-rate scheduler specs: the registry of the `torch.optim.lr_scheduler` classes a training
 * job may name, built as optimizers.ts is. Each type is one record of `SCHEDULERS` holding its
 * schema (PyTorch's snake_case arguments and defaults), its cross-field rules and its builder,
 * which also says when the training loop steps it, as pytorch/examples do: `scheduler.step()`
 * after every epoch (ReduceLROnPlateau with the epoch's monitored loss), OneCycleLR after every
 * optimizer step.
 */
import { z } from "zod";
import * as optim from "../optim/index.js";
import type { OptimizerSpec } from "./optimizers.js";
import { SpecError, type SpecPath } from "./errors.js";

const { lrScheduler } = optim;

/** A built scheduler, with the two calls the training loop makes. */
export interface JobScheduler {
  readonly scheduler: optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau;
  /** Called after every `optimizer.step()`. */
  afterStep(): void;
  /** Called after every epoch with its monitored loss: the validation loss, else the training loss. */
  afterEpoch(monitoredLoss: number): void;
}

/** Stepped with `step()` after every epoch. */
function everyEpoch(scheduler: optim.lrScheduler.LRScheduler): JobScheduler {
  return { scheduler, afterStep: () => {}, afterEpoch: () => scheduler.step() };
}

/** What a scheduler is built for besides its spec: the optimizer, and the job's optimizer steps (epochs × batches per epoch). */
export interface SchedulerTarget {
  optimizer: optim.lrScheduler.SchedulableOptimizer;
  totalSteps: number;
}

/** What one registry record knows besides the schema, for specs of type `Spec`. */
interface SchedulerRules<Spec> {
  /** Rules across the scheduler's and the optimizer's fields. Throws SpecError under `path`. */
  readonly check?: (spec: Spec, optimizer: OptimizerSpec, path: SpecPath) => void;
  /** Rules that need the job's optimizer steps, known once its dataset is. Throws SpecError under `path`. */
  readonly checkSteps?: (spec: Spec, totalSteps: number, path: SpecPath) => void;
  readonly build: (spec: Spec, target: SchedulerTarget) => JobScheduler;
}

type SchedulerEntry<Schema extends z.ZodType> = SchedulerRules<z.output<Schema>> & { readonly schema: Schema };

/** A registry record; a function so that `check` and `build` are typed from `schema`. */
function schedulerEntry<Schema extends z.ZodType>(schema: Schema, rules: SchedulerRules<z.output<Schema>>): SchedulerEntry<Schema> {
  return { schema, ...rules };
}

/** A scheduler's object schema: `type` is the torch.optim.lr_scheduler class name, as the registry files it. */
function schedulerSchema<Type extends string, Shape extends z.ZodRawShape>(type: Type, description: string, shape: Shape) {
  return z
    .object({ type: z.literal(type).describe(`torch.optim.lr_scheduler.${type}: "${type}".`), ...shape })
    .strict()
    .meta({ title: type, description });
}

const gamma = () => z.number().gt(0);
const epochs = () => z.number().int().min(1);
const momentumBound = (fallback: number, which: string) =>
  z.number().min(0).lt(1).default(fallback).describe(`The ${which} momentum (SGD's, RMSprop's momentum or Adam's β1) of the cycle, in [0, 1) (default ${fallback}).`);

export const StepLRSpec = schedulerSchema("StepLR", "torch.optim.lr_scheduler.StepLR: the lr is multiplied by gamma every step_size epochs.", {
  step_size: epochs().describe("Epochs between two decays, ≥ 1."),
  gamma: gamma().default(0.1).describe("The decay factor, > 0 (default 0.1)."),
});
export type StepLRSpec = z.infer<typeof StepLRSpec>;

export const MultiStepLRSpec = schedulerSchema("MultiStepLR", "torch.optim.lr_scheduler.MultiStepLR: the lr is multiplied by gamma after each milestone epoch.", {
  milestones: z
    .array(epochs().describe("An epoch, counted from 1, after which the lr decays."))
    .describe("Epochs after which the lr is multiplied by gamma (once per listing)."),
  gamma: gamma().default(0.1).describe("The decay factor, > 0 (default 0.1)."),
});
export type MultiStepLRSpec = z.infer<typeof MultiStepLRSpec>;

export const ExponentialLRSpec = schedulerSchema("ExponentialLR", "torch.optim.lr_scheduler.ExponentialLR: the lr is multiplied by gamma after every epoch.", {
  gamma: gamma().describe("The decay factor, > 0."),
});
export type ExponentialLRSpec = z.infer<typeof ExponentialLRSpec>;

export const CosineAnnealingLRSpec = schedulerSchema(
  "CosineAnnealingLR",
  "torch.optim.lr_scheduler.CosineAnnealingLR: the lr follows half a cosine from the optimizer's lr down to eta_min over T_max epochs, then back up.",
  {
    T_max: epochs().describe("Epochs of half a period, ≥ 1."),
    eta_min: z.number().min(0).default(0).describe("The lowest lr, ≥ 0 (default 0)."),
  },
);
export type CosineAnnealingLRSpec = z.infer<typeof CosineAnnealingLRSpec>;

export const OneCycleLRSpec = schedulerSchema(
  "OneCycleLR",
  "torch.optim.lr_scheduler.OneCycleLR, stepped after every optimizer step: the lr rises from max_lr / div_factor to max_lr, " +
    "then falls far below (the optimizer's own lr is not used); with cycle_momentum the momentum goes the other way.",
  {
    max_lr: z.number().gt(0).describe("The peak lr, > 0."),
    total_steps: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("Steps in the cycle, ≥ the job's optimizer steps (default: exactly those, epochs × batches per epoch)."),
    pct_start: z.number().min(0).max(1).default(0.3).describe("The share of the cycle spent raising the lr, in [0, 1] (default 0.3)."),
    anneal_strategy: z.enum(["cos", "linear"]).default("cos").describe("How the lr moves between its bounds: cos or linear (default cos)."),
    cycle_momentum: z
      .boolean()
      .default(true)
      .describe("Cycle the momentum inversely to the lr, between max_momentum and base_momentum (default true); needs an optimizer with momentum or betas."),
    base_momentum: momentumBound(0.85, "lowest"),
    max_momentum: momentumBound(0.95, "highest"),
    div_factor: z.number().gt(0).default(25).describe("The starting lr is max_lr / div_factor, > 0 (default 25)."),
    final_div_factor: z.number().gt(0).default(1e4).describe("The final lr is the starting lr / final_div_factor, > 0 (default 1e4)."),
    three_phase: z
      .boolean()
      .default(false)
      .describe("Go back down to the starting lr symmetrically, then annihilate it, instead of annealing from max_lr to the final lr (default false)."),
  },
);
export type OneCycleLRSpec = z.infer<typeof OneCycleLRSpec>;

export const ReduceLROnPlateauSpec = schedulerSchema(
  "ReduceLROnPlateau",
  "torch.optim.lr_scheduler.ReduceLROnPlateau, stepped after every epoch with its validation loss (the training loss when the job has no validation data).",
  {
    mode: z.enum(["min", "max"]).default("min").describe("min: the loss should fall; max: it should rise (default min)."),
    factor: z.number().gt(0).lt(1).default(0.1).describe("new lr = lr × factor, in (0, 1) (default 0.1)."),
    patience: z.number().int().min(0).default(10).describe("Epochs without improvement tolerated before reducing, ≥ 0 (default 10)."),
    threshold: z.number().min(0).default(1e-4).describe("How much better than the best an epoch must be to count as an improvement, ≥ 0 (default 1e-4)."),
    threshold_mode: z
      .enum(["rel", "abs"])
      .default("rel")
      .describe("rel: better than best × (1 ∓ threshold); abs: than best ∓ threshold (default rel)."),
    cooldown: z.number().int().min(0).default(0).describe("Epochs after a reduction during which bad epochs are not counted, ≥ 0 (default 0)."),
    min_lr: z.number().min(0).default(0).describe("The lowest lr, ≥ 0 (default 0)."),
    eps: z.number().min(0).default(1e-8).describe("Reductions smaller than this are skipped, ≥ 0 (default 1e-8)."),
  },
);
export type ReduceLROnPlateauSpec = z.infer<typeof ReduceLROnPlateauSpec>;

/** The registry, filed by `type`, in the order the API lists the types. */
const SCHEDULERS = {
  StepLR: schedulerEntry(StepLRSpec, {
    build: (spec, { optimizer }) => everyEpoch(new lrScheduler.StepLR(optimizer, spec.step_size, { gamma: spec.gamma })),
  }),
  MultiStepLR: schedulerEntry(MultiStepLRSpec, {
    build: (spec, { optimizer }) => everyEpoch(new lrScheduler.MultiStepLR(optimizer, spec.milestones, { gamma: spec.gamma })),
  }),
  ExponentialLR: schedulerEntry(ExponentialLRSpec, {
    build: (spec, { optimizer }) => everyEpoch(new lrScheduler.ExponentialLR(optimizer, spec.gamma)),
  }),
  CosineAnnealingLR: schedulerEntry(CosineAnnealingLRSpec, {
    build: (spec, { optimizer }) => everyEpoch(new lrScheduler.CosineAnnealingLR(optimizer, spec.T_max, { etaMin: spec.eta_min })),
  }),
  OneCycleLR: schedulerEntry(OneCycleLRSpec, {
    check: (spec, optimizer, path) => {
      if (spec.cycle_momentum && !lrScheduler.hasCyclableMomentum(optimizer)) {
        throw new SpecError(`${lrScheduler.CYCLE_MOMENTUM_RULE_MESSAGE} (${optimizer.type} has neither momentum nor betas)`, [...path, "cycle_momentum"]);
      }
    },
    checkSteps: (spec, totalSteps, path) => {
      if (spec.total_steps !== undefined && spec.total_steps < totalSteps) {
        throw new SpecError(
          `total_steps is ${spec.total_steps}, below the job's ${totalSteps} optimizer steps (OneCycleLR cannot step past its cycle)`,
          [...path, "total_steps"],
        );
      }
    },
    build: (spec, { optimizer, totalSteps }) => {
      const scheduler = new lrScheduler.OneCycleLR(optimizer, {
        maxLr: spec.max_lr,
        totalSteps: spec.total_steps ?? totalSteps,
        pctStart: spec.pct_start,
        annealStrategy: spec.anneal_strategy,
        cycleMomentum: spec.cycle_momentum,
        baseMomentum: spec.base_momentum,
        maxMomentum: spec.max_momentum,
        divFactor: spec.div_factor,
        finalDivFactor: spec.final_div_factor,
        threePhase: spec.three_phase,
      });
      return { scheduler, afterStep: () => scheduler.step(), afterEpoch: () => {} };
    },
  }),
  ReduceLROnPlateau: schedulerEntry(ReduceLROnPlateauSpec, {
    build: (spec, { optimizer }) => {
      const scheduler = new lrScheduler.ReduceLROnPlateau(optimizer, {
        mode: spec.mode,
        factor: spec.factor,
        patience: spec.patience,
        threshold: spec.threshold,
        thresholdMode: spec.threshold_mode,
        cooldown: spec.cooldown,
        minLr: spec.min_lr,
        eps: spec.eps,
      });
      return { scheduler, afterStep: () => {}, afterEpoch: (loss) => scheduler.step(loss) };
    },
  }),
};

type SchedulerType = keyof typeof SCHEDULERS;
type SchedulerEntries = (typeof SCHEDULERS)[SchedulerType];

export const SCHEDULER_TYPES = Object.keys(SCHEDULERS) as SchedulerType[];

const schedulerSchemas = Object.values(SCHEDULERS).map((entry) => entry.schema) as [SchedulerEntries["schema"], ...SchedulerEntries["schema"][]]; // the registry is not empty

export const SchedulerSpec = z
  .discriminatedUnion("type", schedulerSchemas, {
    error: (issue) =>
      issue.code === "invalid_union" ? `unknown scheduler type; expected one of ${SCHEDULER_TYPES.join(", ")}` : undefined,
  })
  .describe(
    "A learning-rate scheduler, with torch.optim.lr_scheduler's class name as `type` and its arguments in snake_case. " +
      "Stepped after every epoch, as pytorch/examples do; OneCycleLR after every optimizer step.",
  );
export type SchedulerSpec = z.infer<typeof SchedulerSpec>;
export type SchedulerSpecInput = z.input<typeof SchedulerSpec>;

/** The record of `spec`'s type; the one filed under a type takes that type's specs, which TypeScript cannot see through the union. */
function rulesFor(spec: SchedulerSpec): SchedulerRules<SchedulerSpec> {
  return SCHEDULERS[spec.type] as SchedulerRules<SchedulerSpec>;
}

/** Checks the rules across a parsed `spec` and the job's `optimizer` (OneCycleLR's cycle_momentum); throws SpecError under `path`. */
export function checkSchedulerSpec(spec: SchedulerSpec, optimizer: OptimizerSpec, path: SpecPath = ["scheduler"]): void {
  rulesFor(spec).check?.(spec, optimizer, path);
}

/** Checks the rules that need the job's optimizer steps (OneCycleLR's total_steps); throws SpecError under `path`. */
export function checkSchedulerSteps(spec: SchedulerSpec, totalSteps: number, path: SpecPath = ["scheduler"]): void {
  rulesFor(spec).checkSteps?.(spec, totalSteps, path);
}

/**
 * The engine's scheduler for a parsed and checked `spec` over `target.optimizer` (snake_case
 * arguments to camelCase options), with the calls that step it. Build it before loading a saved
 * optimizer state: like PyTorch's, the constructor writes the optimizer's groups (initial_lr, and
 * OneCycleLR's lr and momentum), which the saved state then overwrites.
 */
export function makeScheduler(spec: SchedulerSpec, target: SchedulerTarget): JobScheduler {
  return rulesFor(spec).build(spec, target);
}
