import { z } from "zod";
import { TENANT_NAME } from "../../../services/tenants.js";
import type { TenantRecord } from "../../../store/index.js";

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
