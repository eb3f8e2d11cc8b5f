import { randomUUID } from "node:crypto";
import type { Store, TenantRecord } from "../store/index.js";

/** What a tenant's name may be: the API and the CLI check it alike. */
export const TENANT_NAME = { pattern: /^[a-z0-9-]{1,64}$/, message: "expected 1 to 64 characters of a-z, 0-9 and -" } as const;

/** Creates the tenant, or returns the one that has this name already (`created: false`). */
export function createTenant(store: Store, name: string): Promise<{ tenant: TenantRecord; created: boolean }> {
  return store.createTenant({ id: `ten_${randomUUID().replaceAll("-", "")}`, name, createdAt: new Date().toISOString() });
}
