/**
 * EventRetention over a real SQLite store: a pass deletes, in steps, the progress events of jobs
 * that ended more than `days` ago and of any job beyond its last `keepLastEvents`; stop() ends a
 * pass after its current step.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EventRetention } from "../../src/services/index.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { storeJobHistory } from "../helpers/job_history.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function openStore(): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), "kiln-retention-"));
  const store = SqliteStore.open({ path: join(dir, "kiln.db") });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close());
  return store;
}

const daysAgo = (days: number): string => new Date(Date.now() - days * 24 * 60 * 60 * 1000).toISOString();

async function typesOf(store: SqliteStore, jobId: string): Promise<string[]> {
  return [...new Set((await store.listEvents(jobId)).map((e) => e.type))];
}

describe("EventRetention", () => {
  it("deletes the progress events of jobs that ended more than `days` ago, and of any job beyond its last `keepLastEvents`", async () => {
    const store = openStore();
    const old = await storeJobHistory(store, { steps: 300_000, finishedAt: daysAgo(31) }); // more rows than one step deletes
    const recent = await storeJobHistory(store, { steps: 1000, finishedAt: daysAgo(29) });
    const long = await storeJobHistory(store, { steps: 50_000, finishedAt: null });
    const retention = new EventRetention(store, { days: 30, keepLastEvents: 20_000 });
    cleanups.push(() => retention.stop());
    expect(await retention.pass()).toBeGreaterThan(32);
    expect(await typesOf(store, old.job.id)).toEqual(["status", "epoch", "done"]);
    expect(await store.listEvents(recent.job.id)).toHaveLength(recent.lastSeq);
    const kept = await store.listEvents(long.job.id);
    // the last 20,000 events in full, and the rows before them that reach into them
    expect(kept.at(-1)!.seq).toBe(long.lastSeq);
    expect(kept.length).toBeGreaterThanOrEqual(20_000);
    expect(kept.length).toBeLessThan(20_000 + 2 * 4096 + 10);
    expect(await retention.pass()).toBe(0);
  });

  it("stops a pass after its current step", async () => {
    const store = openStore();
    const old = await storeJobHistory(store, { steps: 300_000, finishedAt: daysAgo(60) });
    const retention = new EventRetention(store, { days: 30, keepLastEvents: 1_000_000 });
    const pass = retention.pass();
    await retention.stop();
    expect(await pass).toBeGreaterThan(0);
    expect(await typesOf(store, old.job.id)).toContain("progress");
  });
});
