/**
 * The schedulers against PyTorch 1.13 (test/fixtures/schedulers.json, from generate_schedulers.py):
 * every lr (and OneCycleLR's momentum) after every step equal to PyTorch's Python floats, state
 * dicts with PyTorch's keys and values, resuming from PyTorch's state dicts, and two short trainings.
 */
import { describe, expect, it } from "vitest";
import { F, nn, optim, type Tensor } from "../../src/index.js";
import { expectClose, fromRef, loadFixture, type RefTensor } from "../helpers/fixtures.js";

const { lrScheduler } = optim;
type Scheduler = optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau;
type Json = optim.lrScheduler.SchedulerStateValue;

interface ScheduleCase {
  name: string;
  optimizer: "SGD" | "Adam" | "Adadelta";
  optimizer_kwargs: Record<string, Json>;
  groups: Record<string, Json>[];
  initial_lr: number | null;
  scheduler: "StepLR" | "MultiStepLR" | "ExponentialLR" | "CosineAnnealingLR" | "OneCycleLR" | "ReduceLROnPlateau";
  kwargs: Record<string, Json>;
  metrics: number[] | null;
  lrs: number[][];
  momenta: number[][] | null;
  mid: number;
  mid_state: { optimizer_groups: Record<string, Json>[]; scheduler: optim.lrScheduler.SchedulerStateDict };
  final_last_lr: number[];
}

interface TrainingCase {
  name: string;
  optimizer: "Adam" | "Adadelta";
  optimizer_kwargs: Record<string, Json>;
  scheduler: "StepLR" | "OneCycleLR";
  kwargs: Record<string, Json>;
  x: RefTensor;
  y: RefTensor;
  initial: RefTensor[];
  steps: { loss: number; lr: number; params: RefTensor[] }[];
}

const fixture = loadFixture<{ torch: string; schedules: ScheduleCase[]; trainings: TrainingCase[] }>("schedulers.json");

const camel = (k: string): string => (k === "T_max" ? "tMax" : k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
const camelKeys = (o: Record<string, Json>): Record<string, Json> => Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));

function makeOptimizer(name: ScheduleCase["optimizer"], kwargs: Record<string, Json>, groups: { params: Tensor[] }[]): optim.lrScheduler.SchedulableOptimizer {
  const ctor = { SGD: optim.SGD, Adam: optim.Adam, Adadelta: optim.Adadelta }[name];
  return new (ctor as new (p: unknown, o: unknown) => optim.lrScheduler.SchedulableOptimizer)(groups, camelKeys(kwargs));
}

function makeScheduler(name: ScheduleCase["scheduler"], opt: optim.lrScheduler.SchedulableOptimizer, kwargs: Record<string, Json>): Scheduler {
  const { step_size, milestones, gamma, T_max, ...rest } = kwargs;
  const options = camelKeys(rest) as Record<string, never>;
  switch (name) {
    case "StepLR":
      return new lrScheduler.StepLR(opt, step_size as number, { ...options, gamma: gamma as number | undefined });
    case "MultiStepLR":
      return new lrScheduler.MultiStepLR(opt, milestones as number[], { ...options, gamma: gamma as number | undefined });
    case "ExponentialLR":
      return new lrScheduler.ExponentialLR(opt, gamma as number, options);
    case "CosineAnnealingLR":
      return new lrScheduler.CosineAnnealingLR(opt, T_max as number, options);
    case "OneCycleLR":
      return new lrScheduler.OneCycleLR(opt, options as unknown as optim.lrScheduler.OneCycleLROptions);
    case "ReduceLROnPlateau":
      return new lrScheduler.ReduceLROnPlateau(opt, options);
  }
}

/** The optimizer and scheduler of a case, over one dummy parameter per group. */
function setUp(c: ScheduleCase): { opt: optim.lrScheduler.SchedulableOptimizer; sched: Scheduler } {
  const groups = c.groups.map((g) => ({ ...camelKeys(g), params: [fromRef({ shape: [2], dtype: "float32", data: [0, 0] }, { requiresGrad: true })] }));
  const opt = makeOptimizer(c.optimizer, c.optimizer_kwargs, groups);
  if (c.initial_lr !== null) for (const g of opt.paramGroups) Object.assign(g, { initialLr: c.initial_lr });
  return { opt, sched: makeScheduler(c.scheduler, opt, c.kwargs) };
}

const lrsOf = (opt: optim.lrScheduler.SchedulableOptimizer): number[] => opt.paramGroups.map((g) => g.lr);
const momentaOf = (opt: optim.lrScheduler.SchedulableOptimizer): (number | null)[] =>
  (opt.paramGroups as unknown as optim.lrScheduler.ScheduledGroup[]).map((g) => g.betas?.[0] ?? g.momentum ?? null);

function stepOnce(c: ScheduleCase, opt: optim.lrScheduler.SchedulableOptimizer, sched: Scheduler, s: number): void {
  opt.step(); // no gradients: changes nothing, but keeps PyTorch's order
  if (sched instanceof lrScheduler.ReduceLROnPlateau) sched.step(c.metrics![s]!);
  else sched.step();
}

/** PyTorch's state dict without the keys Kiln leaves out (printing and a warning's flag). */
function withoutBookkeeping(sd: optim.lrScheduler.SchedulerStateDict): optim.lrScheduler.SchedulerStateDict {
  const { verbose: _v, _get_lr_called_within_step: _g, ...rest } = sd;
  return rest;
}

describe(`learning-rate schedulers match PyTorch ${fixture.torch}`, () => {
  it.each(fixture.schedules.map((c) => [c.name, c] as const))("%s: every lr, exactly", (_name, c) => {
    const { opt, sched } = setUp(c);
    expect(lrsOf(opt)).toEqual(c.lrs[0]);
    if (c.momenta) expect(momentaOf(opt)).toEqual(c.momenta[0]);
    for (let s = 0; s < c.lrs.length - 1; s++) {
      stepOnce(c, opt, sched, s);
      expect(lrsOf(opt), `lr after step ${s + 1}`).toEqual(c.lrs[s + 1]);
      if (c.momenta) expect(momentaOf(opt), `momentum after step ${s + 1}`).toEqual(c.momenta[s + 1]);
    }
    expect(sched.getLastLr()).toEqual(c.final_last_lr);
  });

  it.each(fixture.schedules.map((c) => [c.name, c] as const))("%s: state dicts as PyTorch's", (_name, c) => {
    const { opt, sched } = setUp(c);
    for (let s = 0; s < c.mid; s++) stepOnce(c, opt, sched, s);
    expect(JSON.parse(JSON.stringify(sched.stateDict()))).toEqual(withoutBookkeeping(c.mid_state.scheduler));
    opt.stateDict().param_groups.forEach((g, i) => {
      const { params: _p, ...keys } = g;
      const expected = c.mid_state.optimizer_groups[i]!;
      for (const [k, v] of Object.entries(keys)) expect(v, `param_groups[${i}].${k}`).toEqual(expected[k]);
      for (const k of ["initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"]) expect(k in keys).toBe(k in expected);
    });
  });

  it.each(fixture.schedules.map((c) => [c.name, c] as const))("%s: resumes from PyTorch's state dicts", (_name, c) => {
    const { opt, sched } = setUp(c);
    const groups = c.mid_state.optimizer_groups.map((g, i) => ({ ...g, params: [i] }) as optim.ParamGroupDict);
    opt.loadStateDict({ state: {}, param_groups: groups });
    sched.loadStateDict(c.mid_state.scheduler);
    expect(sched.getLastLr()).toEqual(c.lrs[c.mid]);
    for (let s = c.mid; s < c.lrs.length - 1; s++) {
      stepOnce(c, opt, sched, s);
      expect(lrsOf(opt), `lr after step ${s + 1}`).toEqual(c.lrs[s + 1]);
      if (c.momenta) expect(momentaOf(opt), `momentum after step ${s + 1}`).toEqual(c.momenta[s + 1]);
    }
  });
});

describe("training with a scheduler matches PyTorch", () => {
  it.each(fixture.trainings.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const model = new nn.Linear(3, 2);
    const [weight, bias] = model.parameters();
    (weight!.data as Float32Array).set(c.initial[0]!.data as number[]);
    (bias!.data as Float32Array).set(c.initial[1]!.data as number[]);
    const x = fromRef(c.x);
    const y = fromRef(c.y);
    const opt = makeOptimizer(c.optimizer, c.optimizer_kwargs, [{ params: model.parameters() }]);
    const sched = makeScheduler(c.scheduler, opt, c.kwargs) as optim.lrScheduler.LRScheduler;
    for (const step of c.steps) {
      opt.zeroGrad();
      const loss = F.mseLoss(model.forward(x), y);
      loss.backward();
      opt.step();
      sched.step();
      expect(loss.item()).toBeCloseTo(step.loss, 5);
      expect(opt.paramGroups[0]!.lr).toBe(step.lr);
      model.parameters().forEach((p, i) => expectClose(p, step.params[i]!, 1e-5, 1e-6));
    }
  });
});

describe("schedulers: arguments and state", () => {
  const sgd = (lr = 0.1, momentum = 0): optim.SGD =>
    new optim.SGD([fromRef({ shape: [1], dtype: "float32", data: [0] }, { requiresGrad: true })], { lr, momentum });

  it("record initialLr in each group, which the optimizer's state dict writes as initial_lr", () => {
    const opt = sgd(0.3);
    new lrScheduler.StepLR(opt, 2);
    expect(opt.stateDict().param_groups[0]!.initial_lr).toBe(0.3);
  });

  it("resuming with lastEpoch needs initialLr in every group", () => {
    expect(() => new lrScheduler.StepLR(sgd(), 2, { lastEpoch: 3 })).toThrow(
      "param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer",
    );
  });

  it("OneCycleLR resumes only from groups that hold its keys", () => {
    const opt = sgd(0.1, 0.9);
    Object.assign(opt.paramGroups[0]!, { initialLr: 0.004 });
    expect(() => new lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, lastEpoch: 3 })).toThrow(
      "param 'max_lr' is not specified in param_groups[0] when resuming an optimizer",
    );
    const first = new lrScheduler.OneCycleLR(sgd(0.1, 0.9), { maxLr: 0.1, totalSteps: 10 });
    for (let i = 0; i < 3; i++) first.step();
    const resumed = sgd(0.1, 0.9);
    resumed.loadStateDict({ state: {}, param_groups: first.optimizer.stateDict().param_groups });
    const second = new lrScheduler.OneCycleLR(resumed, { maxLr: 0.1, totalSteps: 10, lastEpoch: 3 });
    first.step();
    expect(second.getLastLr()).toEqual(first.getLastLr());
  });

  it("check their arguments with PyTorch's messages", () => {
    expect(() => new lrScheduler.StepLR(sgd(), 0)).toThrow("Expected positive integer step_size, but got 0");
    expect(() => new lrScheduler.CosineAnnealingLR(sgd(), 0)).toThrow("Expected positive integer T_max, but got 0");
    expect(() => new lrScheduler.MultiStepLR(sgd(), [1.5])).toThrow("milestones must be integers, got 1.5");
    expect(() => new lrScheduler.OneCycleLR(sgd(), { maxLr: 0.1 })).toThrow("You must define either total_steps OR (epochs AND steps_per_epoch)");
    expect(() => new lrScheduler.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 0 })).toThrow("Expected positive integer total_steps, but got 0");
    expect(() => new lrScheduler.OneCycleLR(sgd(), { maxLr: 0.1, epochs: 2 })).toThrow("Expected positive integer steps_per_epoch, but got undefined");
    expect(() => new lrScheduler.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 5, pctStart: 1.5 })).toThrow(
      "Expected float between 0 and 1 pct_start, but got 1.5",
    );
    expect(() => new lrScheduler.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 5, annealStrategy: "exp" as "cos" })).toThrow(
      "anneal_strategy must by one of 'cos' or 'linear', instead got exp",
    );
    expect(() => new lrScheduler.OneCycleLR(sgd(), { maxLr: [0.1, 0.2], totalSteps: 5 })).toThrow("expected 1 values for max_lr, got 2");
    const adadelta = new optim.Adadelta([fromRef({ shape: [1], dtype: "float32", data: [0] }, { requiresGrad: true })]);
    expect(() => new lrScheduler.OneCycleLR(adadelta, { maxLr: 1, totalSteps: 5 })).toThrow(
      "optimizer must support momentum with `cycle_momentum` option enabled",
    );
    expect(() => new lrScheduler.ReduceLROnPlateau(sgd(), { factor: 1 })).toThrow("Factor should be < 1.0.");
    expect(() => new lrScheduler.ReduceLROnPlateau(sgd(), { mode: "up" as "min" })).toThrow("mode up is unknown!");
    expect(() => new lrScheduler.ReduceLROnPlateau(sgd(), { thresholdMode: "x" as "rel" })).toThrow("threshold mode x is unknown!");
    expect(() => new lrScheduler.ReduceLROnPlateau(sgd(), { minLr: [0, 0] })).toThrow("expected 1 min_lrs, got 2");
  });

  it("OneCycleLR refuses to step past its total steps", () => {
    const sched = new lrScheduler.OneCycleLR(sgd(0.1, 0.9), { maxLr: 0.1, totalSteps: 3 });
    for (let i = 0; i < 3; i++) sched.step();
    expect(() => sched.step()).toThrow("Tried to step 5 times. The specified number of total steps is 3");
  });

  it("the optimizer reads the scheduled lr at its next step", () => {
    const p = fromRef({ shape: [1], dtype: "float64", data: [1] }, { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.5 });
    const sched = new lrScheduler.StepLR(opt, 1, { gamma: 0.5 });
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = p.item();
      p.grad = fromRef({ shape: [1], dtype: "float64", data: [1] });
      opt.step();
      seen.push(before - p.item());
      sched.step();
    }
    expect(seen).toEqual([0.5, 0.25, 0.125]);
  });

  it("ReduceLROnPlateau takes a one-element tensor as its metric", () => {
    const opt = sgd();
    const sched = new lrScheduler.ReduceLROnPlateau(opt, { patience: 0 });
    sched.step(fromRef({ shape: [], dtype: "float32", data: [1] }));
    sched.step(fromRef({ shape: [], dtype: "float32", data: [2] }));
    expect(sched.getLastLr()[0]).toBeCloseTo(0.01, 15);
    expect(sched.best).toBe(1);
  });

  it("loadStateDict refuses unknown, missing or malformed entries and then changes nothing", () => {
    const sched = new lrScheduler.StepLR(sgd(), 2, { gamma: 0.5 });
    const good = sched.stateDict();
    expect(() => sched.loadStateDict({ ...good, foo: 1 })).toThrow('StepLR state dict: unexpected key "foo"');
    const { gamma: _g, ...missing } = good;
    expect(() => sched.loadStateDict(missing)).toThrow("StepLR state dict: missing gamma");
    expect(() => sched.loadStateDict({ ...good, last_epoch: 2, base_lrs: [0.1, 0.2] })).toThrow(
      "StepLR state dict: base_lrs must be a list of 1 numbers, got [0.1,0.2]",
    );
    expect(sched.stateDict()).toEqual(good);
    const plateau = new lrScheduler.ReduceLROnPlateau(sgd());
    const psd = plateau.stateDict();
    expect(psd.best).toBe("Infinity");
    expect(() => plateau.loadStateDict({ ...psd, mode: "sideways" })).toThrow('ReduceLROnPlateau state dict: mode must be one of "min", "max"');
    expect(plateau.stateDict()).toEqual(psd);
  });
});
