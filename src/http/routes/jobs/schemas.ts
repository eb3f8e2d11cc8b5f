import { z } from "zod";
import { JOB_STATUSES } from "../../../store/index.js";
import { PageQuery } from "../common.js";

const JobStatus = z.enum(JOB_STATUSES);

const EpochMetrics = z.object({
  epoch: z.number().int(),
  train_loss: z.number(),
  train_accuracy: z.number().optional(),
  val_loss: z.number().optional(),
  val_accuracy: z.number().optional(),
});

export const JobView = z.object({
  id: z.string(),
  model_id: z.string(),
  dataset_id: z.string(),
  validation_dataset_id: z.string().nullable(),
  status: JobStatus,
  spec: z.record(z.string(), z.unknown()).describe("The training spec as accepted, defaults applied."),
  progress: z.object({
    epoch: z.number().int().describe("The epoch in progress (1-based; 0 before the first step)."),
    epochs: z.number().int(),
    step: z.number().int().describe("Optimizer steps done."),
    total_steps: z.number().int(),
  }),
  metrics: z.looseObject({
    loss: z.number().nullable().describe("The last step's loss."),
    epochs: z.array(EpochMetrics).describe("Per finished epoch: train loss, and accuracy and validation figures where they apply."),
  }),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  cancel_requested: z.boolean(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  updated_at: z.string(),
});

export const JobHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("Makes retries safe: a second POST with the same key returns the job the first one created."),
});

export const JobListQuery = PageQuery.extend({
  status: JobStatus.optional().describe("Only jobs in this status."),
});

export const EventsQuery = z.object({
  last_event_id: z.coerce.number().int().min(0).optional().describe("Resume after this event (like the Last-Event-ID header)."),
});
