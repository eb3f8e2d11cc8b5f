import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { DEFER_MS, type JobHandler, type JobQueue, type QueueDepth, type QueueOwner } from "./queue.js";
import type { FromConsumer, QueueConsumerOptions, Release, ToConsumer } from "./queue_consumer.js";

export interface BullMQQueueOptions {
  /** The Redis server, e.g. redis://127.0.0.1:6379. */
  url: string;
  /** The queue's name; deployments sharing one Redis keep apart by it (default "kiln-jobs"). */
  name?: string;
  /** The prefix of every Redis key of the queue (BullMQ's default: "bull"). */
  prefix?: string;
  /** How long a running job stays claimed without a lock renewal (default LOCK_DURATION_MS). */
  lockDurationMs?: number;
  /** How often this process looks for jobs whose owner stopped renewing (default: half the lock duration). */
  stalledIntervalMs?: number;
  /** Where connection and lock errors go (default: standard error). */
  log?: { error(obj: object, msg: string): void };
}

/**
 * A running job's lock, by default. The worker renews it every quarter of this while the handler
 * runs, so three renewals in a row can be missed (a Redis failover) before another process takes
 * the job over (the store's fencing then stops the first run). Stall checks run every half of it,
 * and a job is moved back once found unlocked at two of them, so a process that dies leaves its
 * jobs to the others after at most twice the lock (about 2 minutes): little next to a training
 * job, and its checkpoints bound the work redone.
 */
export const LOCK_DURATION_MS = 60_000;
/** BullMQ's largest priority. */
const MAX_PRIORITY = 2_097_151;
/** How long a closing queue waits to put its interrupted ids back (Redis may be down). */
const PUT_BACK_WAIT_MS = 2000;

/**
 * A queue in Redis shared by every process of a deployment (BullMQ): API processes enqueue, worker
 * processes consume. The BullMQ job id is the Kiln job id, so enqueueing an id that is waiting or
 * running anywhere is a no-op; finished ids are dropped from Redis, so the same id can be enqueued
 * again (the manager re-enqueues every queued or running job at start-up). An id must not be one of
 * the queue's own key names ("wait", "active", "meta"...): Kiln's `job_…` ids are not.
 *
 * A handler that settles after `close()` began did not necessarily end its job: at shutdown the
 * manager suspends running jobs, and their handlers settle once they are checkpointed. Such ids go
 * back to the front of the queue, and another process (or this one after a restart) resumes them;
 * one that had in fact ended is found ended in the store and skipped.
 *
 * The consumer (BullMQ's Worker, which renews the locks of the ids it holds) runs in a worker thread
 * of its own (queue_consumer.ts), so that nothing on the main thread (a heavy request) can delay a
 * renewal; it hands each id to this thread's handler and gets the handler's outcome back. A lock
 * renewal that Redis refuses all the same (the whole process stood still: the id may be another
 * consumer's now) aborts the handler's `lost` signal; an id whose handler resolves "abandoned" is
 * left as it is in Redis, for the consumer that took it over.
 */
export class BullMQQueue implements JobQueue {
  private readonly queue: Queue;
  private readonly connection: Redis;
  private consumer: Worker | null = null;
  /** Settles when the consumer thread has released every id after `close` (or has exited). */
  private consumerDone: Promise<void> = Promise.resolve();
  /** Why the consumer thread stopped before `close`, if it did: the queue is then not ready. */
  private consumerFailure: Error | null = null;
  /** The handlers running in this process. */
  private readonly running = new Set<ReturnType<JobHandler>>();
  /** Each running handler's `lost` signal, by id. */
  private readonly leases = new Map<string, AbortController>();
  private closing = false;
  private closed: Promise<void> | null = null;

  constructor(private readonly options: BullMQQueueOptions) {
    // fails at once while Redis is down, instead of holding an HTTP request until it is back (the
    // job is stored: the manager's periodic requeue queues it then)
    this.connection = new Redis(options.url, { enableOfflineQueue: false });
    this.queue = new Queue(options.name ?? "kiln-jobs", { connection: this.connection, prefix: options.prefix });
    this.queue.on("error", (error) => this.error(error, "job queue error"));
  }

  /**
   * Fairness through BullMQ's priorities: an id's priority is 1 + `owner.ahead` (lower runs
   * first, FIFO among equals), so a tenant's n-th job waits behind every tenant's first.
   */
  async enqueue(jobId: string, owner?: QueueOwner): Promise<void> {
    if (this.closing) throw new Error("the job queue is closed");
    const priority = Math.min(1 + (owner?.ahead ?? 0), MAX_PRIORITY);
    await this.queue.add("train", {}, { jobId, priority, removeOnComplete: true, removeOnFail: true });
  }

  async remove(jobId: string): Promise<boolean> {
    const state = await this.queue.getJobState(jobId);
    if (state !== "waiting" && state !== "prioritized" && state !== "delayed") return false;
    // a job taken in between is locked, and BullMQ does not remove locked jobs
    return (await this.queue.remove(jobId)) === 1;
  }

  consume(handler: JobHandler, concurrency: number): void {
    if (this.consumer) throw new Error("the job queue already has a consumer");
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    const lockDurationMs = this.options.lockDurationMs ?? LOCK_DURATION_MS;
    const options: QueueConsumerOptions = {
      url: this.options.url,
      name: this.queue.name,
      ...(this.options.prefix === undefined ? {} : { prefix: this.options.prefix }),
      concurrency,
      lockDurationMs,
      stalledIntervalMs: this.options.stalledIntervalMs ?? lockDurationMs / 2,
    };
    // from the build the thread runs the .js file; from sources (tests, tsx) the .ts one, required
    // through tsx's require hook (Node 20 applies no ESM loader hook to a worker thread's code)
    const fromSource = import.meta.url.endsWith(".ts");
    const file = fileURLToPath(new URL(`../../workers/queue_consumer.${fromSource ? "ts" : "js"}`, import.meta.url));
    const consumer = fromSource
      ? new Worker(`require(${JSON.stringify(file)})`, { eval: true, workerData: options, execArgv: ["--require", "tsx/cjs"] })
      : new Worker(file, { workerData: options });
    this.consumer = consumer;
    this.consumerDone = new Promise((resolve) => {
      consumer.on("message", (message: FromConsumer) => {
        if (message.kind === "closed") resolve();
        else this.onConsumerMessage(handler, message);
      });
      consumer.once("exit", () => resolve());
    });
    consumer.on("error", (error) => this.error(error, "job queue consumer thread failed"));
    consumer.once("exit", (code) => {
      if (this.closing) return;
      // nothing renews the locks of the ids held any more: they will be other consumers'
      this.consumerFailure = new Error(`the job queue's consumer thread stopped (exit code ${code})`);
      this.error(this.consumerFailure, "job queue consumer stopped");
      for (const lease of this.leases.values()) lease.abort();
    });
  }

  /** `waiting`: ids waiting in the shared queue; `active`: handlers running in this process. */
  async counts(): Promise<{ waiting: number; active: number }> {
    return { waiting: await this.queue.count(), active: this.running.size };
  }

  async depth(): Promise<QueueDepth> {
    const counts = await this.queue.getJobCounts("wait", "prioritized", "delayed", "active");
    return { waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0), deferred: counts.delayed ?? 0, active: counts.active ?? 0 };
  }

  /**
   * The BullMQ workers Redis lists as connected to this queue (CLIENT LIST, by the client name
   * BullMQ gives them): one per training process, since each runs one consumer.
   */
  consumers(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  async ping(): Promise<void> {
    if (this.consumerFailure) throw this.consumerFailure;
    // once connected (a command before that fails: no offline queue); then Redis must answer
    await this.queue.waitUntilReady();
    await this.connection.ping();
  }

  close(): Promise<void> {
    this.closing = true;
    this.closed ??= (async () => {
      // The consumer takes no more ids from now on, and its close ends once the ids it holds are
      // released (their handlers settled, the interrupted ids put back). The handlers settle once
      // their jobs are checkpointed in the store, which needs no Redis; putting ids back does, and
      // Redis may be down: that part gets PUT_BACK_WAIT_MS, and an id not put back stays locked
      // until another process takes it when the lock expires.
      this.tell({ kind: "close" });
      await Promise.allSettled([...this.running]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.consumerDone, new Promise((resolve) => (timer = setTimeout(resolve, PUT_BACK_WAIT_MS)))]);
      clearTimeout(timer);
      await this.consumer?.terminate();
      this.connection.disconnect();
    })();
    return this.closed;
  }

  private onConsumerMessage(handler: JobHandler, message: Exclude<FromConsumer, { kind: "closed" }>): void {
    switch (message.kind) {
      case "take":
        void this.run(handler, message.id);
        return;
      case "lost":
        for (const id of message.ids) this.leases.get(id)?.abort();
        return;
      case "error":
        this.error(Object.assign(new Error(message.message), { stack: message.stack }), "job queue worker error");
        return;
    }
  }

  /** Runs the handler of an id the consumer took, and tells the consumer how it was released. */
  private async run(handler: JobHandler, id: string): Promise<void> {
    if (this.closing) return this.tell({ kind: "released", id, release: { kind: "requeue" } });
    const lease = new AbortController();
    this.leases.set(id, lease);
    const run = handler(id, lease.signal);
    this.running.add(run);
    let release: Release;
    try {
      // once close began, a handler that settles may have suspended its job rather than ended it
      const outcome = await run;
      release =
        outcome === "abandoned"
          ? { kind: "abandoned" }
          : this.closing
            ? { kind: "requeue" }
            : outcome === "deferred"
              ? { kind: "deferred", untilMs: Date.now() + DEFER_MS }
              : { kind: "done" };
    } catch (error) {
      // a failure ends the job (BullMQ drops it); at shutdown it is requeued like any other
      release = this.closing ? { kind: "requeue" } : { kind: "failed", message: error instanceof Error ? error.message : String(error) };
    } finally {
      this.running.delete(run);
      if (this.leases.get(id) === lease) this.leases.delete(id);
    }
    this.tell({ kind: "released", id, release });
  }

  private tell(message: ToConsumer): void {
    this.consumer?.postMessage(message);
  }

  private error(error: Error, msg: string): void {
    if (this.options.log) this.options.log.error({ err: error, queue: this.queue.name }, msg);
    else process.stderr.write(`${msg}: ${error.message}\n`);
  }
}
