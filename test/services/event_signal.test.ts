/**
 * Streams of jobs that run in another process: a store tail reads a job's new events when the
 * trainer signals them (Redis publish/subscribe), not only at its poll interval.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RedisEventSignal } from "../../src/services/event_signal.js";
import { EventTail } from "../../src/services/event_tail.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { JobEvent } from "../../src/store/types.js";
import { redisAvailable, TEST_REDIS_URL } from "../helpers/services.js";
import { progressEvent, statusEvent, storeJob } from "../store/contract.js";
import { waitUntil } from "./queue_contract.js";

/** Longer than any test here: a tail that delivers did so because it was told to. */
const NEVER_MS = 600_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function storeWithJob(): Promise<{ store: SqliteStore; jobId: string }> {
  const dir = mkdtempSync(join(tmpdir(), "kiln-tail-"));
  const store = SqliteStore.open({ path: join(dir, "kiln.db") });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close());
  const { job } = await storeJob(store);
  return { store, jobId: job.id };
}

describe("EventTail", () => {
  it("reads what was stored after the subscriber's last event when told to, and stops after done", async () => {
    const { store, jobId } = await storeWithJob();
    const got: JobEvent[] = [];
    const tail = new EventTail(store, jobId, (events) => got.push(...events), NEVER_MS, () => false, () => 1);
    cleanups.push(() => tail.stop());
    await store.appendEvents(jobId, [progressEvent(1), progressEvent(2)]);
    tail.pollNow();
    await waitUntil(() => got.length === 2, "the two new events");
    expect(got.map((e) => e.seq)).toEqual([2, 3]);
    await store.appendEvents(jobId, [{ type: "done", data: {} }]);
    tail.pollNow();
    await waitUntil(() => got.length === 3, "the done event");
    await store.appendEvents(jobId, [statusEvent("running")]);
    tail.pollNow(); // stopped: reads nothing more
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map((e) => e.type)).toEqual(["progress", "progress", "done"]);
  });
});

const redisUp = await redisAvailable();

describe.skipIf(!redisUp)("RedisEventSignal", () => {
  it("hands a job id notified by one process to the listeners of every process", async () => {
    const channel = `kiln-test:${randomUUID()}:events`;
    const [a, b] = [new RedisEventSignal(TEST_REDIS_URL, channel), new RedisEventSignal(TEST_REDIS_URL, channel)];
    cleanups.push(() => a.close(), () => b.close());
    const heard: string[] = [];
    a.listen((id) => heard.push(id));
    // subscribing takes a round trip: notify until the first one is heard
    await waitUntil(() => {
      if (heard.length === 0) b.notify("job_first");
      return heard.length > 0;
    }, "the subscription");
    heard.length = 0;
    b.notify("job_x");
    a.notify("job_y");
    await waitUntil(() => heard.includes("job_x") && heard.includes("job_y"), "both ids");
  });
});
