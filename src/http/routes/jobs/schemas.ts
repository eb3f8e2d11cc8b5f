import { z } from "zod";
import { TrainingSpec } from "../../../schema/index.js";
import { JobStatus } from "../../../services/index.js";
import type { BodyExample } from "../../route.js";
import { PageQuery } from "../common.js";

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

export const jobExamples: Record<string, BodyExample<typeof TrainingSpec>> = {
  toy: {
    summary: "The seed's toy training: SGD(lr=0.5), three epochs of a shuffled DataLoader(batch_size=2, drop_last=True)",
    value: {
      model_id: "mdl_0123456789abcdef",
      dataset_id: "dst_0123456789abcdef",
      loss: "cross_entropy",
      optimizer: { type: "SGD", lr: 0.5 },
      epochs: 3,
      batch_size: 2,
      shuffle: true,
      drop_last: true,
    },
  },
  adam: {
    summary: "Adam with a fifth of the rows held back for validation, the lr stepped down each epoch, and early stopping",
    value: {
      model_id: "mdl_0123456789abcdef",
      dataset_id: "dst_0123456789abcdef",
      loss: "cross_entropy",
      optimizer: { type: "Adam", lr: 0.001, weight_decay: 0.0001 },
      scheduler: { type: "StepLR", step_size: 1, gamma: 0.7 },
      epochs: 20,
      batch_size: 64,
      validation_split: 0.2,
      early_stopping: { patience: 3 },
      seed: 42,
    },
  },
};
