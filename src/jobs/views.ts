import type { Json, JobEvent, JobRecord } from "../store/index.js";

/** A job as the API shows it (snake_case JSON); also the payload of its final `done` event. */
export interface JobView {
  id: string;
  model_id: string;
  dataset_id: string;
  validation_dataset_id: string | null;
  status: JobRecord["status"];
  spec: Json;
  progress: Json;
  metrics: Json;
  error: { code: string; message: string } | null;
  cancel_requested: boolean;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

export function jobView(job: JobRecord): JobView {
  return {
    id: job.id,
    model_id: job.modelId,
    dataset_id: job.datasetId,
    validation_dataset_id: job.validationDatasetId,
    status: job.status,
    spec: job.spec,
    progress: job.progress,
    metrics: job.metrics,
    error: job.error,
    cancel_requested: job.cancelRequested,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    updated_at: job.updatedAt,
  };
}

/** Receives a job's live events in order, a batch at a time (the events stored together). */
export type EventListener = (events: readonly JobEvent[]) => void;
