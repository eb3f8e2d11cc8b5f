import { StoreConflictError, type JobEvent, type JobRecord, type NewEvent, type Store } from "../store/index.js";
import type { CheckpointGate } from "./checkpoint_gate.js";

/** Minimum time between two writes of a running job's events. */
const FLUSH_INTERVAL_MS = 100;
/** Minimum time between two rewrites of a running job's progress and metrics. */
const ROW_UPDATE_INTERVAL_MS = 500;
/**
 * A checkpoint that took W ms to store is followed by the next no sooner than this many times W
 * later: with SQLite, the store writes on the API thread, and a 10M-parameter model's checkpoint
 * (its weights and Adam's two buffers, ~120 MB) takes a few hundred ms to write; storing them then
 * holds the event loop for at most ~1/20 of a job's time, however large the model.
 */
const CHECKPOINT_SPACING = 20;

export const isSuperseded = (error: unknown): boolean => error instanceof StoreConflictError && error.code === "attempt_superseded";

/** What a writer tells the run it writes for, and asks of it. */
export interface JobEventWriterHooks {
  /** Events just stored, numbered as the store numbered them: for the job's subscribers. */
  stored(events: JobEvent[]): void;
  /** The job row as a progress write returned it (a cancel asked through another process shows there). */
  rowWritten(row: JobRecord | null): void;
  /** A write failed: the writer has stopped, and the run must give the job up (`reason` says why). */
  failed(reason: string): void;
  /** The job row's progress and metrics as they are now, for the periodic row update. */
  row(): Pick<JobRecord, "progress" | "metrics">;
}

/**
 * Stores one run's events, checkpoints and progress, in the order the worker sent them, under the
 * run's fencing token (Store.beginAttempt's attempt). Events are written in batches, and a slow
 * store gets everything that arrived meanwhile in one write. The first write that fails stops the
 * writer: the store refused it as superseded (another run has the job), or failed otherwise (a
 * store session that ended while the process stood still, a full disk), which leaves the job
 * running in the store for the next run to resume from its last checkpoint. Either way nothing
 * after it is written.
 */
export class JobEventWriter {
  /** The run's fencing token, passed with each of its writes; 0 until the attempt begins. */
  private runAttempt = 0;
  /** The last of the job's events that the run has published. */
  private publishedSeq = 0;
  private stopped = false;
  /** Events received but not yet stored. */
  private pending: NewEvent[] = [];
  /** Serialises the run's store writes so events keep their order. */
  private writes: Promise<unknown> = Promise.resolve();
  /** Writes chained on `writes` and not finished yet. */
  private writesInFlight = 0;
  private flushScheduled = false;
  /** A flush came due while writes were in flight: it runs when they are done. */
  private flushWhenIdle = false;
  /** When events were last written, and when the job row's progress was. */
  private lastFlush = 0;
  private lastRowUpdate = 0;

  constructor(
    private readonly store: Store,
    private readonly jobId: string,
    private readonly checkpointGate: CheckpointGate,
    private readonly hooks: JobEventWriterHooks,
  ) {}

  get attempt(): number {
    return this.runAttempt;
  }

  /** The seq of the last event the run has published: the events after it are the run's to publish. */
  get lastSeq(): number {
    return this.publishedSeq;
  }

  /** The run's attempt began (Store.beginAttempt): its token, and where the job's events end. */
  begin(attempt: number, lastSeq: number): void {
    this.runAttempt = attempt;
    this.publishedSeq = lastSeq;
  }

  /** Events up to `seq` are published (or, for a resumed run, the events after it are redone). */
  publishedUpTo(seq: number): void {
    this.publishedSeq = seq;
  }

  /** Writes nothing more: pending events are dropped and queued writes skipped. */
  stop(): void {
    this.stopped = true;
    this.pending.length = 0;
  }

  /** Queues events for the next batch write. */
  add(events: NewEvent[]): void {
    if (this.stopped) return;
    this.pending.push(...events);
    this.scheduleFlush();
  }

  /**
   * Stores a checkpoint with the events received before it (taken now, so that events arriving
   * while earlier writes are in flight follow it), then opens the gate for the next one.
   */
  checkpoint(state: Uint8Array): void {
    const events = this.pending.splice(0);
    this.write(async () => {
      const started = Date.now();
      const saved = await this.store.saveCheckpoint(this.jobId, state, events, this.runAttempt);
      const stored = Date.now();
      this.checkpointGate.openFrom(stored + CHECKPOINT_SPACING * (stored - started));
      this.publishStored(events, saved.seq);
      this.hooks.rowWritten(await this.store.updateJob(this.jobId, this.hooks.row(), [], this.runAttempt));
    });
  }

  /** Resolves once every write queued so far is done, and those they queued in turn. */
  async settle(): Promise<void> {
    let queued: Promise<unknown>;
    do {
      queued = this.writes;
      await queued;
    } while (queued !== this.writes);
  }

  /** The events not stored yet, for the run's last write (which the writer does not make). */
  takePending(): NewEvent[] {
    return this.pending.splice(0);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Events are written in batches: right away when none were written for FLUSH_INTERVAL_MS
    // (so the first loss streams at once), else at the end of the interval. Workers already post
    // their steps in batches; this also bounds the writes of a job whose epochs are a few steps
    // long (an epoch event each), and the job row (progress, metrics) is rewritten only every
    // ROW_UPDATE_INTERVAL_MS.
    const wait = Math.max(0, this.lastFlush + FLUSH_INTERVAL_MS - Date.now());
    const flush = (): void => this.flush();
    // setImmediate, not a microtask: Node hands a worker's queued messages over in long runs
    // without turning the event loop, so this batches the messages at hand
    if (wait === 0) setImmediate(flush);
    else setTimeout(flush, wait);
  }

  /**
   * Writes the events received so far. They are taken at once, not when the writes before have
   * finished: a checkpoint arriving meanwhile takes the events before it, and the store must get
   * them in the order they came. While writes are in flight (a slow store) the flush waits for
   * them instead, so that one write takes everything that arrived meanwhile.
   */
  private flush(): void {
    if (this.writesInFlight > 0) {
      this.flushWhenIdle = true;
      return;
    }
    this.flushScheduled = false;
    this.lastFlush = Date.now();
    const events = this.pending.splice(0);
    if (events.length === 0) return;
    this.write(async () => {
      const last = await this.store.appendEvents(this.jobId, events, this.runAttempt);
      this.publishStored(events, last);
      const at = Date.now();
      if (at - this.lastRowUpdate >= ROW_UPDATE_INTERVAL_MS) {
        this.lastRowUpdate = at;
        this.hooks.rowWritten(await this.store.updateJob(this.jobId, this.hooks.row(), [], this.runAttempt));
      }
    });
  }

  /** Chains `write` after the run's other writes; the first that fails stops the writer. */
  private write(write: () => Promise<void>): void {
    this.writesInFlight++;
    this.writes = this.writes
      .then(() => (this.stopped ? undefined : write()))
      .catch((error: unknown) => {
        this.stop();
        this.hooks.failed(isSuperseded(error) ? "another run of the job began" : `a store write failed: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => {
        if (--this.writesInFlight === 0 && this.flushWhenIdle) {
          this.flushWhenIdle = false;
          this.flush();
        }
      });
  }

  /** Numbers freshly stored events (the store numbers them consecutively) and hands them on. */
  private publishStored(events: NewEvent[], lastSeq: number): void {
    const first = lastSeq - events.length + 1;
    this.publishedSeq = lastSeq;
    this.hooks.stored(events.map((e, i) => ({ jobId: this.jobId, seq: first + i, type: e.type, data: e.data })));
  }
}
