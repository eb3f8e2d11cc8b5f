import { describe, expect, it } from "vitest";
import * as optim from "../../src/optim/index.js";
import {
  checkTrainingSteps,
  makeOptimizer,
  makeScheduler,
  parseOptimizerSpec,
  parseTrainingSpec,
  SCHEDULER_TYPES,
  SchedulerSpec,
  TrainingSpec,
  type OptimizerSpecInput,
  type SchedulerSpecInput,
  type TrainingSpecInput,
} from "../../src/schema/index.js";
import { specError } from "../helpers/spec_error.js";
import { BASE_TRAINING_SPEC, linearParameters } from "../helpers/training_spec.js";

const { lrScheduler } = optim;

const base = BASE_TRAINING_SPEC;

function optimizer(spec: OptimizerSpecInput = { type: "SGD", lr: 0.5 }) {
  return makeOptimizer(parseOptimizerSpec(spec), linearParameters());
}

function build(spec: SchedulerSpecInput, opt = optimizer(), totalSteps = 12) {
  return makeScheduler(SchedulerSpec.parse(spec), { optimizer: opt, totalSteps });
}

describe("TrainingSpec's scheduler and grad_clip_norm", () => {
  it("are optional, and the schedulers take PyTorch's defaults", () => {
    expect(TrainingSpec.parse(base)).not.toHaveProperty("scheduler");
    const parse = (scheduler: SchedulerSpecInput) => TrainingSpec.parse({ ...base, scheduler }).scheduler;
    expect(parse({ type: "StepLR", step_size: 2 })).toEqual({ type: "StepLR", step_size: 2, gamma: 0.1 });
    expect(parse({ type: "MultiStepLR", milestones: [2, 4] })).toEqual({ type: "MultiStepLR", milestones: [2, 4], gamma: 0.1 });
    expect(parse({ type: "ExponentialLR", gamma: 0.9 })).toEqual({ type: "ExponentialLR", gamma: 0.9 });
    expect(parse({ type: "CosineAnnealingLR", T_max: 5 })).toEqual({ type: "CosineAnnealingLR", T_max: 5, eta_min: 0 });
    expect(parse({ type: "OneCycleLR", max_lr: 0.1 })).toEqual({
      type: "OneCycleLR",
      max_lr: 0.1,
      pct_start: 0.3,
      anneal_strategy: "cos",
      cycle_momentum: true,
      base_momentum: 0.85,
      max_momentum: 0.95,
      div_factor: 25,
      final_div_factor: 1e4,
      three_phase: false,
    });
    expect(parse({ type: "ReduceLROnPlateau" })).toEqual({
      type: "ReduceLROnPlateau",
      mode: "min",
      factor: 0.1,
      patience: 10,
      threshold: 1e-4,
      threshold_mode: "rel",
      cooldown: 0,
      min_lr: 0,
      eps: 1e-8,
    });
    expect(TrainingSpec.parse({ ...base, grad_clip_norm: 0.5 }).grad_clip_norm).toBe(0.5);
  });

  it("rejects bad values with their paths", () => {
    const issues = (body: object) => TrainingSpec.safeParse({ ...base, ...body }).error?.issues.map((i) => [i.path, i.code]) ?? [];
    expect(issues({ grad_clip_norm: 0 })).toEqual([[["grad_clip_norm"], "too_small"]]);
    expect(issues({ scheduler: { type: "StepLR" } })).toEqual([[["scheduler", "step_size"], "invalid_type"]]);
    expect(issues({ scheduler: { type: "StepLR", step_size: 0 } })).toEqual([[["scheduler", "step_size"], "too_small"]]);
    expect(issues({ scheduler: { type: "StepLR", step_size: 1, gamma: 0 } })).toEqual([[["scheduler", "gamma"], "too_small"]]);
    expect(issues({ scheduler: { type: "MultiStepLR", milestones: [2, 1.5] } })).toEqual([[["scheduler", "milestones", 1], "invalid_type"]]);
    expect(issues({ scheduler: { type: "CosineAnnealingLR", T_max: 3, eta_min: -1 } })).toEqual([[["scheduler", "eta_min"], "too_small"]]);
    expect(issues({ scheduler: { type: "OneCycleLR", max_lr: 0.1, pct_start: 1.5 } })).toEqual([[["scheduler", "pct_start"], "too_big"]]);
    expect(issues({ scheduler: { type: "OneCycleLR", max_lr: 0.1, anneal_strategy: "step" } })).toEqual([[["scheduler", "anneal_strategy"], "invalid_value"]]);
    expect(issues({ scheduler: { type: "OneCycleLR", max_lr: 0.1, total_steps: 0 } })).toEqual([[["scheduler", "total_steps"], "too_small"]]);
    expect(issues({ scheduler: { type: "ReduceLROnPlateau", factor: 1 } })).toEqual([[["scheduler", "factor"], "too_big"]]);
    expect(issues({ scheduler: { type: "ReduceLROnPlateau", mode: "sideways" } })).toEqual([[["scheduler", "mode"], "invalid_value"]]);
    expect(issues({ scheduler: { type: "ExponentialLR", gamma: 0.9, step_size: 1 } })).toEqual([[["scheduler"], "unrecognized_keys"]]);
    const unknown = TrainingSpec.safeParse({ ...base, scheduler: { type: "CyclicLR" } }).error!.issues;
    expect(unknown.map((i) => [i.path, i.message])).toEqual([
      [["scheduler", "type"], `unknown scheduler type; expected one of ${SCHEDULER_TYPES.join(", ")}`],
    ]);
    expect(SCHEDULER_TYPES).toEqual(["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "OneCycleLR", "ReduceLROnPlateau"]);
  });

  it("refuses OneCycleLR's cycle_momentum with an optimizer that has no momentum nor betas, as PyTorch does", () => {
    const onAdadelta = { ...base, optimizer: { type: "Adadelta" }, scheduler: { type: "OneCycleLR", max_lr: 0.1 } } satisfies TrainingSpecInput;
    const e = specError(() => parseTrainingSpec(onAdadelta));
    expect(e.path).toEqual(["scheduler", "cycle_momentum"]);
    expect(e.message).toBe(`${lrScheduler.CYCLE_MOMENTUM_RULE_MESSAGE} (Adadelta has neither momentum nor betas)`);
    expect(() => new lrScheduler.OneCycleLR(optimizer({ type: "Adadelta" }), { maxLr: 0.1, totalSteps: 10 })).toThrow(
      lrScheduler.CYCLE_MOMENTUM_RULE_MESSAGE,
    );
    expect(() => parseTrainingSpec({ ...onAdadelta, scheduler: { ...onAdadelta.scheduler, cycle_momentum: false } })).not.toThrow();
    for (const type of ["SGD", "Adam", "AdamW", "RMSprop"] as const) {
      expect(() => parseTrainingSpec({ ...base, optimizer: { type, lr: 0.1 }, scheduler: { type: "OneCycleLR", max_lr: 0.1 } })).not.toThrow();
    }
  });

  it("refuses a OneCycleLR total_steps below the job's optimizer steps, once the dataset tells them", () => {
    const spec = parseTrainingSpec({ ...base, scheduler: { type: "OneCycleLR", max_lr: 0.1, total_steps: 20 } });
    expect(() => checkTrainingSteps(spec, 20)).not.toThrow();
    const e = specError(() => checkTrainingSteps(spec, 21));
    expect(e.path).toEqual(["scheduler", "total_steps"]);
    expect(e.message).toBe("total_steps is 20, below the job's 21 optimizer steps (OneCycleLR cannot step past its cycle)");
    expect(() => checkTrainingSteps(parseTrainingSpec({ ...base, scheduler: { type: "OneCycleLR", max_lr: 0.1 } }), 1e6)).not.toThrow();
    expect(() => checkTrainingSteps(parseTrainingSpec(base), 1e6)).not.toThrow();
  });
});

describe("makeScheduler", () => {
  it("maps each spec to the engine's scheduler with camelCase options", () => {
    const step = build({ type: "StepLR", step_size: 2, gamma: 0.5 }).scheduler;
    expect(step).toBeInstanceOf(lrScheduler.StepLR);
    expect(step).toMatchObject({ stepSize: 2, gamma: 0.5 });
    const multi = build({ type: "MultiStepLR", milestones: [2, 2, 5], gamma: 0.5 }).scheduler;
    expect((multi as optim.lrScheduler.MultiStepLR).milestones).toEqual(new Map([[2, 2], [5, 1]]));
    expect(build({ type: "ExponentialLR", gamma: 0.9 }).scheduler).toMatchObject({ gamma: 0.9 });
    expect(build({ type: "CosineAnnealingLR", T_max: 4, eta_min: 0.01 }).scheduler).toMatchObject({ tMax: 4, etaMin: 0.01 });
    const plateau = build({ type: "ReduceLROnPlateau", mode: "max", factor: 0.5, patience: 2, threshold: 0.01, threshold_mode: "abs", cooldown: 1, min_lr: 0.001, eps: 0 });
    expect(plateau.scheduler).toBeInstanceOf(lrScheduler.ReduceLROnPlateau);
    expect(plateau.scheduler).toMatchObject({ mode: "max", factor: 0.5, patience: 2, threshold: 0.01, thresholdMode: "abs", cooldown: 1, minLrs: [0.001], eps: 0 });
  });

  it("gives OneCycleLR the job's optimizer steps unless total_steps is given, and its arguments", () => {
    const opt = optimizer({ type: "Adam" });
    const derived = build({ type: "OneCycleLR", max_lr: 0.2, div_factor: 10, final_div_factor: 100, base_momentum: 0.8, max_momentum: 0.9 }, opt, 30).scheduler;
    expect(derived).toMatchObject({ totalSteps: 30, annealStrategy: "cos", cycleMomentum: true, useBeta1: true });
    // the lr is the cosine's value at 0: max_lr / div_factor up to the last bits, as in PyTorch
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.02, 15);
    expect(opt.paramGroups[0]).toMatchObject({ initialLr: 0.02, maxLr: 0.2, minLr: 0.0002, baseMomentum: 0.8, maxMomentum: 0.9, betas: [0.9, 0.999] });
    const given = build({ type: "OneCycleLR", max_lr: 0.2, total_steps: 50, anneal_strategy: "linear", three_phase: true, cycle_momentum: false }).scheduler;
    expect(given).toMatchObject({ totalSteps: 50, annealStrategy: "linear", cycleMomentum: false });
    expect((given as optim.lrScheduler.OneCycleLR).schedulePhases).toHaveLength(3);
  });

  it("steps OneCycleLR after every optimizer step, ReduceLROnPlateau after every epoch with its loss, the others after every epoch", () => {
    const lrAfter = (spec: SchedulerSpecInput, act: (s: ReturnType<typeof build>) => void): number => {
      const opt = optimizer();
      const s = build(spec, opt);
      act(s);
      return opt.paramGroups[0]!.lr;
    };
    const step: SchedulerSpecInput = { type: "StepLR", step_size: 1, gamma: 0.5 };
    expect(lrAfter(step, (s) => s.afterStep())).toBe(0.5);
    expect(lrAfter(step, (s) => s.afterEpoch(1))).toBe(0.25);
    const cycle: SchedulerSpecInput = { type: "OneCycleLR", max_lr: 1, anneal_strategy: "linear", pct_start: 0.5 };
    expect(lrAfter(cycle, (s) => s.afterEpoch(1))).toBe(0.04);
    expect(lrAfter(cycle, (s) => s.afterStep())).toBeCloseTo(0.04 + (1 - 0.04) / 5, 12);
    const plateau: SchedulerSpecInput = { type: "ReduceLROnPlateau", patience: 0, factor: 0.5 };
    expect(lrAfter(plateau, (s) => s.afterStep())).toBe(0.5);
    expect(lrAfter(plateau, (s) => [1, 0.5].forEach((loss) => s.afterEpoch(loss)))).toBe(0.5);
    expect(lrAfter(plateau, (s) => [1, 0.5, 0.7].forEach((loss) => s.afterEpoch(loss)))).toBe(0.25);
  });
});
