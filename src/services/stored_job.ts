/**
 * A stored job's JSON fields as the services layer's types. The store keeps them as opaque JSON; they
 * are converted here, trusted rather than parsed again: the store holds what this layer wrote (the
 * spec as `JobManager.submit` got it from TrainingSpec's parse, defaults applied; progress and
 * metrics as the manager builds them from these types), and parsing every job a listing returns
 * would cost the API thread for nothing. The types are plain object types (not interfaces), so
 * that they are also `Json` and are stored without a conversion.
 */
import type { TrainingSpec } from "../schema/index.js";
import type { JobRecord } from "../store/index.js";
import type { EpochMetrics } from "./task.js";

export type JobProgress = { epoch: number; epochs: number; step: number; total_steps: number };

export type JobMetrics = {
  /** The last step's loss. */
  loss: number | null;
  epochs: EpochMetrics[];
  /** Set when the job succeeded: whether early stopping ended it. */
  stopped_early?: boolean;
};

export function jobSpec(job: Pick<JobRecord, "spec">): TrainingSpec {
  return job.spec as TrainingSpec;
}

export function jobProgress(job: Pick<JobRecord, "progress">): JobProgress {
  return job.progress as JobProgress;
}

export function jobMetrics(job: Pick<JobRecord, "metrics">): JobMetrics {
  return job.metrics as JobMetrics;
}

/**
 * What a model's version keeps of the job that made it: its final metrics without the per-epoch
 * history (a job of 10,000 epochs would make every page of versions megabytes), but the last epoch's.
 */
export type VersionMetrics = {
  loss: number | null;
  /** Epochs trained. */
  epochs: number;
  last_epoch: EpochMetrics | null;
  stopped_early: boolean;
};

export function versionMetrics(metrics: JobMetrics): VersionMetrics {
  return { loss: metrics.loss, epochs: metrics.epochs.length, last_epoch: metrics.epochs.at(-1) ?? null, stopped_early: metrics.stopped_early ?? false };
}
