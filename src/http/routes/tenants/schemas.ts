import { z } from "zod";
import { QUOTA_NAMES, type QuotaLimits, type QuotaOverrides } from "../../../services/index.js";
import { TENANT_NAME } from "../../../services/tenants.js";
import type { TenantRecord } from "../../../store/index.js";
import type { BodyExample } from "../../route.js";

export const CreateTenantRequest = z
  .strictObject({
    name: z
      .string()
      .regex(TENANT_NAME.pattern, TENANT_NAME.message)
      .describe("Unique: 1 to 64 characters of a-z, 0-9 and -."),
  })
  .meta({ id: "CreateTenantRequest" });

export const TenantView = z
  .object({
    id: z.string(),
    name: z.string(),
    created_at: z.string(),
  })
  .meta({ id: "Tenant" });
export type TenantView = z.infer<typeof TenantView>;

export const tenantView = (record: TenantRecord): TenantView => ({ id: record.id, name: record.name, created_at: record.createdAt });

const QUOTA_MEANINGS: Record<(typeof QUOTA_NAMES)[number], string> = {
  models: "Models stored.",
  datasets: "Datasets stored.",
  bytes: "Bytes stored: models' weights and datasets' features and labels.",
  queued_jobs: "Jobs queued or running at once.",
  running_jobs: "Jobs training at once (further ones wait in the queue).",
  event_streams: "Event streams open at once, in each process.",
};

const limitsOf = <T extends z.ZodType>(value: (meaning: string) => T) =>
  Object.fromEntries(QUOTA_NAMES.map((name) => [name, value(QUOTA_MEANINGS[name])])) as Record<(typeof QUOTA_NAMES)[number], T>;

export const TenantQuotasPatch = z
  .strictObject(limitsOf((meaning) => z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).nullable().optional().describe(`${meaning} null: back to the service's default.`)))
  .meta({ id: "TenantQuotasPatch" });
export type TenantQuotasPatch = z.infer<typeof TenantQuotasPatch>;

export const TenantQuotasView = z
  .object({
    tenant_id: z.string(),
    limits: z.object(limitsOf((meaning) => z.number().int().describe(meaning))).describe("What holds for the tenant: its own limit where set, else the service's default."),
    overrides: z.object(limitsOf((meaning) => z.number().int().optional().describe(meaning))).describe("The tenant's own limits, set by the operator."),
  })
  .meta({ id: "TenantQuotas" });
export type TenantQuotasView = z.infer<typeof TenantQuotasView>;

export const tenantQuotasView = (tenantId: string, defaults: QuotaLimits, overrides: QuotaOverrides): TenantQuotasView => ({
  tenant_id: tenantId,
  limits: { ...defaults, ...overrides },
  overrides,
});

export const tenantExamples: Record<string, BodyExample<typeof CreateTenantRequest>> = {
  acme: { summary: "A tenant named acme", value: { name: "acme" } },
};

export const quotasExamples: Record<string, BodyExample<typeof TenantQuotasPatch>> = {
  bigger: {
    summary: "Room for 5,000 models and 20 jobs training at once; queued jobs back to the service's default",
    value: { models: 5000, running_jobs: 20, queued_jobs: null },
  },
};
