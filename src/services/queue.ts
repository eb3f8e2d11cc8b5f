/**
 * Where queued jobs wait for a training slot. The store stays the record of every job (a restart
 * re-enqueues what it left queued or running); a queue only orders job ids and hands them to a
 * consumer, at most `concurrency` at a time. One process uses the in-process queue below; a
 * queue shared by several machines (BullMQ on Redis) implements the same contract
 * (test/services/queue_contract.ts).
 */

/**
 * Runs the job of an id the queue handed out. `lost` aborts when the queue learns that the id is
 * no longer this consumer's (a shared queue's lock on it expired: another consumer may run it
 * now). The handler resolves "abandoned" when it gave the job up to such a consumer, and the
 * queue then leaves the id to that one; "deferred" when the job may not start yet (its tenant runs
 * as many jobs as its quota allows), and the queue hands it out again later; anything else means it
 * is done with the id.
 */
export type JobHandler = (jobId: string, lost: AbortSignal) => Promise<void | "abandoned" | "deferred">;

/**
 * Whose a queued id is, for fair scheduling: the tenant, and how many of the tenant's jobs were
 * queued or running ahead of it when it was queued. Ids are served lowest `ahead` first, then in
 * FIFO order: a tenant's n-th job waits behind every tenant's first.
 */
export interface QueueOwner {
  tenantId: string;
  ahead: number;
}

/** The owner of ids queued without one: they share one line, in FIFO order. */
const NO_OWNER: QueueOwner = { tenantId: "", ahead: 0 };

/**
 * How long a deferred id waits before it is handed out again, at most: a shared queue delays it by
 * this much; the in-process queue hands it out sooner when one of its tenant's jobs ends.
 */
export const DEFER_MS = 2000;

/** A queue's ids by state (see JobQueue.depth). */
export interface QueueDepth {
  waiting: number;
  deferred: number;
  active: number;
}

export interface JobQueue {
  /**
   * Adds a job id. Ids are served by their owner's `ahead`, then FIFO (see QueueOwner), so that one
   * tenant's hundred jobs do not starve another's one; ids queued without an owner, FIFO.
   */
  enqueue(jobId: string, owner?: QueueOwner): Promise<void>;
  /** Takes a waiting job id out of the queue; false when it is not waiting (running, or unknown). */
  remove(jobId: string): Promise<boolean>;
  /**
   * Starts handing ids to `handler` in the order above, at most `concurrency` at once; a slot frees
   * when the handler's promise settles. Call once.
   */
  consume(handler: JobHandler, concurrency: number): void;
  /**
   * How many ids wait (in the whole queue, when it is shared) and how many handlers run in this
   * process. Asynchronous because a shared queue has to ask its server.
   */
  counts(): Promise<{ waiting: number; active: number }>;
  /**
   * The whole queue's ids by state: `waiting` to be handed out, `deferred` (held back for their
   * tenant's quota), `active` (handed out, to any consumer). One round trip for a shared queue.
   */
  depth(): Promise<QueueDepth>;
  /** How many consumers (processes training from the queue) are connected to it now, this one included. */
  consumers(): Promise<number>;
  /** Resolves when the queue can take ids now (its server answers); for readiness checks. */
  ping(): Promise<void>;
  /**
   * Stops handing out ids and resolves once every running handler has settled. A handler that
   * settles after this began may have suspended its job rather than ended it: a shared queue keeps
   * such ids for another consumer (the in-process queue ends with its process, and the next start
   * re-enqueues them from the store).
   */
  close(): Promise<void>;
}

const NEVER_LOST = new AbortController().signal;

/** An id waiting in the in-process queue, with its owner and the order in which it was queued. */
interface Waiting extends QueueOwner {
  id: string;
  order: number;
}

/**
 * The queue of one process: an array and counters. It holds no locks, so none is ever lost. It
 * serves ids as a shared queue does (lowest `ahead` first, then FIFO), except the ids of a tenant
 * held by a deferral.
 */
export class InProcessQueue implements JobQueue {
  private readonly waiting: Waiting[] = [];
  private readonly active = new Set<Promise<void>>();
  /** Tenants whose deferred id waits for one of their jobs to end (or DEFER_MS). */
  private readonly held = new Set<string>();
  private handler: JobHandler | null = null;
  private concurrency = 0;
  private closed = false;
  private queued = 0;

  async enqueue(jobId: string, owner: QueueOwner = NO_OWNER): Promise<void> {
    if (this.closed) throw new Error("the job queue is closed");
    this.waiting.push({ id: jobId, ...owner, order: this.queued++ });
    this.dispatch();
  }

  async remove(jobId: string): Promise<boolean> {
    const index = this.waiting.findIndex((w) => w.id === jobId);
    if (index < 0) return false;
    this.waiting.splice(index, 1);
    return true;
  }

  consume(handler: JobHandler, concurrency: number): void {
    if (this.handler) throw new Error("the job queue already has a consumer");
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    this.handler = handler;
    this.concurrency = concurrency;
    this.dispatch();
  }

  async counts(): Promise<{ waiting: number; active: number }> {
    return { waiting: this.waiting.length, active: this.active.size };
  }

  async depth(): Promise<QueueDepth> {
    const deferred = this.waiting.filter((w) => this.held.has(w.tenantId)).length;
    return { waiting: this.waiting.length - deferred, deferred, active: this.active.size };
  }

  async consumers(): Promise<number> {
    return this.handler !== null && !this.closed ? 1 : 0;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.active]);
  }

  /** The index of the next id to hand out: the lowest `ahead`, then the oldest, of tenants not held. */
  private next(): number {
    let best = -1;
    for (let i = 0; i < this.waiting.length; i++) {
      const w = this.waiting[i]!;
      if (this.held.has(w.tenantId)) continue;
      const b = this.waiting[best];
      if (!b || w.ahead < b.ahead || (w.ahead === b.ahead && w.order < b.order)) best = i;
    }
    return best;
  }

  private dispatch(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.closed && this.active.size < this.concurrency) {
      const index = this.next();
      if (index < 0) return;
      const [entry] = this.waiting.splice(index, 1) as [Waiting];
      const run: Promise<void> = handler(entry.id, NEVER_LOST)
        .then(
          (outcome) => outcome === "deferred",
          () => false,
        )
        .then((deferred) => {
          this.active.delete(run);
          if (deferred) this.defer(entry);
          // one of the tenant's jobs ended: a deferred one may start now
          else this.held.delete(entry.tenantId);
          this.dispatch();
        });
      this.active.add(run);
    }
  }

  /** Puts a deferred id back in its place and holds its tenant's ids until one of its jobs ends, or DEFER_MS. */
  private defer(entry: Waiting): void {
    this.waiting.push(entry);
    this.held.add(entry.tenantId);
    const release = setTimeout(() => {
      this.held.delete(entry.tenantId);
      this.dispatch();
    }, DEFER_MS);
    release.unref();
  }
}
