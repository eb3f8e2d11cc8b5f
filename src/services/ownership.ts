import { StoreCursorError } from "../store/index.js";
import { NotFoundError } from "./errors.js";

/**
 * The record when it exists and is the tenant's; else the NotFoundError a missing one gets, so that
 * another tenant's ids answer exactly as unknown ones do. `field` names the request field that
 * held the id (`model_id`), when it came in a body.
 */
export function owned<T extends { tenantId: string }>(
  record: T | null,
  tenantId: string,
  resource: NotFoundError["resource"],
  id: string,
  field?: string,
): T {
  if (record === null || record.tenantId !== tenantId) throw new NotFoundError(resource, id, field);
  return record;
}

/**
 * Refuses a listing's `after` cursor that is another tenant's item as an unknown cursor is refused
 * (the store takes any item as a cursor), so that listings tell nothing of other tenants' ids.
 */
export async function ownCursor(
  after: string | undefined,
  tenantId: string,
  lookup: (id: string) => Promise<{ tenantId: string } | null>,
): Promise<void> {
  if (after === undefined) return;
  const item = await lookup(after);
  if (item !== null && item.tenantId !== tenantId) throw new StoreCursorError(after);
}
