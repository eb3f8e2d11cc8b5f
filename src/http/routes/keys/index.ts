/**
 * API keys: an admin key manages its own tenant's, the operator key (KILN_ADMIN_KEY) any tenant's.
 * Another tenant's key answers 404, as a missing one does.
 */
import { createKey, listKeys, revokeKey, type Principal } from "../../../services/index.js";
import { forbidden, unprocessable, validationError } from "../../errors.js";
import { defineRoute, type RouteDef } from "../../route.js";
import { IdParams, pageOf, pageView } from "../common.js";
import { CreatedKeyView, CreateKeyRequest, keyExamples, KeyListQuery, keyView, KeyView } from "./schemas.js";

const tags = ["keys"];

/**
 * The tenant whose keys the caller asks for: an admin's own (it may name no other), the named one
 * for the operator, or null (every tenant) when the operator names none.
 */
function tenantScope(principal: Principal, requested: string | undefined, path: string): string | null {
  if (principal.operator) return requested ?? null;
  if (requested !== undefined && requested !== principal.tenantId) {
    throw forbidden("Only the operator key manages another tenant's keys", [{ path, message: "must be left out, or be this key's own tenant" }]);
  }
  return principal.tenantId;
}

const createKeyRoute = defineRoute({
  method: "POST",
  url: "/v1/keys",
  operationId: "createKey",
  summary: "Create an API key: the response holds the key, once",
  description: "An admin key creates keys in its own tenant; the operator key names the tenant with `tenant_id`.",
  tags,
  access: "keys",
  body: CreateKeyRequest,
  examples: keyExamples,
  responses: {
    201: { description: "The key's record, and the key itself (shown this once)", schema: CreatedKeyView },
    404: { description: "The operator named a tenant that does not exist" },
    422: { description: "expires_at is not in the future" },
  },
  handler: async ({ body, ctx, principal }) => {
    const tenantId = tenantScope(principal, body.tenant_id, "tenant_id");
    if (tenantId === null) throw validationError([{ path: "tenant_id", message: "required with the operator key: the tenant the key is for" }]);
    const expiresAt = body.expires_at === undefined ? null : new Date(body.expires_at).toISOString();
    if (expiresAt !== null && expiresAt <= new Date().toISOString()) {
      throw unprocessable("expires_at is not in the future", [{ path: "expires_at", message: `${body.expires_at} has passed` }]);
    }
    const { key, record } = await createKey(ctx.store, { tenantId, role: body.role, name: body.name ?? null, expiresAt });
    return { ...keyView(record), key };
  },
});

const listKeysRoute = defineRoute({
  method: "GET",
  url: "/v1/keys",
  operationId: "listKeys",
  summary: "List API keys, oldest first, revoked ones too: an admin key its tenant's, the operator key all or one tenant's",
  tags,
  access: "keys",
  query: KeyListQuery,
  responses: { 200: { description: "A page of keys", schema: pageOf(KeyView) } },
  handler: async ({ query, ctx, principal }) => {
    const { tenant_id, ...page } = query;
    const result = await listKeys(ctx.store, tenantScope(principal, tenant_id, "query.tenant_id"), page);
    return pageView(result, keyView);
  },
});

const revokeKeyRoute = defineRoute({
  method: "DELETE",
  url: "/v1/keys/:id",
  operationId: "revokeKey",
  summary: "Revoke an API key: refused from the next request on, in every process",
  tags,
  access: "keys",
  params: IdParams,
  responses: { 200: { description: "The key, revoked (a key revoked before keeps its revoked_at)", schema: KeyView }, 404: { description: "No such resource" } },
  handler: async ({ params, ctx, principal }) => keyView(await revokeKey(ctx.store, params.id, principal.tenantId)),
});

export const keyRoutes: RouteDef[] = [createKeyRoute, listKeysRoute, revokeKeyRoute];
