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
