/**
 * Managing API keys: create (the key is returned once), list and revoke. Who may do which, for
 * which tenant, the routes decide; here `tenantId` scopes every read (null: all tenants, the
 * operator's view).
 */
import { randomUUID } from "node:crypto";
import type { ApiKeyRecord, KeyRole, ListOptions, Page, Store } from "../store/index.js";
import { NotFoundError } from "./errors.js";
import { generateKey } from "./key_format.js";

export interface NewKeyRequest {
  tenantId: string;
  role: KeyRole;
  name: string | null;
  expiresAt: string | null;
}

/** Creates a key for an existing tenant (NotFoundError naming `tenant_id` otherwise). */
export async function createKey(store: Store, request: NewKeyRequest): Promise<{ key: string; record: ApiKeyRecord }> {
  if ((await store.getTenant(request.tenantId)) === null) throw new NotFoundError("tenant", request.tenantId, "tenant_id");
  const { key, prefix, hash } = generateKey();
  const record: ApiKeyRecord = {
    id: `key_${randomUUID().replaceAll("-", "")}`,
    tenantId: request.tenantId,
    prefix,
    hash,
    role: request.role,
    name: request.name,
    createdAt: new Date().toISOString(),
    expiresAt: request.expiresAt,
    revokedAt: null,
    lastUsedAt: null,
  };
  await store.createApiKey(record);
  return { key, record };
}

/** Keys in creation order: the tenant's, or every tenant's when `tenantId` is null. */
export async function listKeys(store: Store, tenantId: string | null, page: Omit<ListOptions, "tenantId">): Promise<Page<ApiKeyRecord>> {
  if (tenantId === null) return store.listApiKeys(page);
  return store.listApiKeys({ ...page, tenantId });
}

/** Revokes a key of the tenant (any tenant's when null); another tenant's key is not found. */
export async function revokeKey(store: Store, id: string, tenantId: string | null): Promise<ApiKeyRecord> {
  const key = await store.getApiKey(id);
  if (key === null || (tenantId !== null && key.tenantId !== tenantId)) throw new NotFoundError("key", id);
  const revoked = await store.revokeApiKey(id, new Date().toISOString());
  if (revoked === null) throw new NotFoundError("key", id);
  return revoked;
}
