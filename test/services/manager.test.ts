import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { BullMQQueue, createDataset, createTrainingPool, JobManager, ModelService, type JobManagerOptions } from "../../src/services/index.js";
import { DEFAULT_TENANT, type JobEvent, type JobRecord } from "../../src/store/index.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { datasetFromJson, parseModelSpec, TrainingSpec, type ModelSpecInput, type TrainingSpecInput } from "../../src/schema/index.js";
import { safetensors } from "../../src/tensor/index.js";
import { loadFixture, type RefTensor } from "../helpers/fixtures.js";
import { rows } from "../helpers/seed.js";
import { redisAvailable, TEST_REDIS_URL } from "../helpers/services.js";
import { waitUntil } from "./queue_contract.js";

interface Run {
  config: { in_features: number; layers: { type: string; out_features?: number }[]; seed: number; loss: "cross_entropy" | "mse_loss"; optimizer: Record<string, unknown>; batch_size: number; shuffle: boolean; drop_last: boolean; epochs: number };
  X: RefTensor;
  y: RefTensor;
  losses: number[];
}
const runs = loadFixture<{ runs: Run[] }>("trajectories.json").runs;


const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function open(dir: string, threads = 2, checkpointIntervalMs = 1000, options: Partial<JobManagerOptions> = {}) {
  const store = SqliteStore.open({ path: join(dir, "kiln.db") });
  const manager = new JobManager({ store, pool: createTrainingPool(threads), concurrency: threads, maxQueuedJobs: 10, maxEpochs: 100_000, maxJobSteps: 100_000_000, checkpointIntervalMs, ...options });
  return { store, manager };
}

/** The manager's log lines, as pino would get them. */
function collectingLog(): { log: NonNullable<JobManagerOptions["log"]>; lines: (Record<string, unknown> & { msg: string })[] } {
  const lines: (Record<string, unknown> & { msg: string })[] = [];
  const line = (obj: object, msg: string): void => void lines.push({ ...obj, msg });
  return { log: { info: line, warn: line, error: line }, lines };
}

/** Resolves once the job's published events include step `step`. */
function reachStep(manager: JobManager, id: string, step: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const off = manager.subscribe(id, (events) => events.some((e) => e.type === "progress" && (e.data as { step: number }).step >= step) && (off(), resolve()));
  });
}

async function setup(run: Run, manager: JobManager, store: SqliteStore): Promise<TrainingSpecInput> {
  const c = run.config;
  const model = await new ModelService(store, { maxParams: 1e7, maxResponseValues: 1e6, maxPredictWork: 2e8 }).create(parseModelSpec({ input_shape: [c.in_features], layers: c.layers, seed: c.seed } as ModelSpecInput), DEFAULT_TENANT.id);
  const y = run.y.shape.length === 1 ? (run.y.data as number[]) : rows(run.y);
  const ds = await createDataset(store, datasetFromJson({ features: rows(run.X), labels: y }, { maxSamples: 1e6 }), null, DEFAULT_TENANT.id);
  void manager;
  return { model_id: model.id, dataset_id: ds.id, loss: c.loss, optimizer: c.optimizer, epochs: c.epochs, batch_size: c.batch_size, shuffle: c.shuffle, drop_last: c.drop_last } as TrainingSpecInput;
}

function waitDone(manager: JobManager, store: SqliteStore, id: string): Promise<JobRecord> {
  return new Promise((resolve, reject) => {
    const unsubscribe = manager.subscribe(id, (events) => {
      if (events.some((e) => e.type === "done")) {
        unsubscribe();
        store.getJob(id).then((j) => resolve(j!), reject);
      }
    });
  });
}

const progressLosses = (events: JobEvent[]): number[] => events.filter((e) => e.type === "progress").map((e) => (e.data as { loss: number }).loss);

describe("JobManager on real worker threads and a real SQLite file", () => {
  it("trains a job to PyTorch's losses, stores its events in order and updates the model", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kiln-jobs-"));
    const { store, manager } = open(dir);
    cleanups.push(async () => {
      await manager.shutdown();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await manager.start();
    const run = runs[0]!;
    const spec = TrainingSpec.parse(await setup(run, manager, store));
    const before = (await store.getModel(spec.model_id))!;
    const { job } = await manager.submit(spec, DEFAULT_TENANT.id);
    const done = await waitDone(manager, store, job.id);
    expect(done.status).toBe("succeeded");
    const events = await store.listEvents(job.id, 0);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ type: "status", data: { status: "queued" } });
    expect(events.at(-1)!.type).toBe("done");
    const losses = progressLosses(events);
    expect(losses.length).toBe(run.losses.length);
    losses.forEach((l, i) => expect(Math.abs(l - run.losses[i]!)).toBeLessThan(3e-5 * run.losses[i]! + 1e-7));
    const after = (await store.getModel(spec.model_id))!;
    expect(after.version).toBe(before.version + 1);
    expect(safetensors.parse(after.weights).tensors["layers.0.weight"]!.tolist()).not.toEqual(safetensors.parse(before.weights).tensors["layers.0.weight"]!.tolist());
  });

  it("cancels a running job within a step and leaves the weights alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kiln-jobs-"));
    const { store, manager } = open(dir);
    cleanups.push(async () => {
      await manager.shutdown();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await manager.start();
    const spec = TrainingSpec.parse({ ...(await setup(runs[0]!, manager, store)), epochs: 500 });
    const before = (await store.getModel(spec.model_id))!;
    const { job } = await manager.submit(spec, DEFAULT_TENANT.id);
    const done = waitDone(manager, store, job.id);
    await new Promise<void>((resolve) => {
      const off = manager.subscribe(job.id, (events) => events.some((e) => e.type === "progress") && (off(), resolve()));
    });
    await manager.cancel(job.id, DEFAULT_TENANT.id);
    const ended = await done;
    expect(ended.status).toBe("cancelled");
    expect((await store.getModel(spec.model_id))!.version).toBe(before.version);
    await expect(manager.cancel(job.id, DEFAULT_TENANT.id)).rejects.toThrow(/already been cancelled/);
  });

  it("suspends on shutdown and resumes after a restart to the same losses as an uninterrupted run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kiln-jobs-"));
    let { store, manager } = open(dir, 1, 0);
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    await manager.start();
    const run = runs[1]!;
    // long enough that the worker cannot finish it between step 20 and the shutdown (60 epochs
    // could, on a loaded machine, and the job was then found succeeded instead of running)
    const spec = TrainingSpec.parse({ ...(await setup(run, manager, store)), epochs: 600 });
    const { job } = await manager.submit(spec, DEFAULT_TENANT.id);
    await reachStep(manager, job.id, 20);
    await manager.shutdown();
    expect((await store.getJob(job.id))!.status).toBe("running");
    await store.close();

    ({ store, manager } = open(dir, 1, 0));
    cleanups.push(async () => {
      await manager.shutdown();
      await store.close();
    });
    const done = waitDone(manager, store, job.id);
    await manager.start();
    expect((await done).status).toBe("succeeded");
    const resumed = progressLosses(await store.listEvents(job.id, 0));

    // the same job without interruption, on the same data and a model with the same seed
    const spec2 = TrainingSpec.parse({ ...(await setup(run, manager, store)), epochs: 600 });
    const { job: job2 } = await manager.submit(spec2, DEFAULT_TENANT.id);
    await waitDone(manager, store, job2.id);
    const uninterrupted = progressLosses(await store.listEvents(job2.id, 0));
    expect(resumed).toEqual(uninterrupted);
    const w1 = safetensors.parse((await store.getModel(spec.model_id))!.weights).tensors;
    const w2 = safetensors.parse((await store.getModel(spec2.model_id))!.weights).tensors;
    for (const key of Object.keys(w1)) expect(w1[key]!.tolist()).toEqual(w2[key]!.tolist());
  });
});

describe("JobManager: a run that another run took the job from", () => {
  it("stops its worker at the next step once a write is refused as superseded, and writes, publishes and ends nothing more", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kiln-jobs-"));
    const { log, lines } = collectingLog();
    const { store, manager } = open(dir, 1, 100, { log });
    // another process's connection to the same database
    const other = SqliteStore.open({ path: join(dir, "kiln.db") });
    cleanups.push(async () => {
      await manager.shutdown();
      await store.close();
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await manager.start();
    const spec = TrainingSpec.parse({ ...(await setup(runs[1]!, manager, store)), epochs: 100_000 });
    const model = await store.getModel(spec.model_id);
    const { job } = await manager.submit(spec, DEFAULT_TENANT.id);
    const published: JobEvent[] = [];
    manager.subscribe(job.id, (events) => published.push(...events));
    await reachStep(manager, job.id, 50);

    const taken = (await other.beginAttempt(job.id))!; // another trainer resumes the job
    expect(taken.attempt).toBe(2);
    await waitUntil(async () => (await manager.stats()).running === 0, "the run's worker stopped and its handler settled");
    expect(lines).toContainEqual(expect.objectContaining({ msg: "job abandoned to another run", jobId: job.id, attempt: 1, reason: "another run of the job began" }));
    expect(lines.filter((l) => l.msg === "job failed to run" || l.msg === "job finished")).toEqual([]);
    // nothing of the first run landed after the second one began, nor reached this process's subscribers
    expect((await store.listEvents(job.id)).at(-1)!.seq).toBe(taken.lastSeq);
    expect(Math.max(...published.map((e) => e.seq))).toBeLessThanOrEqual(taken.lastSeq);
    expect(await store.getJob(job.id)).toMatchObject({ status: "running" });
    expect(await store.getModel(spec.model_id)).toStrictEqual(model);
  });
});

describe("JobManager: a run whose store write fails", () => {
  it("stops its worker and leaves the job running in the store, to be resumed, instead of training on or crashing the process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kiln-jobs-"));
    const { log, lines } = collectingLog();
    const { store, manager } = open(dir, 1, 100, { log });
    cleanups.push(async () => {
      await manager.shutdown();
      rmSync(dir, { recursive: true, force: true });
    });
    await manager.start();
    const spec = TrainingSpec.parse({ ...(await setup(runs[1]!, manager, store)), epochs: 100_000 });
    const { job } = await manager.submit(spec, DEFAULT_TENANT.id);
    await reachStep(manager, job.id, 50);
    await waitUntil(async () => (await store.getCheckpoint(job.id)) !== null, "the job's first checkpoint");

    await store.close(); // every write from now on throws (an unhandled one would end the process)
    await waitUntil(async () => (await manager.stats()).running === 0, "the run's worker stopped and its handler settled");
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: "job abandoned to another run", jobId: job.id, reason: expect.stringMatching(/^a store write failed: /) }),
    );
    const reopened = SqliteStore.open({ path: join(dir, "kiln.db") });
    try {
      expect(await reopened.getJob(job.id)).toMatchObject({ status: "running" });
      expect(await reopened.getCheckpoint(job.id)).not.toBeNull();
    } finally {
      await reopened.close();
    }
  });
});

const redisUp = await redisAvailable();

describe.skipIf(!redisUp)("JobManager on a BullMQ queue that loses a job's lock", () => {
  it("stops the run, and the job, handed out again once its lock lapses, resumes to an uninterrupted run's losses", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kiln-jobs-"));
    const prefix = `kiln-test-${randomUUID()}`;
    const redis = new Redis(TEST_REDIS_URL);
    const { log, lines } = collectingLog();
    const queue = new BullMQQueue({ url: TEST_REDIS_URL, prefix, lockDurationMs: 1000, stalledIntervalMs: 500, log });
    const { store, manager } = open(dir, 1, 50, { queue, log });
    cleanups.push(async () => {
      await manager.shutdown();
      await store.close();
      const admin = new Queue("kiln-jobs", { connection: redis, prefix });
      await admin.obliterate({ force: true });
      await admin.close();
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    });
    await manager.start();
    const run = runs[1]!;
    const spec = TrainingSpec.parse({ ...(await setup(run, manager, store)), epochs: 3000 });
    const { job } = await manager.submit(spec, DEFAULT_TENANT.id);
    const done = waitDone(manager, store, job.id);
    await reachStep(manager, job.id, 50);
    await redis.del(`${prefix}:kiln-jobs:${job.id}:lock`); // as if it had expired while this process stood still

    expect((await done).status).toBe("succeeded");
    expect(lines).toContainEqual(expect.objectContaining({ msg: "job abandoned to another run", jobId: job.id, attempt: 1, reason: "the job queue lost the job's lock" }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: "job resumed", jobId: job.id, attempt: 2 }));
    // the abandoned run left the id alone in Redis (moving it would have failed: "Lock mismatch")
    expect(lines.filter((l) => l.msg === "job queue worker error").map((l) => (l.err as Error).message)).toEqual([`could not renew lock for job ${job.id}`]);
    const resumed = await store.listEvents(job.id, 0);
    expect(resumed.map((e) => e.seq)).toEqual(resumed.map((_, i) => i + 1));

    const spec2 = TrainingSpec.parse({ ...(await setup(run, manager, store)), epochs: 3000 });
    const { job: job2 } = await manager.submit(spec2, DEFAULT_TENANT.id);
    await waitDone(manager, store, job2.id);
    const uninterrupted = await store.listEvents(job2.id, 0);
    expect(progressLosses(resumed)).toEqual(progressLosses(uninterrupted));
    expect(resumed.map((e) => e.type)).toEqual(uninterrupted.map((e) => e.type));
    const w1 = safetensors.parse((await store.getModel(spec.model_id))!.weights).tensors;
    const w2 = safetensors.parse((await store.getModel(spec2.model_id))!.weights).tensors;
    for (const key of Object.keys(w1)) expect(w1[key]!.tolist()).toEqual(w2[key]!.tolist());
  });
});
