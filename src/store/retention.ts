import { isTerminal } from "./common.js";
import type { JobStatus } from "./types.js";

/** Which `progress` events retention deletes (Store.pruneEvents). */
export interface EventRetentionPolicy {
  /** All of them, in jobs that ended before this time (ISO-8601). */
  endedBefore: string;
  /** In other jobs, those more than this many events (at least 1) before the job's last event. */
  keepLast: number;
}

/** How much one step of pruneEvents may do. */
export interface PruneBudget {
  /** Jobs visited. */
  maxJobs: number;
  /** Rows deleted: a row holds up to 4096 steps (event_rows.ts). */
  maxRows: number;
}

export interface PruneResult {
  deletedRows: number;
  /** The job after which the next step continues (null: from the first). */
  cursor: string | null;
  /** The step reached the last job: the pass is over. */
  done: boolean;
}

/** A job as a retention step sees it: `lastSeq` is its last event's (null: it has none). */
export interface RetentionJob {
  id: string;
  status: JobStatus;
  finishedAt: string | null;
  lastSeq: number | null;
}

/** One delete of a step: the job's progress rows whose events all lie before seq `before`, at most `max` of them. */
export interface ProgressDeletion {
  jobId: string;
  before: number;
  max: number;
}

/**
 * The deletes of one step of pruneEvents over `jobs` (the next ones after `cursor`, in creation
 * order, `budget.maxJobs` of them unless the last are reached): each yields a deletion and is sent
 * back the rows it deleted; returns the step's result. A store drives it with its own SQL, in one
 * transaction or not. A job's last row always stays (the next event is numbered after it).
 */
export function* retentionStep(
  jobs: readonly RetentionJob[],
  cursor: string | null,
  policy: EventRetentionPolicy,
  budget: PruneBudget,
): Generator<ProgressDeletion, PruneResult, number> {
  let deletedRows = 0;
  let after = cursor;
  for (const job of jobs) {
    if (job.lastSeq !== null) {
      const ended = isTerminal(job.status) && job.finishedAt !== null && job.finishedAt < policy.endedBefore;
      const before = ended ? job.lastSeq : job.lastSeq - Math.max(1, policy.keepLast) + 1;
      if (before > 1) deletedRows += yield { jobId: job.id, before, max: budget.maxRows - deletedRows };
    }
    // out of budget: the next step starts at this job again, which may have rows left
    if (deletedRows >= budget.maxRows) return { deletedRows, cursor: after, done: false };
    after = job.id;
  }
  return { deletedRows, cursor: after, done: jobs.length < budget.maxJobs };
}
