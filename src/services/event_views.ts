/**
 * A job's events as its event stream sends them: each `data:` line is one of these objects, whose
 * `type` repeats the `event:` line's name, so that a client that only sees the data (an EventSource
 * `message` handler, a generated SSE client) can still tell the events apart.
 */
import { z } from "zod";
import type { JobEvent, Json } from "../store/index.js";
import { EpochMetrics, JobStatus, JobView } from "./views.js";

export const ProgressEvent = z
  .object({
    type: z.literal("progress"),
    step: z.number().int().describe("Optimizer steps done, counting from 1."),
    epoch: z.number().int().describe("The epoch the step belongs to (1-based)."),
    batch: z.number().int().describe("The batch's index within its epoch (0-based)."),
    loss: z.number().describe("The batch's loss."),
  })
  .meta({ id: "ProgressEvent", description: "One optimizer step: its loss." });

export const EpochEvent = EpochMetrics.extend({ type: z.literal("epoch") }).meta({
  id: "EpochEvent",
  description: "An epoch ended: its learning rate, losses and accuracies (the item it added to the job's `metrics.epochs`).",
});

export const StatusEvent = z
  .object({ type: z.literal("status"), status: JobStatus })
  .meta({ id: "StatusEvent", description: "The job's status changed." });

export const DoneEvent = JobView.extend({ type: z.literal("done") }).meta({
  id: "DoneEvent",
  description: "The job ended: the job as it ended (as `GET /v1/jobs/{id}` shows it). The stream's last event.",
});

export const JobEventView = z
  .discriminatedUnion("type", [ProgressEvent, EpochEvent, StatusEvent, DoneEvent])
  .meta({ id: "JobEvent", description: "An event of a job's stream: the JSON of its `data:` line, `type` being its `event:` name." });
export type JobEventView = z.infer<typeof JobEventView>;

/** The data an event's `data:` line carries: its stored data, led by its type. */
export const jobEventData = (event: JobEvent): Json => ({ type: event.type, ...(event.data as { [key: string]: Json }) });
