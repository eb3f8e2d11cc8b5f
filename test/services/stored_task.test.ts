import { describe, expect, it } from "vitest";
import { checkpointHistory, decodeCheckpoint } from "../../src/services/checkpoint.js";
import { runTraining } from "../../src/services/runner.js";
import { runStoredTraining } from "../../src/services/stored_task.js";
import type { StoredTrainingTask, TrainingMessage, TrainingTask } from "../../src/services/task.js";
import { messageTransferList, outcomeTransferList, taskTransferList } from "../../src/services/transfer.js";
import { buildModel, parseModelSpec, TrainingSpec, type ModelSpecInput } from "../../src/schema/index.js";
import { Generator, safetensors, Tensor, tensor } from "../../src/tensor/index.js";

const spec = { input_shape: [3], seed: 5, layers: [{ type: "Linear", out_features: 6 }, { type: "ReLU" }, { type: "Linear", out_features: 3 }] };
const features = Array.from({ length: 20 }, (_, i) => [Math.sin(i), Math.cos(3 * i), Math.sin(0.5 * i + 1)]);
const labels = features.map(([a, b]) => (a! > 0 ? 1 : 0) + (b! > 0.5 ? 1 : 0));
const trainingSpec = TrainingSpec.parse({ model_id: "m", dataset_id: "d", loss: "cross_entropy", optimizer: { type: "Adam", lr: 0.05 }, epochs: 3, batch_size: 4, shuffle: true, validation_split: 0.25 });
const bytesOf = (t: Tensor): Uint8Array => new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));

/** The same job twice: as the job manager sends it (stored bytes), and decoded by hand into tensors. */
function tasks(checkpoint: Uint8Array | null = null): { stored: StoredTrainingTask; decoded: TrainingTask } {
  const generator = new Generator().manualSeed(5);
  const built = buildModel(parseModelSpec(spec as ModelSpecInput), { generator });
  const X = tensor(features, { dtype: "float32" });
  const y = tensor(labels);
  const common = {
    jobId: "job",
    modelSpec: built.resolvedSpec,
    trainingSpec,
    generatorState: generator.getState(),
    checkpoint,
    control: new SharedArrayBuffer(4),
    checkpointIntervalMs: 0,
  };
  const stored: StoredTrainingTask = {
    ...common,
    weights: safetensors.serialize(built.module.stateDict()),
    dataset: { numSamples: 20, featureShape: [3], featureDtype: "float32", labelShape: [], labelDtype: "int64", features: bytesOf(X), labels: bytesOf(y) },
    validationDataset: null,
  };
  // validation_split 0.25 holds back the last 5 rows
  const rows = (t: Tensor, from: number, to: number) => t.index(Array.from({ length: to - from }, (_, i) => from + i)).toShared();
  const decoded: TrainingTask = {
    ...common,
    weights: Object.fromEntries(Object.entries(built.module.stateDict()).map(([k, t]) => [k, t.toShared()])),
    features: rows(X, 0, 15),
    labels: rows(y, 0, 15),
    validation: { features: rows(X, 15, 20), labels: rows(y, 15, 20) },
  };
  return { stored, decoded };
}

/** What a run reports, but each step's wall-clock time (which differs between any two runs). */
function recorder(): { messages: TrainingMessage[]; post: (m: TrainingMessage) => void } {
  const messages: TrainingMessage[] = [];
  return { messages, post: (m) => messages.push(m.kind === "progress" ? { ...m, seconds: 0 } : m) };
}

describe("runStoredTraining (what a training worker runs)", () => {
  it("decodes the stored records, trains as runTraining does, and returns the trained weights as a safetensors file", () => {
    const { stored, decoded } = tasks();
    const [fromBytes, fromTensors] = [recorder(), recorder()];
    const outcome = runStoredTraining(stored, fromBytes.post);
    const reference = runTraining(decoded, fromTensors.post);
    expect(fromBytes.messages).toEqual(fromTensors.messages);
    expect(fromBytes.messages.some((m) => m.kind === "epoch" && m.metrics.val_loss !== undefined)).toBe(true);
    expect(outcome.status).toBe("succeeded");
    if (outcome.status !== "succeeded" || reference.status !== "succeeded") return;
    const expected = safetensors.serialize(Object.fromEntries(Object.entries(reference.weights).map(([k, s]) => [k, Tensor.fromShared(s)])));
    expect(outcome.weights).toEqual(expected);
    expect(outcome.generatorState).toEqual(reference.generatorState);
  });

  it("resumes from a stored checkpoint as runTraining does", () => {
    const checkpoints: Uint8Array[] = [];
    runStoredTraining(tasks().stored, (m) => m.kind === "checkpoint" && checkpoints.push(m.state));
    const checkpoint = checkpoints[5]!;
    const { stored, decoded } = tasks(checkpoint);
    const [fromBytes, fromTensors] = [recorder(), recorder()];
    runStoredTraining(stored, fromBytes.post);
    runTraining(decoded, fromTensors.post);
    expect(fromBytes.messages).toEqual(fromTensors.messages);
  });
});

describe("checkpointHistory", () => {
  it("reads a checkpoint's finished epochs from its header, as decodeCheckpoint does", () => {
    const checkpoints: Uint8Array[] = [];
    runStoredTraining(tasks().stored, (m) => m.kind === "checkpoint" && checkpoints.push(m.state));
    const histories = checkpoints.map(checkpointHistory);
    expect(histories).toEqual(checkpoints.map((c) => decodeCheckpoint(c).history));
    expect(histories.at(-1)).toHaveLength(2);
  });
});

describe("transfer lists", () => {
  it("list each buffer a view covers whole once, and no shared or partly viewed buffer", () => {
    const whole = new Uint8Array(16);
    const part = new Uint8Array(new ArrayBuffer(32), 8, 8);
    const shared = new Uint8Array(new SharedArrayBuffer(8));
    const dataset = { numSamples: 1, featureShape: [2], featureDtype: "float32" as const, labelShape: [], labelDtype: "float32" as const, features: part, labels: shared };
    const { stored } = tasks();
    const task: StoredTrainingTask = { ...stored, weights: whole, checkpoint: whole, dataset, validationDataset: { ...dataset, labels: new Uint8Array(4) } };
    const list = taskTransferList(task);
    expect(list).toHaveLength(2);
    expect(list[0]).toBe(whole.buffer);
    const state = new Uint8Array(64);
    expect(messageTransferList({ kind: "updates", updates: [{ kind: "checkpoint", state, step: 1, epoch: 0 }, { kind: "epoch", metrics: { epoch: 1, lr: 0.1, train_loss: 1 } }] })).toEqual([state.buffer]);
    expect(messageTransferList({ kind: "end" })).toEqual([]);
    expect(outcomeTransferList({ status: "succeeded", weights: state, generatorState: new Uint8Array(8), epochs: [], steps: 1, stoppedEarly: false })).toEqual([state.buffer]);
    expect(outcomeTransferList({ status: "cancelled", steps: 1, epochs: [] })).toEqual([]);
  });
});
