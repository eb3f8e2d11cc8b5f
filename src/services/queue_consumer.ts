/**
 * The consumer side of the shared job queue, run in a worker thread of its own (workers/
 * queue_consumer.ts) so that its lock renewals never wait for the main thread: BullMQ's Worker
 * renews its jobs' locks from timers on the thread it lives on, and a main thread blocked by a
 * heavy request (83 s, once) let the locks lapse while its job kept training, and another process
 * ran the job too. This thread's event loop does nothing else. It hands each id it takes to the
 * main thread, which runs the job and tells it how the id was released.
 */
import type { MessagePort } from "node:worker_threads";
import { DelayedError, WaitingError, Worker } from "bullmq";
import { Redis } from "ioredis";

export interface QueueConsumerOptions {
  url: string;
  name: string;
  /** The prefix of the queue's Redis keys (BullMQ's default: "bull"). */
  prefix?: string;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/**
 * How the main thread released an id: `done` (ended: BullMQ drops the id), `failed` (the handler
 * threw: dropped too), `abandoned` (another consumer owns it now: left as it is), `requeue` (the
 * process is closing and the job was suspended or not started: back to the front of the queue),
 * `deferred` (its tenant runs all the jobs its quota allows: delayed until `untilMs`, keeping its priority).
 */
export type Release =
  | { kind: "done" }
  | { kind: "failed"; message: string }
  | { kind: "abandoned" }
  | { kind: "requeue" }
  | { kind: "deferred"; untilMs: number };

/** Messages from the main thread to the consumer thread. */
export type ToConsumer = { kind: "released"; id: string; release: Release } | { kind: "close" };

/** Messages from the consumer thread to the main thread. */
export type FromConsumer =
  | { kind: "take"; id: string }
  /** Redis refused these ids' lock renewals: they may be other consumers' now. */
  | { kind: "lost"; ids: string[] }
  | { kind: "error"; message: string; stack: string | undefined }
  /** After `close`: no id is held any more (each was released, the requeued ones put back). */
  | { kind: "closed" };

/**
 * Consumes the queue for the main thread at the other end of `port` (BullMQQueue): takes at most
 * `concurrency` ids at once, posts each as `take`, keeps its lock renewed until the main thread
 * says how it was released, and then completes, fails, leaves or requeues it in Redis.
 */
export function runQueueConsumer(port: MessagePort, options: QueueConsumerOptions): void {
  const post = (message: FromConsumer): void => port.postMessage(message);
  const releases = new Map<string, (release: Release) => void>();
  let closing = false;
  // a worker waits out Redis outages rather than failing (BullMQ requires this)
  const connection = new Redis(options.url, { maxRetriesPerRequest: null });
  const worker = new Worker(
    options.name,
    async (job, token) => {
      const id = job.id;
      if (id === undefined) throw new Error("a job without an id in the job queue");
      const release = closing ? { kind: "requeue" as const } : await new Promise<Release>((resolve) => {
        releases.set(id, resolve);
        post({ kind: "take", id });
      });
      switch (release.kind) {
        case "done":
          return;
        case "failed":
          throw new Error(release.message);
        case "abandoned":
          // another consumer's now: neither completed nor moved (WaitingError tells BullMQ)
          throw new WaitingError();
        case "requeue":
          await job.moveToWait(token);
          throw new WaitingError();
        case "deferred":
          await job.moveToDelayed(release.untilMs, token);
          throw new DelayedError();
      }
    },
    {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      lockRenewTime: options.lockDurationMs / 4,
      stalledInterval: options.stalledIntervalMs,
      // effectively unlimited: the store keeps the job running, and a restart would enqueue it again anyway
      maxStalledCount: 1_000_000,
    },
  );
  worker.on("error", (error) => post({ kind: "error", message: error.message, stack: error.stack }));
  worker.on("lockRenewalFailed", (ids) => post({ kind: "lost", ids }));
  port.on("message", (message: ToConsumer) => {
    if (message.kind === "released") {
      releases.get(message.id)?.(message.release);
      releases.delete(message.id);
      return;
    }
    // takes no more ids; the close ends once every id held was released
    closing = true;
    void worker
      .close()
      .catch(() => undefined)
      .then(() => {
        connection.disconnect();
        post({ kind: "closed" });
      });
  });
}
