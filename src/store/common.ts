/**
 * What every Store implementation shares beyond the interface: the listing limits, the cursor
 * error and how a patch applies to a job (the SQL stores' column lists: columns.ts; how their rows
 * become records and back: rows.ts).
 */
import { StoreConflictError } from "./store.js";
import { versionFromRow, type ModelVersionRow } from "./rows.js";
import { TERMINAL_STATUSES, type JobRecord, type JobStatus, type Json, type ModelVersionRecord, type Page } from "./types.js";

/** A listing's `after` names no item that ever existed (a RangeError: the caller's argument). */
export class StoreCursorError extends RangeError {
  override name = "StoreCursorError";
  constructor(readonly cursor: string) {
    super(`unknown cursor: ${cursor}`);
  }
}

/** The kinds of item whose deletion deleted_rows remembers, so that a cursor naming one still continues in place. */
export type DeletedKind = "model" | "dataset" | "job";

export type JobPatch = Partial<
  Pick<JobRecord, "status" | "progress" | "metrics" | "error" | "startedAt" | "finishedAt" | "cancelRequested">
>;

/** A listing's page size when none is given, and the largest it may ask for (the API's too). */
export const PAGE_LIMITS = { default: 50, max: 500 } as const;

/** A listing's page size: 50 by default, clamped to [1, 500]. */
export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return PAGE_LIMITS.default;
  return Math.min(PAGE_LIMITS.max, Math.max(1, Math.floor(limit)));
}

/** A page from `limit + 1` rows in order: the extra row only says that there is a next page. */
export function page<R extends { id: string }, T>(rows: R[], limit: number, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items: items.map(map), nextCursor: more ? items[items.length - 1]!.id : null };
}

/** Store-set timestamps (ISO-8601 UTC, the format the records use). */
export const now = (): string => new Date().toISOString();

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/**
 * The checks of every write to a running job, on its row read under the row lock: a superseded
 * `attempt` first (whatever became of the job, the run that asks no longer owns it), then an
 * ended job (see the rules on Store).
 */
export function checkJobWrite(id: string, row: { status: JobStatus; attempt: number }, attempt: number | undefined): void {
  if (attempt !== undefined && attempt !== row.attempt) {
    throw new StoreConflictError(`job ${id} is at attempt ${row.attempt}: attempt ${attempt} was superseded`, "attempt_superseded");
  }
  if (isTerminal(row.status)) throw new StoreConflictError(`job ${id} is ${row.status}`, "job_not_active");
}

/** Applies the keys of `patch` that are present (not undefined) to `job`. */
export function applyPatch(job: JobRecord, patch: JobPatch, updatedAt: string): JobRecord {
  const next: JobRecord = { ...job, updatedAt };
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.progress !== undefined) next.progress = patch.progress;
  if (patch.metrics !== undefined) next.metrics = patch.metrics;
  if (patch.error !== undefined) next.error = patch.error;
  if (patch.startedAt !== undefined) next.startedAt = patch.startedAt;
  if (patch.finishedAt !== undefined) next.finishedAt = patch.finishedAt;
  if (patch.cancelRequested !== undefined) next.cancelRequested = patch.cancelRequested;
  return next;
}

/** What made a version: a job (its id, and what is kept of its metrics) or an upload (UPLOAD). */
export interface VersionOrigin {
  jobId: string | null;
  metrics: Json;
}
export const UPLOAD: VersionOrigin = { jobId: null, metrics: null };

/**
 * The version number a listing of versions continues after: 0 without `after`; StoreCursorError
 * for text that is no version number (the caller then checks that the model has that version).
 */
export function versionAfter(after: string | undefined): number {
  if (after === undefined) return 0;
  if (!/^[1-9][0-9]{0,14}$/.test(after)) throw new StoreCursorError(after);
  return Number(after);
}

/** A page of versions from `limit + 1` rows in order (see `page`); the cursor is the last version's number. */
export function versionPage(rows: ModelVersionRow[], limit: number): Page<ModelVersionRecord> {
  const more = rows.length > limit;
  const items = (more ? rows.slice(0, limit) : rows).map(versionFromRow);
  return { items, nextCursor: more ? String(items[items.length - 1]!.version) : null };
}
