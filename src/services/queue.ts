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
 * queue then leaves the id to that one; anything else means it is done with the id.
 */
export type JobHandler = (jobId: string, lost: AbortSignal) => Promise<void | "abandoned">;

export interface JobQueue {
  /** Adds a job id at the back. */
  enqueue(jobId: string): Promise<void>;
  /** Takes a waiting job id out of the queue; false when it is not waiting (running, or unknown). */
  remove(jobId: string): Promise<boolean>;
  /**
   * Starts handing ids to `handler` in FIFO order, at most `concurrency` at once; a slot frees
   * when the handler's promise settles. Call once.
   */
  consume(handler: JobHandler, concurrency: number): void;
  /**
   * How many ids wait (in the whole queue, when it is shared) and how many handlers run in this
   * process. Asynchronous because a shared queue has to ask its server.
   */
  counts(): Promise<{ waiting: number; active: number }>;
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

/** The queue of one process: an array and a counter. It holds no locks, so none is ever lost. */
export class InProcessQueue implements JobQueue {
  private readonly waiting: string[] = [];
  private readonly active = new Set<Promise<void>>();
  private handler: JobHandler | null = null;
  private concurrency = 0;
  private closed = false;

  async enqueue(jobId: string): Promise<void> {
    if (this.closed) throw new Error("the job queue is closed");
    this.waiting.push(jobId);
    this.dispatch();
  }

  async remove(jobId: string): Promise<boolean> {
    const index = this.waiting.indexOf(jobId);
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

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.active]);
  }

  private dispatch(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.closed && this.active.size < this.concurrency && this.waiting.length > 0) {
      const jobId = this.waiting.shift()!;
      const run: Promise<void> = handler(jobId, NEVER_LOST)
        .then(() => undefined, () => undefined)
        .finally(() => {
          this.active.delete(run);
          this.dispatch();
        });
      this.active.add(run);
    }
  }
}
