import { describe, expect, it } from "vitest";
import { DEFER_MS, type JobQueue } from "../../src/services/queue.js";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true; a queue on a server takes a few round trips to react. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

/**
 * How long a queue that is not going to hand out an id is given to (wrongly) hand it out: enough
 * for a few round trips to a local server.
 */
const SETTLE_MS = 200;

/** What every JobQueue must do; run it for each implementation. */
export function queueContract(name: string, make: () => Promise<{ queue: JobQueue; cleanup: () => Promise<void> }>): void {
  describe(`JobQueue contract: ${name}`, () => {
    it("answers a ping while its server is up", async () => {
      const { queue, cleanup } = await make();
      await expect(queue.ping()).resolves.toBeUndefined();
      await cleanup();
    });

    it("counts its consumer while it consumes, and its ids by state", async () => {
      const { queue, cleanup } = await make();
      expect(await queue.consumers()).toBe(0);
      await queue.enqueue("a");
      await queue.enqueue("b");
      expect(await queue.depth()).toEqual({ waiting: 2, deferred: 0, active: 0 });
      const release = new Map<string, () => void>();
      queue.consume((id) => new Promise<void>((r) => release.set(id, r)), 1);
      await waitUntil(async () => (await queue.consumers()) === 1, "the consumer is connected");
      await waitUntil(() => release.has("a"), "a runs");
      expect(await queue.depth()).toEqual({ waiting: 1, deferred: 0, active: 1 });
      release.get("a")!();
      await waitUntil(() => release.has("b"), "b runs");
      release.get("b")!();
      await waitUntil(async () => (await queue.depth()).active === 0, "b settled");
      expect(await queue.depth()).toEqual({ waiting: 0, deferred: 0, active: 0 });
      await queue.close();
      await waitUntil(async () => (await queue.consumers().catch(() => 0)) === 0, "the consumer is gone");
      await cleanup();
    });

    it("hands out ids in FIFO order, at most `concurrency` at once", async () => {
      const { queue, cleanup } = await make();
      const started: string[] = [];
      const release = new Map<string, () => void>();
      let peak = 0;
      let running = 0;
      queue.consume(async (id) => {
        started.push(id);
        peak = Math.max(peak, ++running);
        await new Promise<void>((r) => release.set(id, r));
        running--;
      }, 2);
      for (const id of ["a", "b", "c", "d"]) await queue.enqueue(id);
      await waitUntil(() => release.size === 2, "two ids run");
      await sleep(SETTLE_MS);
      expect(started).toEqual(["a", "b"]);
      expect(await queue.counts()).toEqual({ waiting: 2, active: 2 });
      release.get("b")!();
      await waitUntil(() => release.has("c"), "c runs");
      await sleep(SETTLE_MS);
      expect(started).toEqual(["a", "b", "c"]);
      release.get("a")!();
      release.get("c")!();
      await waitUntil(() => release.has("d"), "d runs");
      release.get("d")!();
      await waitUntil(async () => (await queue.counts()).active === 0, "every handler settled");
      expect(started).toEqual(["a", "b", "c", "d"]);
      expect(peak).toBe(2);
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0 });
      await cleanup();
    });

    it("removes a waiting id, but not a running one", async () => {
      const { queue, cleanup } = await make();
      const started: string[] = [];
      let finish = (): void => {};
      queue.consume(async (id) => {
        started.push(id);
        await new Promise<void>((r) => (finish = r));
      }, 1);
      await queue.enqueue("x");
      await queue.enqueue("y");
      await queue.enqueue("z");
      await waitUntil(() => started.length === 1, "x runs");
      expect(await queue.remove("y")).toBe(true);
      expect(await queue.remove("x")).toBe(false);
      expect(await queue.remove("nope")).toBe(false);
      finish();
      await waitUntil(() => started.length === 2, "the next id runs");
      expect(started).toEqual(["x", "z"]);
      finish();
      await cleanup();
    });

    it("keeps going after a handler fails", async () => {
      const { queue, cleanup } = await make();
      const seen: string[] = [];
      queue.consume(async (id) => {
        seen.push(id);
        if (id === "bad") throw new Error("boom");
      }, 1);
      await queue.enqueue("bad");
      await queue.enqueue("good");
      await waitUntil(() => seen.length === 2, "both ids ran");
      expect(seen).toEqual(["bad", "good"]);
      await cleanup();
    });

    it("serves tenants fairly: each tenant's first waiting id before any tenant's second, FIFO among equals", async () => {
      const { queue, cleanup } = await make();
      const started: string[] = [];
      let finish = (): void => {};
      queue.consume(async (id) => {
        started.push(id);
        await new Promise<void>((r) => (finish = r));
      }, 1);
      // tenant a queues four jobs; b and c one each, later
      for (let i = 0; i < 4; i++) await queue.enqueue(`a${i}`, { tenantId: "a", ahead: i });
      await waitUntil(() => started.length === 1, "a0 runs");
      await queue.enqueue("b0", { tenantId: "b", ahead: 0 });
      await queue.enqueue("b1", { tenantId: "b", ahead: 1 });
      await queue.enqueue("c0", { tenantId: "c", ahead: 0 });
      for (let n = 2; n <= 7; n++) {
        finish();
        await waitUntil(() => started.length === n, `${n} ids ran`);
      }
      expect(started).toEqual(["a0", "b0", "c0", "a1", "b1", "a2", "a3"]);
      finish();
      await cleanup();
    });

    it("hands a deferred id out again later, and meanwhile the ids behind it", async () => {
      const { queue, cleanup } = await make();
      const started: string[] = [];
      let deferrals = 0;
      queue.consume(async (id) => {
        started.push(id);
        if (id === "later" && deferrals++ === 0) return "deferred";
      }, 1);
      await queue.enqueue("later", { tenantId: "a", ahead: 0 });
      await queue.enqueue("other", { tenantId: "b", ahead: 1 });
      await waitUntil(() => started.length === 3, "the deferred id ran again", DEFER_MS + 10_000);
      expect(started).toEqual(["later", "other", "later"]);
      await waitUntil(async () => (await queue.counts()).waiting === 0, "nothing waits");
      await cleanup();
    });

    it("close waits for running handlers and hands out nothing more", async () => {
      const { queue, cleanup } = await make();
      const seen: string[] = [];
      let finished = false;
      queue.consume(async (id) => {
        seen.push(id);
        await sleep(30);
        finished = true;
      }, 1);
      await queue.enqueue("first");
      await queue.enqueue("second");
      await waitUntil(() => seen.length === 1, "first runs");
      await queue.close();
      expect(finished).toBe(true);
      await sleep(SETTLE_MS);
      expect(seen).toEqual(["first"]);
      await cleanup();
    });
  });
}
