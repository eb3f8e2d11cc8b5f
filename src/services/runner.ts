import { noGrad } from "../autograd/index.js";
import { DataLoader, TensorDataset } from "../data/index.js";
import { utils, type Module } from "../nn/index.js";
import type { Optimizer } from "../optim/index.js";
import {
  buildModel,
  isClassificationLoss,
  lossFunction,
  makeOptimizer,
  makeScheduler,
  prepareTarget,
  type EarlyStopping,
  type JobScheduler,
} from "../schema/index.js";
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

/** A run's state across epochs, which its checkpoints hold besides the model and optimizer. */
interface RunState {
  /** Optimizer steps taken. */
  step: number;
  history: EpochMetrics[];
  /** Early stopping: the best monitored loss so far, and the epochs since it. */
  best: number | null;
  badEpochs: number;
}

/** An epoch's lr when it began, and its sums so far: its batches, their summed loss, and correct predictions out of those seen. */
interface EpochSums {
  lr: number;
  batches: number;
  lossSum: number;
  correct: number;
  seen: number;
}

/** What each epoch of a run uses. */
interface EpochLoop {
  model: Module;
  optimizer: Optimizer<{ lr: number }>;
  scheduler: JobScheduler | null;
  /** Clip the gradients' total 2-norm to this before each optimizer step (none: null). */
  gradClipNorm: number | null;
  loader: DataLoader<[Tensor, Tensor], Tensor[]>;
  lossFn: (input: Tensor, target: Tensor) => Tensor;
  target: (output: Tensor, y: Tensor) => Tensor;
  classIndices: boolean;
  tracksAccuracy: boolean;
  control: Int32Array;
  emit: (message: TrainingMessage) => void;
  state: RunState;
  /** Emits a checkpoint taken inside `epoch` (whose loader started from `epochStart`), after `sums.batches` batches. */
  checkpoint(epoch: number, epochStart: Uint8Array, sums: EpochSums): void;
  /** Whether a periodic checkpoint may be taken now. */
  checkpointDue(): boolean;
}

/**
 * Runs one training job to its end in the calling thread, exactly as the PyTorch script
 * `manual_seed(S); model = NeuralNetwork(...); for epoch: for xb, yb in loader: ...` would, and
 * reports every step through `emit`. Between steps it honours the task's control word (cancel,
 * suspend or abandon) and emits checkpoints from which a later call resumes bit for bit.
 */
export function runTraining(task: TrainingTask, emit: (message: TrainingMessage) => void): TrainingOutcome {
  const { modelSpec, trainingSpec: spec } = task;
  // nothing drawn: the stored weights (or the checkpoint's) are loaded next
  const model: Module = buildModel(modelSpec, { generator: null }).module;
  const resume = task.checkpoint ? decodeCheckpoint(task.checkpoint) : null;
  model.loadStateDict(resume ? resume.weights : sharedStateDict(task.weights));
  const optimizer: Optimizer<{ lr: number }> = makeOptimizer(spec.optimizer, model.parameters());
  const loader = new DataLoader(new TensorDataset(Tensor.fromShared(task.features), Tensor.fromShared(task.labels)), {
    batchSize: spec.batch_size,
    shuffle: spec.shuffle,
    dropLast: spec.drop_last,
  });
  // before the optimizer's state is loaded: the scheduler's constructor writes the optimizer's groups
  const scheduler = spec.scheduler ? makeScheduler(spec.scheduler, { optimizer, totalSteps: spec.epochs * loader.length }) : null;
  if (resume) {
    optimizer.loadStateDict(resume.optimizer);
    if (scheduler) scheduler.scheduler.loadStateDict(resume.scheduler!); // a job's checkpoints have its scheduler's state
    defaultGenerator.setState(resume.generator);
  } else if (spec.seed !== undefined) {
    manualSeed(spec.seed);
  } else {
    defaultGenerator.setState(task.generatorState);
  }

  const classIndices = isClassificationLoss(spec.loss);
  const state: RunState = {
    step: resume?.step ?? 0,
    history: resume ? [...resume.history] : [],
    best: resume?.best ?? null,
    badEpochs: resume?.badEpochs ?? 0,
  };
  let lastCheckpoint = Date.now();
  const gate = task.checkpointGate ? new CheckpointGate(task.checkpointGate) : null;
  const checkpoint = (epoch: number, epochStart: Uint8Array | null, sums: EpochSums): void => {
    const c: TrainingCheckpoint = {
      version: 2,
      epoch,
      batch: sums.batches,
      step: state.step,
      weights: model.stateDict(),
      optimizer: optimizer.stateDict(),
      scheduler: scheduler?.scheduler.stateDict() ?? null,
      generator: defaultGenerator.getState(),
      epochStartGenerator: epochStart,
      epochLr: sums.lr,
      epochLossSum: sums.lossSum,
      epochCorrect: sums.correct,
      epochSeen: sums.seen,
      history: [...state.history],
      best: state.best,
      badEpochs: state.badEpochs,
    };
    lastCheckpoint = Date.now();
    gate?.close();
    emit({ kind: "checkpoint", state: encodeCheckpoint(c), step: c.step, epoch: c.epoch });
  };
  const loop: EpochLoop = {
    model,
    optimizer,
    scheduler,
    gradClipNorm: spec.grad_clip_norm ?? null,
    loader,
    lossFn: lossFunction(spec.loss),
    target: (output, y) => prepareTarget(spec.loss, output, y),
    classIndices,
    tracksAccuracy: classIndices || spec.loss === "binary_cross_entropy_with_logits",
    control: new Int32Array(task.control),
    emit,
    state,
    checkpoint,
    /**
     * Inside an epoch as at its end, only once the interval has passed: a job of many short epochs
     * would otherwise spend most of its time copying and storing its state. And only through an
     * open gate: the job manager holds it closed while it stores the last one, and after it for as
     * long as storing a checkpoint of this size warrants.
     */
    checkpointDue: () => Date.now() - lastCheckpoint >= task.checkpointIntervalMs && (gate?.isOpen() ?? true),
  };

  for (let epoch = resume?.epoch ?? 0; epoch < spec.epochs; epoch++) {
    const trained = trainEpoch(loop, epoch, resume);
    if ("status" in trained) return trained; // stopped inside the epoch
    const metrics = task.validation
      ? { ...trained, ...validate(model, task.validation, spec.batch_size, loop.lossFn, loop.target, classIndices, loop.tracksAccuracy) }
      : trained;
    state.history.push(metrics);
    emit({ kind: "epoch", metrics });
    const monitored = metrics.val_loss ?? metrics.train_loss;
    scheduler?.afterEpoch(monitored);
    if (spec.early_stopping && stopsEarly(state, monitored, spec.early_stopping)) {
      return succeeded(model, state.history, state.step, true);
    }
    if (epoch + 1 < spec.epochs && loop.checkpointDue()) {
      checkpoint(epoch + 1, null, { lr: optimizer.paramGroups[0]!.lr, batches: 0, lossSum: 0, correct: 0, seen: 0 });
    }
  }
  return succeeded(model, state.history, state.step, false);
}

/**
 * Trains epoch `epoch` (from inside it when `resume` was taken there) and returns its training
 * metrics, or how the run ended when it stopped or failed inside the epoch.
 */
function trainEpoch(loop: EpochLoop, epoch: number, resume: TrainingCheckpoint | null): EpochMetrics | TrainingOutcome {
  const { model, optimizer, state } = loop;
  // a checkpoint taken inside this epoch (even before its first batch: a suspend at batch 0 comes
  // after the loader's iterator drew its base seed) carries the epoch's start state; one taken at
  // the end of the previous epoch does not, and the epoch starts afresh
  const resumingHere = resume !== null && resume.epoch === epoch && resume.epochStartGenerator !== null;
  model.train();
  const it = resumingHere
    ? loop.loader.iterEpoch({ skipBatches: resume.batch, epochStartState: resume.epochStartGenerator! })
    : loop.loader.iterEpoch();
  const sums: EpochSums = resumingHere
    ? { lr: resume.epochLr, batches: resume.batch, lossSum: resume.epochLossSum, correct: resume.epochCorrect, seen: resume.epochSeen }
    : { lr: optimizer.paramGroups[0]!.lr, batches: 0, lossSum: 0, correct: 0, seen: 0 };
  for (;;) {
    // stop only between steps, before the loader draws for the next batch
    const signal = Atomics.load(loop.control, 0);
    if (signal === CONTROL.cancel) return { status: "cancelled", steps: state.step, epochs: state.history };
    if (signal === CONTROL.abandon) return { status: "abandoned", steps: state.step };
    if (signal === CONTROL.suspend) {
      loop.checkpoint(epoch, it.epochStartState, sums);
      return { status: "suspended", steps: state.step };
    }
    const stepStart = performance.now();
    const next = it.next();
    if (next.done) break;
    const [xb, yb] = next.value;
    const output = model.forward(xb);
    const y = loop.target(output, yb);
    const loss = loop.lossFn(output, y);
    const value = loss.item();
    if (!Number.isFinite(value)) {
      const message = `loss became ${value} at step ${state.step + 1} (epoch ${epoch + 1}, batch ${sums.batches})`;
      return { status: "failed", code: "non_finite_loss", message, step: state.step + 1, epochs: state.history };
    }
    optimizer.zeroGrad();
    loss.backward();
    if (loop.gradClipNorm !== null) utils.clipGradNorm_(model.parameters(), loop.gradClipNorm);
    optimizer.step();
    loop.scheduler?.afterStep();
    state.step++;
    sums.lossSum += value;
    if (loop.tracksAccuracy) {
      sums.correct += countCorrect(output, y, loop.classIndices);
      sums.seen += loop.classIndices ? y.shape[0]! : y.numel();
    }
    const seconds = (performance.now() - stepStart) / 1000;
    loop.emit({ kind: "progress", step: state.step, epoch: epoch + 1, batch: sums.batches, loss: value, samples: xb.shape[0]!, seconds });
    sums.batches++;
    if (loop.checkpointDue()) loop.checkpoint(epoch, it.epochStartState, sums);
  }
  const metrics: EpochMetrics = { epoch: epoch + 1, lr: sums.lr, train_loss: sums.batches > 0 ? sums.lossSum / sums.batches : NaN };
  if (loop.tracksAccuracy && sums.seen > 0) metrics.train_accuracy = sums.correct / sums.seen;
  return metrics;
}

/** Early stopping after an epoch whose monitored loss is `monitored`: whether the run stops here. */
function stopsEarly(state: RunState, monitored: number, rule: EarlyStopping): boolean {
  if (state.best === null || monitored < state.best - rule.min_delta) {
    state.best = monitored;
    state.badEpochs = 0;
    return false;
  }
  state.badEpochs++;
  return state.badEpochs >= rule.patience;
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
