import { z } from "zod";
import { text } from "../../../schema/index.js";
import { KEY_ROLES, type ApiKeyRecord } from "../../../store/index.js";
import type { BodyExample } from "../../route.js";
import { PageQuery } from "../common.js";

const TenantId = text(100).describe("The tenant: only the operator key names one (an admin key acts in its own tenant).");

export const CreateKeyRequest = z
  .strictObject({
    role: z.enum(KEY_ROLES).describe("admin: everything, its tenant's keys included; member: everything but keys; read: GET only."),
    name: text(200).optional().describe("A name to recognize the key by."),
    expires_at: z.iso.datetime({ offset: true }).optional().describe("When the key stops working (ISO 8601, in the future); never when left out."),
    tenant_id: TenantId.optional(),
  })
  .meta({ id: "CreateApiKeyRequest" });

export const KeyListQuery = PageQuery.extend({ tenant_id: TenantId.optional() });

/** A key as the API shows it: never the key itself (but once, at creation) nor its hash. */
export const KeyView = z
  .object({
    id: z.string(),
    prefix: z.string().describe("The key's public part: the key reads kiln_<prefix>_<secret>."),
    role: z.enum(KEY_ROLES),
    name: z.string().nullable(),
    tenant_id: z.string(),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    last_used_at: z.string().nullable().describe("To within a minute or so: uses are recorded in batches."),
  })
  .meta({ id: "ApiKey" });
export type KeyView = z.infer<typeof KeyView>;

export const CreatedKeyView = KeyView.extend({
  key: z.string().describe("The key, to send as `Authorization: Bearer <key>`: shown in this response only, and stored nowhere."),
}).meta({ id: "CreatedApiKey" });

export const keyView = (record: ApiKeyRecord): KeyView => ({
  id: record.id,
  prefix: record.prefix,
  role: record.role,
  name: record.name,
  tenant_id: record.tenantId,
  created_at: record.createdAt,
  expires_at: record.expiresAt,
  revoked_at: record.revokedAt,
  last_used_at: record.lastUsedAt,
});

export const keyExamples: Record<string, BodyExample<typeof CreateKeyRequest>> = {
  member: { summary: "A key for a training script, in the caller's tenant", value: { role: "member", name: "training script" } },
  operator: {
    summary: "With the operator key: a tenant's first admin key, for a month",
    value: { role: "admin", name: "acme admin", tenant_id: "ten_0123456789abcdef", expires_at: "2030-01-31T00:00:00Z" },
  },
};
