import { z } from "zod";
import { JobStatus } from "../../../services/index.js";
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
