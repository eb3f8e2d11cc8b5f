import { Queue, WaitingError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import type { JobHandler, JobQueue } from "./queue.js";

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
/**
 * Times a job may be taken back from a dead process before BullMQ fails it. Effectively unlimited:
 * the store keeps the job running and a restart would enqueue it again anyway.
 */
const MAX_STALLED_COUNT = 1_000_000;
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
 * A lock renewal that Redis refuses (the lock expired and the id may be another consumer's) aborts
 * the handler's `lost` signal; an id whose handler resolves "abandoned" is left as it is in Redis,
 * for the consumer that took it over.
 */
export class BullMQQueue implements JobQueue {
  private readonly queue: Queue;
  private readonly connection: Redis;
  private workerConnection: Redis | null = null;
  private worker: Worker | null = null;
  /** The handlers running in this process. */
  private readonly running = new Set<Promise<void | "abandoned">>();
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

  async enqueue(jobId: string): Promise<void> {
    if (this.closing) throw new Error("the job queue is closed");
    await this.queue.add("train", {}, { jobId, removeOnComplete: true, removeOnFail: true });
  }

  async remove(jobId: string): Promise<boolean> {
    const state = await this.queue.getJobState(jobId);
    if (state !== "waiting" && state !== "prioritized" && state !== "delayed") return false;
    // a job taken in between is locked, and BullMQ does not remove locked jobs
    return (await this.queue.remove(jobId)) === 1;
  }

  consume(handler: JobHandler, concurrency: number): void {
    if (this.worker) throw new Error("the job queue already has a consumer");
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    // a worker waits out Redis outages rather than failing (BullMQ requires this)
    this.workerConnection = new Redis(this.options.url, { maxRetriesPerRequest: null });
    const lockDuration = this.options.lockDurationMs ?? LOCK_DURATION_MS;
    this.worker = new Worker(this.queue.name, (job, token) => this.process(handler, job, token), {
      connection: this.workerConnection,
      prefix: this.options.prefix,
      concurrency,
      lockDuration,
      lockRenewTime: lockDuration / 4,
      stalledInterval: this.options.stalledIntervalMs ?? lockDuration / 2,
      maxStalledCount: MAX_STALLED_COUNT,
    });
    this.worker.on("error", (error) => this.error(error, "job queue worker error"));
    this.worker.on("lockRenewalFailed", (ids) => ids.forEach((id) => this.leases.get(id)?.abort()));
  }

  /** `waiting`: ids waiting in the shared queue; `active`: handlers running in this process. */
  async counts(): Promise<{ waiting: number; active: number }> {
    return { waiting: await this.queue.count(), active: this.running.size };
  }

  async ping(): Promise<void> {
    // once connected (a command before that fails: no offline queue); then Redis must answer
    await this.queue.waitUntilReady();
    await this.connection.ping();
  }

  close(): Promise<void> {
    this.closing = true;
    this.closed ??= (async () => {
      // The worker takes no more ids from now on, and its close ends once its running jobs have
      // (their handlers settled and their ids put back). The handlers settle once their jobs are
      // checkpointed in the store, which needs no Redis; putting ids back does, and Redis may be
      // down: that part gets PUT_BACK_WAIT_MS, and an id not put back stays locked until another
      // process takes it when the lock expires.
      const workerClosed = (this.worker?.close() ?? Promise.resolve()).catch(() => undefined);
      await Promise.allSettled([...this.running]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([workerClosed, new Promise((resolve) => (timer = setTimeout(resolve, PUT_BACK_WAIT_MS)))]);
      clearTimeout(timer);
      this.connection.disconnect();
      this.workerConnection?.disconnect();
    })();
    return this.closed;
  }

  private async process(handler: JobHandler, job: Job, token: string | undefined): Promise<void> {
    const id = job.id;
    if (id === undefined) throw new Error("a job without an id in the job queue");
    if (!this.closing) {
      const lease = new AbortController();
      this.leases.set(id, lease);
      const run = handler(id, lease.signal);
      this.running.add(run);
      try {
        // the id is another consumer's now: neither completed nor moved (WaitingError tells BullMQ)
        if ((await run) === "abandoned") throw new WaitingError();
      } catch (error) {
        // a failure ends the job (BullMQ drops it); at shutdown it is requeued like any other
        if (!this.closing || error instanceof WaitingError) throw error;
      } finally {
        this.running.delete(run);
        if (this.leases.get(id) === lease) this.leases.delete(id);
      }
      if (!this.closing) return;
    }
    await job.moveToWait(token);
    // tells the worker the job has moved: neither completed nor failed
    throw new WaitingError();
  }

  private error(error: Error, msg: string): void {
    if (this.options.log) this.options.log.error({ err: error, queue: this.queue.name }, msg);
    else process.stderr.write(`${msg}: ${error.message}\n`);
  }
}
