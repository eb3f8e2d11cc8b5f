import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Worker } from "node:worker_threads";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { BullMQQueue, type BullMQQueueOptions } from "../../src/services/bullmq_queue.js";
import { redisAvailable, TEST_REDIS_URL } from "../helpers/services.js";
import { queueContract, sleep, waitUntil } from "./queue_contract.js";

const available = await redisAvailable();

// short locks, so a dead consumer's job moves on within seconds (lock + up to two stall checks)
const LOCK_MS = 1000;
const STALLED_MS = 500;

/** A fresh key prefix, so that no two tests see each other's jobs. */
const newPrefix = (): string => `kiln-test-${randomUUID()}`;

/** Deletes every key of the queue under `prefix`. */
async function obliterate(prefix: string): Promise<void> {
  const connection = new Redis(TEST_REDIS_URL);
  const admin = new Queue("kiln-jobs", { connection, prefix });
  await admin.obliterate({ force: true });
  await admin.close();
  await connection.quit();
}

describe.skipIf(!available)("BullMQQueue", () => {
  queueContract("BullMQ", async () => {
    const prefix = newPrefix();
    const queue = new BullMQQueue({ url: TEST_REDIS_URL, prefix });
    return {
      queue,
      cleanup: async () => {
        await queue.close();
        await obliterate(prefix);
      },
    };
  });

  // the queues, consumer processes and prefix of the running test, cleaned up after it
  let prefix = newPrefix();
  const opened: BullMQQueue[] = [];
  const children: ChildProcess[] = [];
  const open = (options: Partial<BullMQQueueOptions> = {}): BullMQQueue => {
    const queue = new BullMQQueue({ url: TEST_REDIS_URL, prefix, lockDurationMs: LOCK_MS, stalledIntervalMs: STALLED_MS, ...options });
    opened.push(queue);
    return queue;
  };
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    await Promise.all(opened.splice(0).map((q) => q.close()));
    await obliterate(prefix);
    prefix = newPrefix();
  });

  /** A handler that records the ids it starts and holds each until released. */
  function holding(): { handler: (id: string) => Promise<void>; started: string[]; release: (id: string) => void; peak: () => number } {
    const started: string[] = [];
    const waiting = new Map<string, () => void>();
    let running = 0;
    let peak = 0;
    const handler = async (id: string): Promise<void> => {
      started.push(id);
      peak = Math.max(peak, ++running);
      await new Promise<void>((r) => waiting.set(id, r));
      running--;
    };
    const release = (id: string): void => {
      waiting.get(id)!();
      waiting.delete(id);
    };
    return { handler, started, release, peak: () => peak };
  }

  it("shares the work between consumers in two processes, each id to one of them", async () => {
    const [a, b] = [open(), open()];
    const [ha, hb] = [holding(), holding()];
    a.consume(ha.handler, 2);
    b.consume(hb.handler, 2);
    const ids = ["j1", "j2", "j3", "j4", "j5", "j6"];
    for (const id of ids) await a.enqueue(id);
    await waitUntil(() => ha.started.length + hb.started.length === 4, "both consumers are full");
    await sleep(200);
    expect([ha.started.length, hb.started.length]).toEqual([2, 2]);
    expect(await a.counts()).toEqual({ waiting: 2, active: 2 });
    expect(await b.counts()).toEqual({ waiting: 2, active: 2 });
    // release everything as it starts, until every id ran
    const released = new Set<string>();
    await waitUntil(() => {
      for (const h of [ha, hb]) {
        for (const id of h.started.filter((id) => !released.has(id))) {
          released.add(id);
          h.release(id);
        }
      }
      return released.size === ids.length;
    }, "every id ran");
    await sleep(200);
    expect([...ha.started, ...hb.started].sort()).toEqual(ids);
    expect([ha.peak(), hb.peak()]).toEqual([2, 2]);
  });

  it("ignores the enqueueing of an id that is waiting or running, from any process", async () => {
    const [a, b] = [open(), open()];
    const h = holding();
    a.consume(h.handler, 1);
    await b.enqueue("running");
    await b.enqueue("queued");
    await waitUntil(() => h.started.length === 1, "the first id runs");
    for (const q of [a, b]) {
      await q.enqueue("running");
      await q.enqueue("queued");
    }
    expect(await a.counts()).toEqual({ waiting: 1, active: 1 });
    h.release("running");
    await waitUntil(() => h.started.length === 2, "the second id runs");
    h.release("queued");
    await sleep(300);
    expect(h.started).toEqual(["running", "queued"]);
    expect(await a.counts()).toEqual({ waiting: 0, active: 0 });
  });

  it("runs again an id enqueued after its handler settled or failed", async () => {
    const queue = open();
    const seen: string[] = [];
    queue.consume(async (id) => {
      seen.push(id);
      if (id === "bad") throw new Error("boom");
    }, 1);
    const connection = new Redis(TEST_REDIS_URL);
    const admin = new Queue("kiln-jobs", { connection, prefix });
    // the id leaves Redis just after its handler settles
    const gone = async (id: string): Promise<boolean> => (await admin.getJobState(id)) === "unknown";
    try {
      for (let round = 1; round <= 2; round++) {
        await queue.enqueue("good");
        await queue.enqueue("bad");
        await waitUntil(async () => seen.length === 2 * round && (await gone("good")) && (await gone("bad")), `round ${round} ran`);
      }
    } finally {
      await admin.close();
      await connection.quit();
    }
    expect(seen).toEqual(["good", "bad", "good", "bad"]);
  });

  it("puts back, at the front, an id whose handler settles after close began (a job suspended at shutdown)", async () => {
    const [a, b] = [open(), open()];
    const h = holding();
    a.consume(h.handler, 1);
    await a.enqueue("suspended");
    await a.enqueue("next");
    await waitUntil(() => h.started.length === 1, "the first id runs");
    const closed = a.close();
    h.release("suspended");
    await closed;
    expect(await b.counts()).toEqual({ waiting: 2, active: 0 });
    const seen: string[] = [];
    b.consume(async (id) => void seen.push(id), 1);
    await waitUntil(() => seen.length === 2, "the other consumer ran both");
    expect(seen).toEqual(["suspended", "next"]);
    expect(h.started).toEqual(["suspended"]);
  });

  it("tells a handler that its lock was lost, and leaves the id it abandons to the consumer that takes it over", async () => {
    const [a, b] = [open({ log: { error: () => {} } }), open()]; // a's lock renewal fails: expected, not worth a line
    let lost: AbortSignal | null = null;
    const again: string[] = [];
    a.consume(async (id, signal) => {
      if (lost !== null) return void again.push(`a:${id}`);
      lost = signal;
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
      return "abandoned";
    }, 1);
    await a.enqueue("taken");
    await waitUntil(() => lost !== null, "a runs the id");
    b.consume(async (id) => void again.push(`b:${id}`), 1);
    const connection = new Redis(TEST_REDIS_URL);
    try {
      await connection.del(`${prefix}:kiln-jobs:taken:lock`); // as if it had expired
    } finally {
      await connection.quit();
    }
    await waitUntil(() => lost!.aborted, "a's next renewal finds the lock gone", 2 * LOCK_MS);
    // neither completed (removed from Redis) nor moved by a: a stall check hands it out again
    await waitUntil(() => again.length === 1, "the id runs again", LOCK_MS + 3 * STALLED_MS + 1000);
    await sleep(200);
    expect(again.map((s) => s.slice(2))).toEqual(["taken"]);
  });

  /** A consumer process (bullmq_consumer.ts) on this test's queue; `output()` is what it printed so far. */
  function consumerProcess(concurrency = 1): { child: ChildProcess; output: () => string } {
    const script = fileURLToPath(new URL("./bullmq_consumer.ts", import.meta.url));
    const args = ["--import", "tsx", script, TEST_REDIS_URL, prefix, String(LOCK_MS), String(STALLED_MS), String(concurrency)];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    return { child, output: () => output };
  }

  it("keeps renewing the locks of the ids it holds while the main thread is blocked past them", async () => {
    const holder = open();
    const h = holding();
    let lost: AbortSignal | null = null;
    holder.consume((id, signal) => ((lost = signal), h.handler(id)), 1);
    await holder.enqueue("held");
    await waitUntil(() => h.started.length === 1, "the id runs here");
    // another process takes any id whose lock lapses (the probe shows it consumes)
    const other = consumerProcess(2);
    await holder.enqueue("probe");
    await waitUntil(() => other.output().includes("started probe"), "the other process consumes", 20_000);

    // this thread stands still for three lock durations, as under a heavy request
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3 * LOCK_MS);
    // as long again as a lapsed lock would take to reach the other process
    await sleep(LOCK_MS + 3 * STALLED_MS);
    expect(other.output()).not.toContain("started held");
    expect(lost!.aborted).toBe(false);
    h.release("held");
  });

  it("fails its ping, and tells its handlers their ids are lost, when its consumer thread stops", async () => {
    const failures: string[] = [];
    const queue = open({ log: { error: (_obj, msg) => void failures.push(msg) } });
    let lost: AbortSignal | null = null;
    queue.consume(async (_id, signal) => {
      lost = signal;
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
      return "abandoned";
    }, 1);
    await queue.enqueue("held");
    await waitUntil(() => lost !== null, "the id runs");
    await (queue as unknown as { consumer: Worker }).consumer.terminate(); // as if it had crashed
    await waitUntil(() => lost!.aborted, "the handler hears that nothing renews its lock");
    await expect(queue.ping()).rejects.toThrow(/consumer thread stopped/);
    expect(failures).toContain("job queue consumer stopped");
  });

  it("hands the job of a consumer process that died to another consumer once its lock expires", async () => {
    const survivor = open();
    await survivor.enqueue("orphan");
    const { child, output } = consumerProcess();
    await waitUntil(() => output().includes("started orphan"), "the consumer process runs the job", 20_000);

    const seen: string[] = [];
    survivor.consume(async (id) => void seen.push(id), 1);
    // the live process renews its lock: the job stays its own for well over a lock duration
    await sleep(3 * LOCK_MS);
    expect(seen).toEqual([]);

    child.kill("SIGKILL");
    const killedAt = Date.now();
    await waitUntil(() => seen.length === 1, "the survivor takes the job over", 10_000);
    expect(seen).toEqual(["orphan"]);
    expect(Date.now() - killedAt).toBeLessThan(LOCK_MS + 3 * STALLED_MS + 1000);
  });
});
