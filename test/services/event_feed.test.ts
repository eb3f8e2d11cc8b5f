/**
 * JobEventFeed over a real SQLite store and a real job manager: replays in pages bounded by
 * events, past retention's gaps, then live events as the manager publishes them, and a reader too
 * slow for a running job's live events gets them from the store instead, each once and in order.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createDataset, createTrainingPool, EVENT_PAGE, JobEventFeed, JobManager, ModelService } from "../../src/services/index.js";
import { datasetFromJson, parseModelSpec, TrainingSpec } from "../../src/schema/index.js";
import { DEFAULT_TENANT, type JobEvent } from "../../src/store/index.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { storeJobHistory } from "../helpers/job_history.js";
import { dataset, MODEL } from "../http/support/training.js";
import { waitUntil } from "./queue_contract.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A store in a temporary directory and a job manager over it, started (training on `workers` threads). */
async function open(workers = 0): Promise<{ store: SqliteStore; jobs: JobManager }> {
  const dir = mkdtempSync(join(tmpdir(), "kiln-feed-"));
  const store = SqliteStore.open({ path: join(dir, "kiln.db") });
  const jobs = new JobManager({ store, pool: workers > 0 ? createTrainingPool(workers) : null, concurrency: workers, maxQueuedJobs: 10, maxEpochs: 1000, maxJobSteps: 1_000_000 });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close(), () => jobs.shutdown());
  await jobs.start();
  return { store, jobs };
}

/** A feed after `afterSeq`, closed after the test. */
function feedOf(source: { store: SqliteStore; jobs: JobManager }, jobId: string, afterSeq = 0, signal = new AbortController().signal): JobEventFeed {
  const feed = new JobEventFeed(source, jobId, afterSeq, signal);
  cleanups.push(() => feed.close());
  return feed;
}

/** Every page until the feed is over. */
async function drain(feed: JobEventFeed): Promise<JobEvent[][]> {
  const pages: JobEvent[][] = [];
  for (let page = await feed.next(); page !== null; page = await feed.next()) pages.push(page);
  return pages;
}

/** A queued job of the seed-like model on `samples` samples (it runs if the manager has workers). */
async function submit(jobs: JobManager, store: SqliteStore, samples: number, epochs: number): Promise<string> {
  const model = await new ModelService(store, { maxParams: 1e6, maxResponseValues: 1e6, maxPredictWork: 2e8 }).create(parseModelSpec(MODEL), DEFAULT_TENANT.id);
  const data = await createDataset(store, datasetFromJson(dataset(samples), { maxSamples: 1e6 }), null, DEFAULT_TENANT.id);
  const spec = TrainingSpec.parse({ model_id: model.id, dataset_id: data.id, loss: "cross_entropy", optimizer: { type: "SGD", lr: 0.01 }, epochs, batch_size: 1 });
  return (await jobs.submit(spec, DEFAULT_TENANT.id)).job.id;
}

describe("JobEventFeed", () => {
  it("replays a long history in pages of at most EVENT_PAGE events, each once and in order, ending after done", async () => {
    const source = await open();
    const { job, lastSeq } = await storeJobHistory(source.store, { steps: 25_000 });
    const pages = await drain(feedOf(source, job.id));
    expect(Math.max(...pages.map((p) => p.length))).toBe(EVENT_PAGE);
    const events = pages.flat();
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    expect(events.at(-1)!.type).toBe("done");
  });

  it("resumes after an event id, also one inside a gap that retention left", async () => {
    const source = await open();
    const { job, lastSeq } = await storeJobHistory(source.store, { steps: 25_000, finishedAt: "2025-01-01T00:00:00.000Z" });
    expect((await drain(feedOf(source, job.id, 20_000))).flat()[0]!.seq).toBe(20_001);
    for (let cursor: string | null = null, done = false; !done; ) {
      ({ cursor, done } = await source.store.pruneEvents({ endedBefore: "2025-06-01T00:00:00.000Z", keepLast: 1 }, cursor, { maxJobs: 10, maxRows: 100 }));
    }
    // left: queued, running, the three epochs (after steps 10,000, 20,000 and 25,000), succeeded, done
    const events = (await drain(feedOf(source, job.id, 5000))).flat();
    expect(events.map((e) => e.type)).toEqual(["epoch", "epoch", "epoch", "status", "done"]);
    expect(events.map((e) => e.seq)).toEqual([10_003, 20_004, 25_005, lastSeq - 1, lastSeq]);
  });

  it("ends at once for a finished job whose last event the reader has", async () => {
    const source = await open();
    const { job, lastSeq } = await storeJobHistory(source.store, { steps: 10 });
    expect(await feedOf(source, job.id, lastSeq).next()).toBeNull();
  });

  it("hands on live events once caught up: a queued job cancelled meanwhile ends it", async () => {
    const source = await open();
    const id = await submit(source.jobs, source.store, 8, 1);
    const feed = feedOf(source, id);
    expect((await feed.next())!.map((e) => e.type)).toEqual(["status"]);
    const live = feed.next();
    await source.jobs.cancel(id, DEFAULT_TENANT.id);
    expect((await live)!.map((e) => [e.seq, e.type])).toEqual([[2, "status"], [3, "done"]]);
    expect(await feed.next()).toBeNull();
  });

  it("ends when its signal aborts, while waiting for live events", async () => {
    const source = await open();
    const id = await submit(source.jobs, source.store, 8, 1);
    const controller = new AbortController();
    const feed = feedOf(source, id, 1, controller.signal);
    const waiting = feed.next();
    controller.abort();
    expect(await waiting).toBeNull();
  });

  it("gives a reader that falls behind a running job's live events every event from the store, once and in order", async () => {
    const source = await open(1);
    const id = await submit(source.jobs, source.store, 2000, 10); // 20,000 steps
    const feed = feedOf(source, id);
    const events: JobEvent[] = [];
    // caught up with the running job (the feed subscribed to its live events)...
    while (!events.some((e) => e.type === "progress")) events.push(...(await feed.next())!);
    // ...the reader takes nothing more while the job runs: far more than the feed holds for it
    await waitUntil(async () => (await source.store.getJob(id))!.status === "succeeded", "the job ends", 60_000);
    for (let page = await feed.next(); page !== null; page = await feed.next()) events.push(...page);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    expect(events.filter((e) => e.type === "progress")).toHaveLength(20_000);
    expect(events.at(-1)!.type).toBe("done");
  });
});
