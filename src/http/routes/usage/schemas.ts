import { z } from "zod";

const Quota = (what: string) =>
  z
    .object({
      used: z.number().int().describe(`${what} now.`),
      limit: z.number().int().describe("The most allowed: past it, 403 quota_exceeded."),
    })
    .describe(what);

export const UsageView = z
  .object({
    tenant_id: z.string(),
    quotas: z.object({
      models: Quota("Models stored"),
      datasets: Quota("Datasets stored"),
      bytes: Quota("Bytes stored: models' weights and datasets' features and labels"),
      queued_jobs: Quota("Jobs queued or running"),
      running_jobs: Quota("Jobs training (past the limit, further jobs wait in the queue rather than being refused)"),
      event_streams: Quota("Event streams open in the process that answers (each process counts its own)"),
    }),
  })
  .meta({ id: "Usage" });
export type UsageView = z.infer<typeof UsageView>;
