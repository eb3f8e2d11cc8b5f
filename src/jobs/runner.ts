import { noGrad } from "../autograd/index.js";
import { DataLoader, TensorDataset } from "../data/index.js";
import type { Module } from "../nn/index.js";
import type { Optimizer } from "../optim/index.js";
import { buildModel, isClassificationLoss, lossFunction, makeOptimizer, prepareTarget } from "../spec/index.js";
import { defaultGenerator, manualSeed, Tensor, type FloatStorage, type SharedTensor } from "../tensor/index.js";
import { decodeCheckpoint, encodeCheckpoint, type TrainingCheckpoint } from "./checkpoint.js";
import { CheckpointGate } from "./checkpoint_gate.js";
import { CONTROL, type EpochMetrics, type TrainingMessage, type TrainingOutcome, type TrainingTask } from "./task.js";

function sharedStateDict(shared: Record<string, SharedTensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(shared).map(([k, v]) => [k, Tensor.fromShared(v)]));
}

/** Correct predictions in a batch: argmax for class indices, logit > 0 for binary targets. */
function countCorrect(output: Tensor, target: Tensor, classIndices: boolean): number {
  const out = output.data as FloatStorage;
  if (classIndices) {
    const classes = output.shape[output.ndim - 1]!;
    const labels = target.data as BigInt64Array;
    let correct = 0;
    for (let r = 0; r < labels.length; r++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (out[r * classes + c]! > out[r * classes + best]!) best = c;
      if (BigInt(best) === labels[r]) correct++;
    }
    return correct;
  }
  const t = target.data as FloatStorage;
  let correct = 0;
  for (let i = 0; i < out.length; i++) if (out[i]! > 0 === t[i]! > 0.5) correct++;
  return correct;
}

/**
 * Runs one training job to its end in the calling thread, exactly as the PyTorch script
 * `manual_seed(S); model = NeuralNetwork(...); for epoch: for xb, yb in loader: ...` would, and
 * reports every step through `emit`. Between steps it honours the task's control word (cancel,
 * suspend or abandon) and emits checkpoints from which a later call resumes bit for bit.
 */
export function runTraining(task: TrainingTask, emit: (message: TrainingMessage) => void): TrainingOutcome {
  const { modelSpec, trainingSpec: spec } = task;
  const control = new Int32Array(task.control);
  // nothing drawn: the stored weights (or the checkpoint's) are loaded next
  const model: Module = buildModel(modelSpec, { generator: null }).module;
  const resume = task.checkpoint ? decodeCheckpoint(task.checkpoint) : null;
  model.loadStateDict(resume ? resume.weights : sharedStateDict(task.weights));
  const optimizer: Optimizer = makeOptimizer(spec.optimizer, model.parameters());
  if (resume) {
    optimizer.loadStateDict(resume.optimizer);
    defaultGenerator.setState(resume.generator);
  } else if (spec.seed !== undefined) {
    manualSeed(spec.seed);
  } else {
    defaultGenerator.setState(task.generatorState);
  }

  const features = Tensor.fromShared(task.features);
  const labels = Tensor.fromShared(task.labels);
  const lossFn = lossFunction(spec.loss);
  const classIndices = isClassificationLoss(spec.loss);
  const binary = spec.loss === "binary_cross_entropy_with_logits";
  const tracksAccuracy = classIndices || binary;
  const loader = new DataLoader(new TensorDataset(features, labels), {
    batchSize: spec.batch_size,
    shuffle: spec.shuffle,
    dropLast: spec.drop_last,
  });
  const target = (output: Tensor, y: Tensor): Tensor => prepareTarget(spec.loss, output, y);

  const history: EpochMetrics[] = resume ? [...resume.history] : [];
  let step = resume?.step ?? 0;
  let best = resume?.best ?? null;
  let badEpochs = resume?.badEpochs ?? 0;
  let lastCheckpoint = Date.now();

  const snapshot = (epoch: number, batch: number, epochStart: Uint8Array | null, sums: [number, number, number]): TrainingCheckpoint => ({
    version: 2,
    epoch,
    batch,
    step,
    weights: model.stateDict(),
    optimizer: optimizer.stateDict(),
    generator: defaultGenerator.getState(),
    epochStartGenerator: epochStart,
    epochLossSum: sums[0],
    epochCorrect: sums[1],
    epochSeen: sums[2],
    history: [...history],
    best,
    badEpochs,
  });
  const gate = task.checkpointGate ? new CheckpointGate(task.checkpointGate) : null;
  const checkpoint = (c: TrainingCheckpoint): void => {
    lastCheckpoint = Date.now();
    gate?.close();
    emit({ kind: "checkpoint", state: encodeCheckpoint(c), step: c.step, epoch: c.epoch });
  };
  /**
   * Inside an epoch as at its end, only once the interval has passed: a job of many short epochs
   * would otherwise spend most of its time copying and storing its state. And only through an
   * open gate: the job manager holds it closed while it stores the last one, and after it for as
   * long as storing a checkpoint of this size warrants.
   */
  const checkpointDue = (): boolean => Date.now() - lastCheckpoint >= task.checkpointIntervalMs && (gate?.isOpen() ?? true);

  for (let epoch = resume?.epoch ?? 0; epoch < spec.epochs; epoch++) {
    // a checkpoint taken inside this epoch (even before its first batch: a suspend at batch 0 comes
    // after the loader's iterator drew its base seed) carries the epoch's start state; one taken at
    // the end of the previous epoch does not, and the epoch starts afresh
    const resumingHere = resume !== null && resume.epoch === epoch && resume.epochStartGenerator !== null;
    model.train();
    const it = resumingHere
      ? loader.iterEpoch({ skipBatches: resume.batch, epochStartState: resume.epochStartGenerator! })
      : loader.iterEpoch();
    let batch = resumingHere ? resume.batch : 0;
    let lossSum = resumingHere ? resume.epochLossSum : 0;
    let correct = resumingHere ? resume.epochCorrect : 0;
    let seen = resumingHere ? resume.epochSeen : 0;
    for (;;) {
      // stop only between steps, before the loader draws for the next batch
      const signal = Atomics.load(control, 0);
      if (signal === CONTROL.cancel) return { status: "cancelled", steps: step, epochs: history };
      if (signal === CONTROL.abandon) return { status: "abandoned", steps: step };
      if (signal === CONTROL.suspend) {
        checkpoint(snapshot(epoch, batch, it.epochStartState, [lossSum, correct, seen]));
        return { status: "suspended", steps: step };
      }
      const next = it.next();
      if (next.done) break;
      const [xb, yb] = next.value;
      const output = model.forward(xb);
      const y = target(output, yb);
      const loss = lossFn(output, y);
      const value = loss.item();
      if (!Number.isFinite(value)) {
        const message = `loss became ${value} at step ${step + 1} (epoch ${epoch + 1}, batch ${batch})`;
        return { status: "failed", code: "non_finite_loss", message, step: step + 1, epochs: history };
      }
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      step++;
      lossSum += value;
      if (tracksAccuracy) {
        correct += countCorrect(output, y, classIndices);
        seen += classIndices ? y.shape[0]! : y.numel();
      }
      emit({ kind: "progress", step, epoch: epoch + 1, batch, loss: value });
      batch++;
      if (checkpointDue()) {
        checkpoint(snapshot(epoch, batch, it.epochStartState, [lossSum, correct, seen]));
      }
    }

    const metrics: EpochMetrics = { epoch: epoch + 1, train_loss: batch > 0 ? lossSum / batch : NaN };
    if (tracksAccuracy && seen > 0) metrics.train_accuracy = correct / seen;
    if (task.validation) Object.assign(metrics, validate(model, task.validation, spec.batch_size, lossFn, target, classIndices, tracksAccuracy));
    history.push(metrics);
    emit({ kind: "epoch", metrics });

    let stop = false;
    if (spec.early_stopping) {
      const monitored = metrics.val_loss ?? metrics.train_loss;
      if (best === null || monitored < best - (spec.early_stopping.min_delta ?? 0)) {
        best = monitored;
        badEpochs = 0;
      } else {
        badEpochs++;
        stop = badEpochs >= spec.early_stopping.patience;
      }
    }
    if (stop) return succeeded(model, history, step, true);
    if (epoch + 1 < spec.epochs && checkpointDue()) checkpoint(snapshot(epoch + 1, 0, null, [0, 0, 0]));
  }
  return succeeded(model, history, step, false);
}

function succeeded(model: Module, epochs: EpochMetrics[], steps: number, stoppedEarly: boolean): TrainingOutcome {
  const weights = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.toShared()]));
  return { status: "succeeded", weights, generatorState: defaultGenerator.getState(), epochs, steps, stoppedEarly };
}

/** Loss and accuracy over a whole validation set in eval mode, without drawing random numbers. */
function validate(
  model: Module,
  shared: { features: SharedTensor; labels: SharedTensor },
  batchSize: number,
  lossFn: (input: Tensor, target: Tensor) => Tensor,
  target: (output: Tensor, y: Tensor) => Tensor,
  classIndices: boolean,
  tracksAccuracy: boolean,
): Pick<EpochMetrics, "val_loss" | "val_accuracy"> {
  const features = Tensor.fromShared(shared.features);
  const labels = Tensor.fromShared(shared.labels);
  const n = features.shape[0]!;
  if (n === 0) return {};
  model.eval();
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  noGrad(() => {
    for (let start = 0; start < n; start += batchSize) {
      const rows = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
      const output = model.forward(features.index(rows));
      const y = target(output, labels.index(rows));
      lossSum += lossFn(output, y).item() * rows.length;
      if (tracksAccuracy) {
        correct += countCorrect(output, y, classIndices);
        seen += classIndices ? y.shape[0]! : y.numel();
      }
    }
  });
  model.train();
  const out: Pick<EpochMetrics, "val_loss" | "val_accuracy"> = { val_loss: lossSum / n };
  if (tracksAccuracy && seen > 0) out.val_accuracy = correct / seen;
  return out;
}
