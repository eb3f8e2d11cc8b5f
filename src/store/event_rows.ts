import type { JobEvent, JobEventType, Json, NewEvent } from "./types.js";

/**
 * How job events map to rows of `job_events`, in every SQL store (SQLite and Postgres). A row holds
 * one event (`n_events` 1, `data` its JSON) or a run of consecutive training steps (`n_events` > 1):
 * `progress` events of one epoch whose data is exactly `{ step, epoch, batch, loss }` with step and
 * batch counting up by one. A run is stored as `{ step, epoch, batch, losses }`: the first step's
 * numbers and every loss as float64 little-endian bytes in base64 (exact, and without writing each
 * loss as decimal text, which costs a microsecond a number). A fast job's 15,000 steps a second
 * then cost a few inserts instead of one each. `seq` is the row's first event.
 */


/** A row of `job_events` (column aliases match these names); `data` is JSON text. */
export interface EventRow {
  jobId: string;
  seq: number;
  nEvents: number;
  type: JobEventType;
  data: string;
}

/** At most this many steps in one row, so that a replay never parses more than it needs by much. */
const MAX_RUN = 4096;

interface Step {
  step: number;
  epoch: number;
  batch: number;
  loss: number;
}

/** A run's `data`: `losses` is base64 of float64 little-endian bytes. */
interface StoredRun {
  step: number;
  epoch: number;
  batch: number;
  losses: string;
}

function encodeLosses(losses: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(losses.length * 8);
  for (let k = 0; k < losses.length; k++) bytes.writeDoubleLE(losses[k]!, k * 8);
  return bytes.toString("base64");
}

const STEP_KEYS = ["step", "epoch", "batch", "loss"];

/** The event's data as a step when it has exactly a step's shape (keys in this order), else null. */
function asStep(event: NewEvent): Step | null {
  if (event.type !== "progress") return null;
  const data = event.data;
  if (data === null || typeof data !== "object" || Array.isArray(data)) return null;
  let keys = 0;
  for (const key in data) if (key !== STEP_KEYS[keys++]) return null;
  if (keys !== STEP_KEYS.length) return null;
  const { step, epoch, batch, loss } = data;
  if (!Number.isSafeInteger(step) || !Number.isSafeInteger(epoch) || !Number.isSafeInteger(batch)) return null;
  if (typeof loss !== "number" || !Number.isFinite(loss)) return null;
  return { step: step as number, epoch: epoch as number, batch: batch as number, loss };
}

/** The rows for `events` numbered from `firstSeq`: runs of steps packed, everything else one per row. */
export function packEvents(jobId: string, events: readonly NewEvent[], firstSeq: number): EventRow[] {
  const rows: EventRow[] = [];
  let seq = firstSeq;
  let i = 0;
  while (i < events.length) {
    const first = asStep(events[i]!);
    const losses = first ? [first.loss] : [];
    let j = i + 1;
    while (first && j < events.length && j - i < MAX_RUN) {
      const next = asStep(events[j]!);
      const k = j - i;
      if (!next || next.epoch !== first.epoch || next.step !== first.step + k || next.batch !== first.batch + k) break;
      losses.push(next.loss);
      j++;
    }
    if (first && losses.length > 1) {
      const run: StoredRun = { step: first.step, epoch: first.epoch, batch: first.batch, losses: encodeLosses(losses) };
      rows.push({ jobId, seq, nEvents: losses.length, type: "progress", data: JSON.stringify(run) });
    } else {
      const event = events[i]!;
      rows.push({ jobId, seq, nEvents: 1, type: event.type, data: JSON.stringify(event.data) });
    }
    seq += j - i;
    i = j;
  }
  return rows;
}

/** The events of a row, in order: from its `from`-th (counting from 0), at most `count`. */
export function unpackRow(row: EventRow, from = 0, count = row.nEvents): JobEvent[] {
  const { jobId, seq, type } = row;
  const n = Math.min(count, row.nEvents - from);
  if (n <= 0) return [];
  if (row.nEvents === 1) return [{ jobId, seq, type, data: JSON.parse(row.data) as Json }];
  const run = JSON.parse(row.data) as StoredRun;
  const losses = Buffer.from(run.losses, "base64");
  const events: JobEvent[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = from + i;
    events[i] = { jobId, seq: seq + k, type, data: { step: run.step + k, epoch: run.epoch, batch: run.batch + k, loss: losses.readDoubleLE(k * 8) } };
  }
  return events;
}

/**
 * The last seq a page of at most `max` events after `afterSeq` can hold (null: no bound). Stores
 * read the rows of events (afterSeq, that seq], never more rows than the page needs: rows hold
 * up to MAX_RUN events each, so bounding the rows by count instead would read up to MAX_RUN times
 * more. Where retention left a gap in seq, a page holds fewer events; stores then also read the
 * first row after afterSeq, so that a page is empty only when no event follows afterSeq.
 */
export function lastSeqOfPage(afterSeq: number, max: number | null): number {
  return max === null ? Number.MAX_SAFE_INTEGER : afterSeq + max;
}

/**
 * The events after `afterSeq`, at most `max` (null: all), of rows read in order from the one
 * holding event afterSeq + 1: that row may start with events at or before afterSeq. Only the
 * events returned are built (a page of 1,000 from a row of 4,096 builds 1,000).
 */
export function eventsAfter(rows: Iterable<EventRow>, afterSeq: number, max: number | null): JobEvent[] {
  const events: JobEvent[] = [];
  for (const row of rows) {
    const from = Math.max(0, afterSeq + 1 - row.seq);
    for (const event of unpackRow(row, from, max === null ? row.nEvents : max - events.length)) events.push(event);
    if (events.length === max) break;
  }
  return events;
}

/** The row holding only the events of `row` up to `lastSeq` (which must be inside it). */
export function truncateRow(row: EventRow, lastSeq: number): EventRow {
  const kept = unpackRow(row).filter((e) => e.seq <= lastSeq);
  const [only] = packEvents(row.jobId, kept, row.seq);
  return only!;
}
