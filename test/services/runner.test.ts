import { describe, expect, it } from "vitest";
import { CheckpointGate } from "../../src/services/checkpoint_gate.js";
import { CONTROL, type TrainingMessage, type TrainingTask } from "../../src/services/task.js";
import { runTraining } from "../../src/services/runner.js";
import { buildModel, parseModelSpec, TrainingSpec, type ModelSpecInput, type TrainingSpecInput } from "../../src/schema/index.js";
import * as optim from "../../src/optim/index.js";
import { Generator, randn, Tensor } from "../../src/tensor/index.js";
import { expectClose, fromRef, loadFixture, type RefTensor } from "../helpers/fixtures.js";

interface Run {
  config: {
    name: string;
    in_features: number;
    layers: { type: string; out_features?: number }[];
    seed: number;
    loss: "cross_entropy" | "mse_loss";
    optimizer: Record<string, unknown> & { type: string };
    batch_size: number;
    shuffle: boolean;
    drop_last: boolean;
    epochs: number;
  };
  X: RefTensor;
  y: RefTensor;
  losses: number[];
  final_state_dict: Record<string, RefTensor>;
}

const runs = loadFixture<{ runs: Run[] }>("trajectories.json").runs;

/** A task as the job manager builds it: a model created with the run's seed, trained without one (`spec` overrides the run's). */
function taskFor(run: Run, checkpoint: Uint8Array | null = null, checkpointIntervalMs = 60_000, spec: Partial<TrainingSpecInput> = {}): TrainingTask {
  const c = run.config;
  const modelSpec = { input_shape: [c.in_features], layers: c.layers, seed: c.seed };
  const generator = new Generator().manualSeed(c.seed);
  const built = buildModel(parseModelSpec(modelSpec as ModelSpecInput), { generator });
  return {
    jobId: "job_test",
    modelSpec: built.resolvedSpec,
    trainingSpec: TrainingSpec.parse({
      model_id: "m",
      dataset_id: "d",
      loss: c.loss,
      optimizer: c.optimizer,
      epochs: c.epochs,
      batch_size: c.batch_size,
      shuffle: c.shuffle,
      drop_last: c.drop_last,
      ...spec,
    }),
    weights: Object.fromEntries(Object.entries(built.module.stateDict()).map(([k, t]) => [k, t.toShared()])),
    generatorState: generator.getState(),
    features: fromRef(run.X).toShared(),
    labels: fromRef(run.y).toShared(),
    validation: null,
    checkpoint,
    control: new SharedArrayBuffer(4),
    checkpointIntervalMs,
  };
}

function collect(task: TrainingTask, onMessage: (m: TrainingMessage) => void = () => {}) {
  const losses: number[] = [];
  const checkpoints: Extract<TrainingMessage, { kind: "checkpoint" }>[] = [];
  const outcome = runTraining(task, (m) => {
    if (m.kind === "progress") losses.push(m.loss);
    if (m.kind === "checkpoint") checkpoints.push(m);
    onMessage(m);
  });
  return { outcome, losses, checkpoints };
}

describe("runTraining", () => {
  for (const run of runs) {
    it(`${run.config.name}: a model created with the seed trains to PyTorch's losses and weights`, () => {
      const { outcome, losses } = collect(taskFor(run));
      expect(outcome.status).toBe("succeeded");
      losses.forEach((l, i) => expect(Math.abs(l - run.losses[i]!)).toBeLessThan(3e-5 * Math.abs(run.losses[i]!) + 1e-7));
      if (outcome.status !== "succeeded") return;
      for (const [key, ref] of Object.entries(run.final_state_dict)) expectClose(Tensor.fromShared(outcome.weights[key]!), ref, 1e-4, 1e-6);
    });
  }

  it("resumes from any checkpoint to the same losses and weights as an uninterrupted run", () => {
    const run = runs[1]!;
    const full = collect(taskFor(run, null, 0));
    expect(full.outcome.status).toBe("succeeded");
    expect(full.checkpoints.length).toBeGreaterThan(3);
    for (const cp of [full.checkpoints[2]!, full.checkpoints[Math.floor(full.checkpoints.length / 2)]!]) {
      const resumed = collect(taskFor(run, cp.state, 0));
      expect(resumed.outcome.status).toBe("succeeded");
      expect(resumed.losses).toEqual(full.losses.slice(cp.step));
      if (resumed.outcome.status !== "succeeded" || full.outcome.status !== "succeeded") return;
      for (const key of Object.keys(full.outcome.weights)) {
        expect(Tensor.fromShared(resumed.outcome.weights[key]!).tolist()).toEqual(Tensor.fromShared(full.outcome.weights[key]!).tolist());
      }
      expect(resumed.outcome.generatorState).toEqual(full.outcome.generatorState);
    }
  });

  describe("with a scheduler", () => {
    const scheduled: [string, Partial<TrainingSpecInput>][] = [
      ["StepLR", { scheduler: { type: "StepLR", step_size: 2, gamma: 0.5 } }],
      ["OneCycleLR on Adam's beta1", { optimizer: { type: "Adam", lr: 0.01 }, scheduler: { type: "OneCycleLR", max_lr: 0.05 } }],
      // patience 0 and a loose threshold: the lr falls after some epochs and not others
      ["ReduceLROnPlateau", { scheduler: { type: "ReduceLROnPlateau", patience: 0, threshold: 0.1, factor: 0.5 }, grad_clip_norm: 0.5 }],
    ];

    it("reports each epoch's lr as the scheduler set it when the epoch began", () => {
      const run = runs[1]!; // SGD lr 0.05, 4 epochs of 5 batches
      const epochs = (spec: Partial<TrainingSpecInput>) => {
        const { outcome } = collect(taskFor(run, null, 60_000, spec));
        return outcome.status === "succeeded" ? outcome.epochs : [];
      };
      expect(epochs({}).map((e) => e.lr)).toEqual([0.05, 0.05, 0.05, 0.05]);
      expect(epochs(scheduled[0]![1]).map((e) => e.lr)).toEqual([0.05, 0.05, 0.025, 0.025]);
      const cycle = new optim.lrScheduler.OneCycleLR(new optim.SGD([randn([1])], { lr: 1 }), { maxLr: 0.05, totalSteps: 20 });
      const lrs = Array.from({ length: 20 }, () => {
        const lr = cycle.getLastLr()[0]!;
        cycle.step();
        return lr;
      });
      expect(epochs({ scheduler: { type: "OneCycleLR", max_lr: 0.05 } }).map((e) => e.lr)).toEqual([lrs[0], lrs[5], lrs[10], lrs[15]]);
    });

    for (const [name, spec] of scheduled) {
      it(`${name}: resumes from any checkpoint to the same losses, lrs and weights as an uninterrupted run`, () => {
        const run = runs[1]!;
        const full = collect(taskFor(run, null, 0, spec));
        expect(full.outcome.status).toBe("succeeded");
        if (full.outcome.status !== "succeeded") return;
        const lrs = full.outcome.epochs.map((e) => e.lr);
        expect(new Set(lrs).size, `${name} changes the lr`).toBeGreaterThan(1);
        // inside the first epoch, at the end of the second (inside it and after it: epochs are 5 steps) and inside the fourth
        const resumeFrom = full.checkpoints.filter((c) => [3, 10, 17].includes(c.step));
        expect(resumeFrom.map((c) => [c.step, c.epoch])).toEqual([[3, 0], [10, 1], [10, 2], [17, 3]]);
        for (const cp of resumeFrom) {
          const resumed = collect(taskFor(run, cp.state, 0, spec));
          expect(resumed.outcome.status).toBe("succeeded");
          expect(resumed.losses).toEqual(full.losses.slice(cp.step));
          if (resumed.outcome.status !== "succeeded") return;
          expect(resumed.outcome.epochs).toEqual(full.outcome.epochs);
          for (const key of Object.keys(full.outcome.weights)) {
            expect(Tensor.fromShared(resumed.outcome.weights[key]!).tolist()).toEqual(Tensor.fromShared(full.outcome.weights[key]!).tolist());
          }
        }
      });
    }
  });

  it("stops at the next step when cancelled, and checkpoints when suspended", () => {
    const run = runs[0]!;
    const cancelTask = taskFor(run);
    const cancelled = collect(cancelTask, (m) => {
      if (m.kind === "progress" && m.step === 3) Atomics.store(new Int32Array(cancelTask.control), 0, CONTROL.cancel);
    });
    expect(cancelled.outcome).toMatchObject({ status: "cancelled", steps: 3 });

    const suspendTask = taskFor(run);
    const suspended = collect(suspendTask, (m) => {
      if (m.kind === "progress" && m.step === 5) Atomics.store(new Int32Array(suspendTask.control), 0, CONTROL.suspend);
    });
    expect(suspended.outcome).toMatchObject({ status: "suspended", steps: 5 });
    const last = suspended.checkpoints.at(-1)!;
    expect(last.step).toBe(5);
    const rest = collect(taskFor(run, last.state));
    const full = collect(taskFor(run));
    expect([...suspended.losses, ...rest.losses]).toEqual(full.losses);
  });

  it("stops at the next step when abandoned, reporting nothing more (not even a checkpoint)", () => {
    const run = runs[0]!;
    const task = taskFor(run, null, 0); // a checkpoint after every step, unless it stops first
    const after: TrainingMessage[] = [];
    let abandoned = false;
    const { outcome } = collect(task, (m) => {
      if (abandoned) after.push(m);
      if (m.kind === "progress" && m.step === 4) {
        Atomics.store(new Int32Array(task.control), 0, CONTROL.abandon);
        abandoned = true;
      }
    });
    expect(outcome).toEqual({ status: "abandoned", steps: 4 });
    // the step's own checkpoint was due before the control word was read, and nothing after it
    expect(after.map((m) => m.kind)).toEqual(["checkpoint"]);
  });

  it("takes a periodic checkpoint only through an open gate, which each checkpoint closes; a suspend checkpoints regardless", () => {
    const run = runs[0]!;
    const gate = new CheckpointGate();
    const task = { ...taskFor(run, null, 0), checkpointGate: gate.buffer }; // due after every step, but for the gate
    const { checkpoints } = collect(task, (m) => {
      if (m.kind === "checkpoint") expect(gate.isOpen()).toBe(false);
      // the job manager stored the first checkpoint and reopens the gate at once, then from an hour on
      if (m.kind === "progress" && m.step === 4) gate.openFrom(Date.now());
      if (m.kind === "progress" && m.step === 5) gate.openFrom(Date.now() + 3_600_000);
      if (m.kind === "progress" && m.step === 7) Atomics.store(new Int32Array(task.control), 0, CONTROL.suspend);
    });
    expect(checkpoints.map((c) => c.step)).toEqual([1, 4, 7]);
  });

  it("fails with the step where the loss stopped being finite", () => {
    const run = runs[0]!;
    const task = taskFor(run);
    (task.trainingSpec as { optimizer: { lr: number } }).optimizer.lr = 1e30;
    const { outcome } = collect(task);
    expect(outcome.status).toBe("failed");
    if (outcome.status === "failed") {
      expect(outcome.code).toBe("non_finite_loss");
      expect(outcome.message).toMatch(/loss became (NaN|Infinity) at step \d+/);
    }
  });
});

describe("runTraining a CNN with BatchNorm2d, Dropout2d and Dropout", () => {
  interface ServiceRun {
    model: ModelSpecInput & { seed: number };
    training: Record<string, unknown>;
    train_samples: number;
    losses: number[];
    val_losses: number[];
    final_state_dict: Record<string, RefTensor>;
  }
  const cnn = loadFixture<{ X: RefTensor; y: RefTensor; service: ServiceRun }>("cnn_trajectory.json");
  const run = cnn.service;

  /** The task of the fixture's service run: model seed 3, training seed 5, the last images for validation. */
  function cnnTask(checkpoint: Uint8Array | null = null, checkpointIntervalMs = 60_000): TrainingTask {
    const generator = new Generator().manualSeed(run.model.seed);
    const built = buildModel(parseModelSpec(run.model), { generator });
    const X = fromRef(cnn.X);
    const y = fromRef(cnn.y);
    const n = run.train_samples;
    const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    const total = X.shape[0]!;
    return {
      jobId: "job_cnn",
      modelSpec: built.resolvedSpec,
      trainingSpec: TrainingSpec.parse({ model_id: "m", dataset_id: "d", ...run.training }),
      weights: Object.fromEntries(Object.entries(built.module.stateDict()).map(([k, t]) => [k, t.toShared()])),
      generatorState: generator.getState(),
      features: X.index(rows(0, n)).toShared(),
      labels: y.index(rows(0, n)).toShared(),
      validation: { features: X.index(rows(n, total)).toShared(), labels: y.index(rows(n, total)).toShared() },
      checkpoint,
      control: new SharedArrayBuffer(4),
      checkpointIntervalMs,
    };
  }

  it("trains to PyTorch's losses, validation losses (eval mode), weights and running statistics", () => {
    const epochs: number[] = [];
    const { outcome, losses } = collect(cnnTask(), (m) => {
      if (m.kind === "epoch") epochs.push(m.metrics.val_loss!);
    });
    expect(outcome.status).toBe("succeeded");
    expect(losses).toHaveLength(run.losses.length);
    losses.forEach((l, i) => expect(Math.abs(l - run.losses[i]!), `step ${i}`).toBeLessThan(2e-4));
    epochs.forEach((l, i) => expect(Math.abs(l - run.val_losses[i]!), `epoch ${i}`).toBeLessThan(2e-4));
    if (outcome.status !== "succeeded") return;
    expect(Object.keys(outcome.weights)).toEqual(Object.keys(run.final_state_dict));
    for (const [key, ref] of Object.entries(run.final_state_dict)) {
      const t = Tensor.fromShared(outcome.weights[key]!);
      expect(t.dtype, key).toBe(ref.dtype);
      if (ref.dtype === "int64") expect(t.tolist(), key).toEqual(ref.data[0]);
      else expectClose(t, ref, 1e-4, 1e-6);
    }
  });

  it("resumes from any checkpoint bit for bit: buffers, dropout masks and the loader's order included", () => {
    const full = collect(cnnTask(null, 0));
    expect(full.outcome.status).toBe("succeeded");
    for (const cp of [full.checkpoints[1]!, full.checkpoints[4]!, full.checkpoints[5]!]) {
      const resumed = collect(cnnTask(cp.state, 0));
      expect(resumed.losses).toEqual(full.losses.slice(cp.step));
      if (resumed.outcome.status !== "succeeded" || full.outcome.status !== "succeeded") throw new Error("a run did not succeed");
      for (const key of Object.keys(full.outcome.weights)) {
        expect(Tensor.fromShared(resumed.outcome.weights[key]!).tolist(), key).toEqual(Tensor.fromShared(full.outcome.weights[key]!).tolist());
      }
      expect(resumed.outcome.generatorState).toEqual(full.outcome.generatorState);
    }
  });
});
