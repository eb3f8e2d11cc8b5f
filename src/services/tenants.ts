import { randomUUID } from "node:crypto";
import type { Store, TenantRecord } from "../store/index.js";

/** Creates the tenant, or returns the one that has this name already (`created: false`). */
export function createTenant(store: Store, name: string): Promise<{ tenant: TenantRecord; created: boolean }> {
  return store.createTenant({ id: `ten_${randomUUID().replaceAll("-", "")}`, name, createdAt: new Date().toISOString() });
}
