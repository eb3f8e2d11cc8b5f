/**
 * Durability through real processes: the service (`node --import tsx src/http/server.ts`) is
 * killed with SIGKILL or stopped with SIGTERM in the middle of a training job, started again on
 * the same data directory, and the job must end exactly as an uninterrupted run of the same job
 * (same model spec and seed, same dataset): the same per-step losses from the event stream and
 * the same final weights, bit for bit. Plus event streams (replay, Last-Event-ID, live events)
 * over a real listening server.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { decodeCheckpoint, type TrainingCheckpoint } from "../../src/services/checkpoint.js";
import { runTraining } from "../../src/services/runner.js";
import { CONTROL, type TrainingMessage, type TrainingTask } from "../../src/services/task.js";
import { buildModel, parseModelSpec, TrainingSpec } from "../../src/schema/index.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { CheckpointRecord, JobRecord } from "../../src/store/index.js";
import { Generator, tensor } from "../../src/tensor/index.js";
import { Api, lossesOf, type JobLike, type SseEvent } from "./support/api.js";
import { serverProcessScope } from "./support/scope.js";
import { dataset, jobSpec, MODEL } from "./support/training.js";
import { startServer, type ServerProcess } from "./support/server_process.js";

/** Each of these tests takes 3 to 12 s here; the margin is for a machine busy with other tests. */
const TIMEOUT_MS = 180_000;

const { dataDir, streams } = serverProcessScope("kiln-crash-");

/** What must be identical between an interrupted and an uninterrupted run. */
interface RunResult {
  job: JobLike;
  events: SseEvent[];
  weights: unknown;
}

async function resultOf(api: Api, jobId: string, modelId: string): Promise<RunResult> {
  const job = await api.waitForJob(jobId);
  const events = await api.allEvents(jobId);
  const weights = (await api.get<{ tensors: unknown }>(`/v1/models/${modelId}/weights`)).tensors;
  return { job, events, weights };
}

/** The parts of a stream that depend on the training only (not on ids of jobs or timestamps). */
const trainingEvents = (events: SseEvent[]) =>
  events.map((e) => (e.event === "progress" || e.event === "epoch" || e.event === "status" ? { id: e.id, event: e.event, data: e.data } : { id: e.id, event: e.event }));

function expectSameRun(resumed: RunResult, reference: RunResult): void {
  expect(reference.job.status).toBe("succeeded");
  expect(resumed.job.status).toBe("succeeded");
  const total = reference.job.progress.total_steps;
  expect(lossesOf(reference.events)).toHaveLength(total);
  // every per-step loss, exactly (not to a tolerance): the same floats in the same order
  expect(lossesOf(resumed.events)).toEqual(lossesOf(reference.events));
  // the whole stream: ids 1..n without gaps or repeats, steps, epochs, batches, epoch metrics
  expect(resumed.events.map((e) => e.id)).toEqual(resumed.events.map((_, i) => i + 1));
  expect(trainingEvents(resumed.events)).toEqual(trainingEvents(reference.events));
  expect(resumed.events.at(-1)).toMatchObject({ event: "done", data: { id: resumed.job.id, status: "succeeded" } });
  expect(resumed.job.progress).toEqual(reference.job.progress);
  expect(resumed.job.metrics).toEqual(reference.job.metrics);
  expect(resumed.weights).toEqual(reference.weights);
}

/** Reads the store the server writes (WAL: another connection reads while it runs). */
async function withStore<T>(dir: string, fn: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = SqliteStore.open({ path: join(dir, "kiln.db") });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function checkpointOf(dir: string, jobId: string): Promise<(TrainingCheckpoint & { seq: number }) | null> {
  return withStore(dir, async (store) => {
    const record = await store.getCheckpoint(jobId);
    return record ? { ...decodeCheckpoint(record.state), seq: record.seq } : null;
  });
}

/** GET of every model, dataset and job (listed, then one by one), for before/after comparisons. */
async function everything(api: Api): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const kind of ["models", "datasets", "jobs"]) {
    for (const id of await api.listIds(`/v1/${kind}`)) out[`${kind}/${id}`] = await api.get(`/v1/${kind}/${id}`);
  }
  return out;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The step of the last progress event a stream has received (0 before the first). */
const stepOf = (events: SseEvent[]): number => (events.findLast((e) => e.event === "progress")?.data.step as number | undefined) ?? 0;

describe("kill -9 in the middle of a job", () => {
  it("loses nothing, and the job resumes from its last checkpoint and ends as the uninterrupted run", async () => {
    const dir = dataDir();
    // checkpoints every 200 ms, so that one is there well before the job could end
    const env = { KILN_CHECKPOINT_INTERVAL_MS: "200" };
    let server: ServerProcess = await startServer({ dataDir: dir, workers: 2, env });
    let api = new Api(server.baseUrl);

    // things that must survive: a second model, a second dataset, a finished job and its model's new weights
    const model = await api.create("/v1/models", MODEL);
    const data = await api.create("/v1/datasets", dataset(200));
    const other = await api.create("/v1/models", { ...MODEL, name: "other", seed: undefined, layers: [{ type: "Linear", out_features: 4 }] });
    const small = await api.create("/v1/datasets", { ...dataset(30), name: "small" });
    const finished = await api.create<JobLike>("/v1/jobs", jobSpec(other.id, small.id, 2, 8), 202);
    expect((await api.waitForJob(finished.id)).status).toBe("succeeded");
    const otherWeights = await api.get(`/v1/models/${other.id}/weights`);

    const job = await api.create<JobLike>("/v1/jobs", jobSpec(model.id, data.id, 400, 10), 202);
    expect(job.progress.total_steps).toBe(8000);
    const live = await api.events(job.id);
    streams.push(live);
    // mid-run: progress on the stream, a periodic checkpoint stored, then the crash
    expect(await live.until((events) => stepOf(events) > 0)).toBe(true);
    const before = await everything(api);
    while ((await checkpointOf(dir, job.id)) === null) await delay(20);
    await server.kill();
    expect(await live.until(() => false)).toBe(false); // the connection ended with the process
    // what the client saw: everything that reached it, including what was still on its way when
    // the process died (a write carries ~100 ms of steps)
    const seen = live.events.length > 0 ? live.events.at(-1)!.id : 0;

    // the crash left the job running, with a checkpoint that matches the events stored up to it
    const { stored, events } = await withStore(dir, async (store) => ({ stored: await store.getJob(job.id), events: await store.listEvents(job.id) }));
    expect(stored?.status).toBe("running");
    const checkpoint = await checkpointOf(dir, job.id);
    expect(checkpoint).not.toBeNull();
    expect(checkpoint!.step).toBeGreaterThan(0);
    expect(checkpoint!.seq).toBeLessThanOrEqual(events.at(-1)!.seq);
    expect(events.filter((e) => e.seq <= checkpoint!.seq && e.type === "progress")).toHaveLength(checkpoint!.step);
    expect(events.length).toBeGreaterThanOrEqual(seen);

    server = await startServer({ dataDir: dir, workers: 2, env });
    api = new Api(server.baseUrl);
    // everything created before the crash is still there, and unchanged (the crashed job aside)
    const after = await everything(api);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    // (the crashed job and its model aside: the job may already have finished and trained it)
    for (const [key, value] of Object.entries(before)) {
      if (key !== `jobs/${job.id}` && key !== `models/${model.id}`) expect(after[key], key).toEqual(value);
    }
    expect(await api.get(`/v1/models/${other.id}/weights`)).toEqual(otherWeights);

    // the uninterrupted run of the same job, alongside: same model spec and seed, same dataset
    const twin = await api.create("/v1/models", MODEL);
    const reference = await api.create<JobLike>("/v1/jobs", jobSpec(twin.id, data.id, 400, 10), 202);

    // a client that saw events before the crash resumes after the last one it saw
    const rest = await (await api.events(job.id, seen)).readToEnd();
    const resumed = await resultOf(api, job.id, model.id);
    expect([...live.events.map(({ receivedAt: _, ...e }) => e), ...rest]).toEqual(resumed.events);
    expectSameRun(resumed, await resultOf(api, reference.id, twin.id));
    // the resumed job trained the model it was given
    expect(await api.get(`/v1/models/${model.id}`)).toMatchObject({ version: 2 });
    expect(await server.stop()).toMatchObject({ code: 0 });
  }, TIMEOUT_MS);

  it("a job killed before its first checkpoint starts over, one killed after a checkpoint inside an epoch resumes there: both end as the uninterrupted run", async () => {
    // Checkpoints come every second, at an epoch's end or inside one: a wider seed-like model
    // and one long epoch (several seconds of 750 steps), so that a periodic checkpoint is the last.
    const WIDE = {
      ...MODEL,
      name: "seed-like, wide",
      layers: [{ type: "Linear", out_features: 512 }, { type: "Tanh" }, { type: "Linear", out_features: 512 }, { type: "Tanh" }, { type: "Linear", out_features: 4 }],
    };
    const dir = dataDir();
    let server = await startServer({ dataDir: dir, workers: 2 });
    let api = new Api(server.baseUrl);
    const data = await api.create("/v1/datasets", dataset(24_000));
    const early = await api.create("/v1/models", WIDE);
    const late = await api.create("/v1/models", WIDE);
    const spec = (modelId: string) => jobSpec(modelId, data.id, 1, 32);

    // `late` trains until its first periodic checkpoint (after a second); `early` starts half a
    // second after `late` and is killed with it, well before a second of its own training
    const lateJob = await api.create<JobLike>("/v1/jobs", spec(late.id), 202);
    await api.waitForJob(lateJob.id, (j) => j.progress.step > 0);
    await delay(500);
    const earlyJob = await api.create<JobLike>("/v1/jobs", spec(early.id), 202);
    for (;;) {
      const checkpoint = await checkpointOf(dir, lateJob.id);
      if (checkpoint && checkpoint.batch > 0) break;
      const { status } = await api.get<JobLike>(`/v1/jobs/${lateJob.id}`);
      if (status !== "running" && status !== "queued") throw new Error(`the job ended (${status}) before a checkpoint inside its epoch`);
      await delay(20);
    }
    await api.waitForJob(earlyJob.id, (j) => j.progress.step > 0);
    await server.kill();

    const lateCheckpoint = await checkpointOf(dir, lateJob.id);
    expect(lateCheckpoint!.epoch).toBe(0);
    expect(lateCheckpoint!.batch).toBeGreaterThan(0);
    expect(lateCheckpoint!.batch).toBeLessThan(750);
    expect(lateCheckpoint!.epochStartGenerator).not.toBeNull();
    // on a loaded machine `early` may have lived past its first checkpoint before the kill: taking
    // that checkpoint away leaves what a crash just before it leaves (its events stay, stored as a
    // flush would have stored them), so that `early` always takes the start-over path
    if (await checkpointOf(dir, earlyJob.id)) {
      const db = new Database(join(dir, "kiln.db"));
      db.prepare("DELETE FROM checkpoints WHERE job_id = ?").run(earlyJob.id);
      db.close();
    }
    expect(await checkpointOf(dir, earlyJob.id)).toBeNull();
    const earlySteps = await withStore(dir, async (store) => (await store.listEvents(earlyJob.id)).filter((e) => e.type === "progress").length);
    expect(earlySteps).toBeGreaterThan(0);

    // both resume, and the uninterrupted run of the same job trains alongside
    server = await startServer({ dataDir: dir, workers: 3 });
    api = new Api(server.baseUrl);
    const twin = await api.create("/v1/models", WIDE);
    const reference = await api.create<JobLike>("/v1/jobs", spec(twin.id), 202);
    const uninterrupted = await resultOf(api, reference.id, twin.id);
    expectSameRun(await resultOf(api, earlyJob.id, early.id), uninterrupted);
    expectSameRun(await resultOf(api, lateJob.id, late.id), uninterrupted);
    expect(await server.stop()).toMatchObject({ code: 0 });
  }, TIMEOUT_MS);

  it("a checkpoint behind the stored events and metrics (a crash between those writes): the redone epochs are not counted twice", async () => {
    const dir = dataDir();
    // checkpoints every 100 ms: the first comes early in the job
    const env = { KILN_CHECKPOINT_INTERVAL_MS: "100" };
    let server = await startServer({ dataDir: dir, workers: 2, env });
    let api = new Api(server.baseUrl);
    const model = await api.create("/v1/models", MODEL);
    const data = await api.create("/v1/datasets", dataset(200));
    const job = await api.create<JobLike>("/v1/jobs", jobSpec(model.id, data.id, 400, 10), 202);
    // keep a checkpoint from early on, let the job go on for some epochs, and crash
    let old: CheckpointRecord | null = null;
    while (!old) {
      old = await withStore(dir, (store) => store.getCheckpoint(job.id));
      if (!old) await delay(5);
    }
    const oldState = decodeCheckpoint(old.state);
    await api.waitForJob(job.id, (j) => j.progress.step >= oldState.step + 200);
    await server.kill();
    // the old checkpoint back in place: the store now holds events and metrics from after it
    const db = new Database(join(dir, "kiln.db"));
    db.prepare("UPDATE checkpoints SET seq = ?, state = ? WHERE job_id = ?").run(old.seq, old.state, job.id);
    db.close();
    const stored = (await withStore(dir, (store) => store.getJob(job.id)))!;
    expect(stored.status).toBe("running");
    expect((stored.metrics as { epochs: unknown[] }).epochs.length).toBeGreaterThan(oldState.history.length);

    server = await startServer({ dataDir: dir, workers: 2, env });
    api = new Api(server.baseUrl);
    const twin = await api.create("/v1/models", MODEL);
    const reference = await api.create<JobLike>("/v1/jobs", jobSpec(twin.id, data.id, 400, 10), 202);
    expectSameRun(await resultOf(api, job.id, model.id), await resultOf(api, reference.id, twin.id));
    expect(await server.stop()).toMatchObject({ code: 0 });
  }, TIMEOUT_MS);
});

describe("SIGTERM in the middle of a job", () => {
  it("exits 0 within seconds, leaves the job running with a checkpoint, and the restarted job ends as the uninterrupted run", async () => {
    const dir = dataDir();
    let server = await startServer({ dataDir: dir, workers: 2 });
    let api = new Api(server.baseUrl);
    const model = await api.create("/v1/models", MODEL);
    const data = await api.create("/v1/datasets", dataset(200));
    const job = await api.create<JobLike>("/v1/jobs", jobSpec(model.id, data.id, 400, 10), 202);
    const live = await api.events(job.id);
    streams.push(live);
    await live.until((events) => stepOf(events) >= 1500);

    const stop = await server.stop();
    expect(stop.code).toBe(0);
    expect(stop.signal).toBeNull();
    expect(stop.ms).toBeLessThan(5000);
    const messages = server.logs.map((l) => l.msg);
    expect(messages).toContain("shutting down");
    expect(messages.at(-1)).toBe("stopped");
    // the server ended the open event stream (without `done`) rather than waiting for the client
    expect(await live.until(() => false)).toBe(false);
    expect(live.events.some((e) => e.event === "done")).toBe(false);

    // in the store: still running, checkpointed at the very step where it stopped, nothing after it
    const { stored, events, checkpoint } = await withStore(dir, async (store) => ({
      stored: (await store.getJob(job.id)) as JobRecord,
      events: await store.listEvents(job.id),
      checkpoint: await store.getCheckpoint(job.id),
    }));
    expect(stored.status).toBe("running");
    expect(stored.cancelRequested).toBe(false);
    expect(checkpoint).not.toBeNull();
    const state = decodeCheckpoint(checkpoint!.state);
    expect(checkpoint!.seq).toBe(events.at(-1)!.seq);
    const progress = events.filter((e) => e.type === "progress");
    expect(progress.at(-1)!.data).toMatchObject({ step: state.step });
    expect(state.step).toBeGreaterThan(0);
    expect(state.step).toBeLessThan(8000);
    expect((stored.progress as { step: number }).step).toBe(state.step);
    // every event the client saw is stored
    expect(live.events.map((e) => e.id)).toEqual(events.slice(0, live.events.length).map((e) => e.seq));

    server = await startServer({ dataDir: dir, workers: 2 });
    api = new Api(server.baseUrl);
    // read through the restarted server: the job is running again, from where it stopped
    const again = await api.get<JobLike>(`/v1/jobs/${job.id}`);
    expect(again.status).toBe("running");
    expect(again.progress.step).toBeGreaterThanOrEqual(state.step);
    const twin = await api.create("/v1/models", MODEL);
    const reference = await api.create<JobLike>("/v1/jobs", jobSpec(twin.id, data.id, 400, 10), 202);
    const rest = await (await api.events(job.id, live.events.at(-1)!.id)).readToEnd();
    const resumed = await resultOf(api, job.id, model.id);
    expect([...live.events.map(({ receivedAt: _, ...e }) => e), ...rest]).toEqual(resumed.events);
    expectSameRun(resumed, await resultOf(api, reference.id, twin.id));
    expect(await server.stop()).toMatchObject({ code: 0 });
  }, TIMEOUT_MS);
});

describe("job event streams over a listening server", () => {
  it("streams live, replays from the first event, resumes after Last-Event-ID, and ends after done", async () => {
    const server = await startServer({ dataDir: dataDir(), workers: 1 });
    const api = new Api(server.baseUrl);
    const model = await api.create("/v1/models", MODEL);
    const data = await api.create("/v1/datasets", dataset(200));
    const job = await api.create<JobLike>("/v1/jobs", jobSpec(model.id, data.id, 300, 10), 202);

    // a client connected while the job runs gets progress events live, before `done`
    const live = await api.events(job.id);
    streams.push(live);
    expect(live.contentType).toBe("text/event-stream; charset=utf-8");
    await live.until((events) => events.some((e) => e.event === "progress"));
    const whileLive = await api.get<JobLike>(`/v1/jobs/${job.id}`);
    expect(whileLive.status).toBe("running");
    expect(whileLive.progress.step).toBeLessThan(whileLive.progress.total_steps);
    // a second client joins mid-run after the id the first one has reached
    const joinedAfter = live.events.at(-1)!.id;
    const joined = await api.events(job.id, joinedAfter);
    streams.push(joined);
    const liveEvents = await live.readToEnd();
    expect(live.isEnded).toBe(true);
    const done = liveEvents.at(-1)!;
    expect(done.event).toBe("done");
    expect(done.data).toMatchObject({ id: job.id, status: "succeeded" });
    // received while the job ran: before it finished, and long before `done`
    const firstProgress = live.events.find((e) => e.event === "progress")!;
    expect(firstProgress.receivedAt).toBeLessThan(Date.parse(done.data.finished_at as string));
    expect(live.events.filter((e) => e.receivedAt < Date.parse(done.data.finished_at as string)).length).toBeGreaterThan(100);
    expect(liveEvents.filter((e) => e.event === "progress")).toHaveLength(6000);

    // replay from the first event: the same stream, ids 1..n, statuses in order, ending with done
    const replay = await api.allEvents(job.id);
    expect(replay).toEqual(liveEvents);
    expect(replay.map((e) => e.id)).toEqual(replay.map((_, i) => i + 1));
    expect(replay.filter((e) => e.event === "status").map((e) => e.data.status)).toEqual(["queued", "running", "succeeded"]);
    expect(replay.filter((e) => e.event === "epoch").map((e) => e.data.epoch)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(replay.filter((e) => e.event === "progress").map((e) => e.data.step)).toEqual(Array.from({ length: 6000 }, (_, i) => i + 1));

    expect(await joined.readToEnd()).toEqual(replay.slice(joinedAfter));

    // Last-Event-ID: exactly the events after it, at any point; after the last one, nothing
    const n = replay.length;
    for (const after of [1, 2, 3, Math.floor(n / 2), n - 2, n - 1]) {
      expect(await api.allEvents(job.id, after), `after ${after}`).toEqual(replay.slice(after));
    }
    const res = await fetch(`${server.baseUrl}/v1/jobs/${job.id}/events`, { headers: { "last-event-id": String(n) } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain("event:");
    // the query parameter form, and a bad id
    const viaQuery = await fetch(`${server.baseUrl}/v1/jobs/${job.id}/events?last_event_id=${n - 3}`);
    expect((await viaQuery.text()).match(/^event: /gm)).toHaveLength(3);
    const bad = await fetch(`${server.baseUrl}/v1/jobs/${job.id}/events`, { headers: { "last-event-id": "x" } });
    expect(bad.status).toBe(400);
    await bad.text();
    expect(await server.stop()).toMatchObject({ code: 0 });
  }, TIMEOUT_MS);
});

describe("the runner, suspended where a SIGTERM can stop it (in process)", () => {
  // A suspend request is honoured between steps, including before the first batch of an epoch:
  // right after a job starts, or just after an epoch's end. The loader's iterator has then drawn
  // its base seed already, so the checkpoint must let the resumed run skip that draw.
  const spec = { input_shape: [5], seed: 7, layers: MODEL.layers };
  const generator = new Generator().manualSeed(7);
  const built = buildModel(parseModelSpec(spec), { generator });
  const { features, labels } = dataset(40);
  const X = tensor(features, { dtype: "float32" });
  const y = tensor(labels);
  const task = (checkpoint: Uint8Array | null, control: Int32Array): TrainingTask => ({
    jobId: "job",
    modelSpec: built.resolvedSpec,
    trainingSpec: TrainingSpec.parse(jobSpec("model", "data", 4, 8)),
    weights: Object.fromEntries(Object.entries(built.module.stateDict()).map(([k, t]) => [k, t.toShared()])),
    generatorState: generator.getState(),
    features: X.toShared(),
    labels: y.toShared(),
    validation: null,
    checkpoint,
    control: control.buffer as SharedArrayBuffer,
    checkpointIntervalMs: 1e9,
  });
  const control = () => new Int32Array(new SharedArrayBuffer(4));
  const lossesIn = (messages: TrainingMessage[]) => messages.flatMap((m) => (m.kind === "progress" ? [m.loss] : []));
  const reference: TrainingMessage[] = [];
  const uninterrupted = runTraining(task(null, control()), (m) => reference.push(m));

  const cases: [string, (m: TrainingMessage, c: Int32Array) => void][] = [
    ["before its first step", () => undefined],
    ["at the start of an epoch", (m, c) => m.kind === "epoch" && m.metrics.epoch === 2 && Atomics.store(c, 0, CONTROL.suspend)],
    ["inside an epoch", (m, c) => m.kind === "progress" && m.step === 13 && Atomics.store(c, 0, CONTROL.suspend)],
  ];
  for (const [when, suspend] of cases) {
    it(`resumes a run suspended ${when} exactly`, () => {
      const c = control();
      if (when === "before its first step") Atomics.store(c, 0, CONTROL.suspend);
      const first: TrainingMessage[] = [];
      const outcome = runTraining(task(null, c), (m) => {
        first.push(m);
        suspend(m, c);
      });
      expect(outcome.status).toBe("suspended");
      const saved = first.at(-1)!;
      expect(saved.kind).toBe("checkpoint");
      const second: TrainingMessage[] = [];
      const resumed = runTraining(task((saved as { state: Uint8Array }).state, control()), (m) => second.push(m));
      expect([...lossesIn(first), ...lossesIn(second)]).toEqual(lossesIn(reference));
      expect(resumed.status).toBe("succeeded");
      if (resumed.status !== "succeeded" || uninterrupted.status !== "succeeded") return;
      expect(resumed.epochs).toEqual(uninterrupted.epochs);
      expect(resumed.generatorState).toEqual(uninterrupted.generatorState);
    });
  }
});
