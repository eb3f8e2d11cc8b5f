import type { ModelSpec, TrainingSpec } from "../schema/index.js";
import type { SharedTensor } from "../tensor/index.js";
import type { StoredDataset } from "./dataset_tensors.js";

/** Why a training run stopped early (written by the job manager into the task's control word). */
export const CONTROL = {
  /** Keep going. */
  run: 0,
  /** The user cancelled: stop at the next step, keep the model's weights as they were. */
  cancel: 1,
  /** The service is shutting down: checkpoint at the next step and stop; the job resumes later. */
  suspend: 2,
  /** Another run took the job over (this one lost its lease): stop at the next step, reporting nothing more. */
  abandon: 3,
} as const;

/**
 * What a worker thread needs to run one job, as plain data: tensors cross as SharedArrayBuffers
 * (no copy), specs as their parsed values (the job manager reads them from the store, where they
 * were stored once validated). Produced by the job manager, consumed by `runTraining`.
 */
export interface TrainingTask {
  jobId: string;
  /** The model's spec as stored (input_shape, layers with in_features resolved). */
  modelSpec: ModelSpec;
  /** The job's training spec as stored (defaults applied). */
  trainingSpec: TrainingSpec;
  /** The model's current weights, by state-dict key. */
  weights: Record<string, SharedTensor>;
  /** The model's generator state: the global generator starts from it unless the job has a seed. */
  generatorState: Uint8Array;
  features: SharedTensor;
  labels: SharedTensor;
  validation: { features: SharedTensor; labels: SharedTensor } | null;
  /** A checkpoint to resume from (`encodeCheckpoint` bytes), or null for a fresh run. */
  checkpoint: Uint8Array | null;
  /** One Int32 (a `CONTROL` value) the manager sets to stop the run between steps. */
  control: SharedArrayBuffer;
  /** Minimum milliseconds between periodic checkpoints. */
  checkpointIntervalMs: number;
  /**
   * A CheckpointGate's buffer: when given, a periodic checkpoint also waits for the gate, which the
   * job manager opens once it has stored the previous one. Without it, only the interval applies.
   */
  checkpointGate?: SharedArrayBuffer;
}

/**
 * A training task as the job manager posts it to a worker thread: the job's records as the store
 * gave them. Their bytes move to the worker (transferred, not copied), and the worker decodes them
 * (`runStoredTraining`): besides the store's own reads and writes, the API thread does nothing
 * proportional to the model or the dataset.
 */
export interface StoredTrainingTask extends Omit<TrainingTask, "weights" | "features" | "labels" | "validation"> {
  /** The model's weights as stored: a safetensors file. */
  weights: Uint8Array;
  dataset: StoredDataset;
  /** A separate validation dataset; without one, the training spec's validation_split holds rows back. */
  validationDataset: StoredDataset | null;
}

/** Per-epoch metrics, as the API reports them (a plain object type, so that they are also `Json`). */
export type EpochMetrics = {
  epoch: number;
  /** The first parameter group's lr when the epoch began (the service's optimizers have one group). */
  lr: number;
  train_loss: number;
  train_accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
};

/**
 * A message from the training loop (`runTraining`'s `emit`), in order: one `progress` per step,
 * with the step's batch size (`samples`) and wall time (`seconds`: drawing the batch, forward,
 * backward and the optimizer step).
 */
export type TrainingMessage =
  | { kind: "progress"; step: number; epoch: number; batch: number; loss: number; samples: number; seconds: number }
  | { kind: "epoch"; metrics: EpochMetrics }
  | { kind: "checkpoint"; state: Uint8Array; step: number; epoch: number };

/**
 * Consecutive steps of one epoch: step `step + i` trained batch `batch + i` (of `samples[i]`
 * samples, in `seconds[i]`) to loss `losses[i]`.
 */
export interface ProgressRun {
  kind: "progress_run";
  epoch: number;
  step: number;
  batch: number;
  losses: Float64Array;
  samples: Uint32Array;
  seconds: Float64Array;
}

/** A training message as the worker posts it: steps packed into runs, the others as they are. */
export type TrainingUpdate = ProgressRun | Exclude<TrainingMessage, { kind: "progress" }>;

/**
 * What a training worker posts to the manager: batches of updates in order, then `end` after the
 * last one (the task's result may arrive before the last batch).
 */
export type WorkerMessage = { kind: "updates"; updates: TrainingUpdate[] } | { kind: "end" };

/** The error codes of a failed job: its loss became NaN or infinite, or its run could not go on. */
export const TRAINING_FAILURE_CODES = ["non_finite_loss", "training_error"] as const;
export type TrainingFailureCode = (typeof TRAINING_FAILURE_CODES)[number];

/** How a run ended; weights and generator state come back only on success. */
export type TrainingOutcome =
  | {
      status: "succeeded";
      weights: Record<string, SharedTensor>;
      generatorState: Uint8Array;
      epochs: EpochMetrics[];
      steps: number;
      stoppedEarly: boolean;
    }
  | { status: "cancelled"; steps: number; epochs: EpochMetrics[] }
  | { status: "suspended"; steps: number }
  | { status: "abandoned"; steps: number }
  | { status: "failed"; code: TrainingFailureCode; message: string; step: number; epochs: EpochMetrics[] };

type Succeeded = Extract<TrainingOutcome, { status: "succeeded" }>;

/** How a stored task's run ended: on success, the trained weights as a safetensors file to store. */
export type StoredTrainingOutcome = Exclude<TrainingOutcome, Succeeded> | (Omit<Succeeded, "weights"> & { weights: Uint8Array });
