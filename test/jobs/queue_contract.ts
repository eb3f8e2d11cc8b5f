import { describe, expect, it } from "vitest";
import type { JobQueue } from "../../src/jobs/queue.js";

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** What every JobQueue must do; run it for each implementation. */
export function queueContract(name: string, make: () => Promise<{ queue: JobQueue; cleanup: () => Promise<void> }>): void {
  describe(`JobQueue contract: ${name}`, () => {
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
      await tick();
      expect(started).toEqual(["a", "b"]);
      expect(queue.counts()).toEqual({ waiting: 2, active: 2 });
      release.get("b")!();
      await tick();
      expect(started).toEqual(["a", "b", "c"]);
      release.get("a")!();
      release.get("c")!();
      await tick();
      release.get("d")!();
      await tick();
      expect(started).toEqual(["a", "b", "c", "d"]);
      expect(peak).toBe(2);
      expect(queue.counts()).toEqual({ waiting: 0, active: 0 });
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
      await tick();
      expect(await queue.remove("y")).toBe(true);
      expect(await queue.remove("x")).toBe(false);
      expect(await queue.remove("nope")).toBe(false);
      finish();
      await tick();
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
      await tick(20);
      expect(seen).toEqual(["bad", "good"]);
      await cleanup();
    });

    it("close waits for running handlers and hands out nothing more", async () => {
      const { queue, cleanup } = await make();
      const seen: string[] = [];
      let finished = false;
      queue.consume(async (id) => {
        seen.push(id);
        await tick(30);
        finished = true;
      }, 1);
      await queue.enqueue("first");
      await queue.enqueue("second");
      await tick();
      await queue.close();
      expect(finished).toBe(true);
      await tick(40);
      expect(seen).toEqual(["first"]);
      await cleanup();
    });
  });
}
