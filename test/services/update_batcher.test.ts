import { describe, expect, it } from "vitest";
import { runTraining } from "../../src/services/runner.js";
import type { TrainingMessage, TrainingUpdate, WorkerMessage } from "../../src/services/task.js";
import { buildModel, parseModelSpec, TrainingSpec, type ModelSpecInput } from "../../src/schema/index.js";
import { Generator, tensor } from "../../src/tensor/index.js";
import { UpdateBatcher } from "../../workers/update_batcher.js";

/** The messages of a real run: 3 epochs of 5 batches, a checkpoint after every step and epoch. */
function trainingMessages(): TrainingMessage[] {
  const spec = { input_shape: [2], seed: 3, layers: [{ type: "Linear", out_features: 4 }, { type: "ReLU" }, { type: "Linear", out_features: 2 }] };
  const generator = new Generator().manualSeed(3);
  const built = buildModel(parseModelSpec(spec as ModelSpecInput), { generator });
  const features = Array.from({ length: 10 }, (_, i) => [Math.sin(i), Math.cos(2 * i)]);
  const messages: TrainingMessage[] = [];
  runTraining(
    {
      jobId: "job",
      modelSpec: built.resolvedSpec,
      trainingSpec: TrainingSpec.parse({ model_id: "m", dataset_id: "d", loss: "cross_entropy", optimizer: { type: "SGD", lr: 0.1 }, epochs: 3, batch_size: 2, shuffle: true }),
      weights: Object.fromEntries(Object.entries(built.module.stateDict()).map(([k, t]) => [k, t.toShared()])),
      generatorState: generator.getState(),
      features: tensor(features, { dtype: "float32" }).toShared(),
      labels: tensor(features.map(([a]) => (a! > 0 ? 1 : 0))).toShared(),
      validation: null,
      checkpoint: null,
      control: new SharedArrayBuffer(4),
      checkpointIntervalMs: 0,
    },
    (m) => messages.push(m),
  );
  return messages;
}

/** The per-step messages a batch of updates stands for. */
function unpack(updates: TrainingUpdate[]): TrainingMessage[] {
  return updates.flatMap((u): TrainingMessage[] =>
    u.kind === "progress_run"
      ? Array.from(u.losses, (loss, i) => ({ kind: "progress", step: u.step + i, epoch: u.epoch, batch: u.batch + i, loss, samples: u.samples[i]!, seconds: u.seconds[i]! }))
      : [u],
  );
}

function batch(messages: TrainingMessage[], intervalMs: number): TrainingUpdate[][] {
  const posted: TrainingUpdate[][] = [];
  const batcher = new UpdateBatcher((m: WorkerMessage) => m.kind === "updates" && posted.push(m.updates), intervalMs);
  for (const m of messages) batcher.add(m);
  batcher.flush();
  return posted;
}

describe("UpdateBatcher", () => {
  const messages = trainingMessages();
  const progressOnly = messages.filter((m) => m.kind === "progress");

  it("posts the first step at once and the rest, in order and complete, when flushed", () => {
    expect(progressOnly).toHaveLength(15);
    const posted = batch(progressOnly, Number.POSITIVE_INFINITY);
    expect(posted).toHaveLength(2);
    expect(unpack(posted[0]!)).toEqual(progressOnly.slice(0, 1));
    // the steps of each epoch packed into one run
    expect(posted[1]!.map((u) => u.kind === "progress_run" && [u.epoch, u.step, u.batch, u.losses.length])).toEqual([
      [1, 2, 1, 4],
      [2, 6, 0, 5],
      [3, 11, 0, 5],
    ]);
    expect(unpack(posted.flat())).toEqual(progressOnly);
  });

  it("keeps epochs and checkpoints in their place among the steps", () => {
    expect(messages.some((m) => m.kind === "checkpoint")).toBe(true);
    expect(unpack(batch(messages, Number.POSITIVE_INFINITY).flat())).toEqual(messages);
    // posting at every message changes nothing either
    const eager = batch(messages, 0);
    expect(eager.length).toBe(messages.length);
    expect(unpack(eager.flat())).toEqual(messages);
  });

  it("starts a new run where steps do not follow on", () => {
    const steps: TrainingMessage[] = [
      { kind: "progress", step: 1, epoch: 1, batch: 0, loss: 0.5, samples: 2, seconds: 0.001 },
      { kind: "progress", step: 2, epoch: 1, batch: 1, loss: 0.25, samples: 2, seconds: 0.001 },
      { kind: "progress", step: 4, epoch: 1, batch: 3, loss: 0.125, samples: 2, seconds: 0.001 },
      { kind: "progress", step: 5, epoch: 2, batch: 0, loss: 0.0625, samples: 2, seconds: 0.001 },
      { kind: "progress", step: 6, epoch: 2, batch: 0, loss: 0.03125, samples: 2, seconds: 0.001 },
    ];
    const posted = batch(steps, Number.POSITIVE_INFINITY).flat();
    expect(posted.map((u) => u.kind === "progress_run" && u.losses.length)).toEqual([1, 1, 1, 1, 1]);
    expect(unpack(posted)).toEqual(steps);
  });

  it("posts nothing for a run without messages", () => {
    expect(batch([], 0)).toEqual([]);
  });
});
