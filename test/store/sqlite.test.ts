import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteStore, StoreCursorError } from "../../src/store/sqlite.js";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/store/sqlite_schema.js";
import type { Store } from "../../src/store/store.js";
import { DEFAULT_TENANT, type ModelRecord } from "../../src/store/types.js";
import {
  expectBytes,
  expectConflict,
  progressEvent,
  sampleDataset,
  sampleJob,
  sampleModel,
  statusEvent,
  stepEvents,
  KILLED_WRITER_SCRIPT,
  storeContract,
  timestamp,
} from "./contract.js";
import { expectMigratedVersions } from "./contract_versions.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const STORE_MODULE = new URL("../../src/store/sqlite.ts", import.meta.url).href;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "kiln-store-"));
}

storeContract("SqliteStore (file)", async () => {
  const dir = tempDir();
  const path = join(dir, "data", "kiln.db"); // the parent directory does not exist yet
  const opened: Store[] = [];
  const open = (): Store => {
    const store = SqliteStore.open({ path });
    opened.push(store);
    return store;
  };
  return {
    store: open(),
    reopen: async () => open(),
    cleanup: async () => {
      for (const store of opened) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

storeContract("SqliteStore (:memory:)", async () => {
  const store = SqliteStore.open({ path: ":memory:" });
  return { store, cleanup: () => store.close() };
});

describe("SqliteStore specifics", () => {
  let dir: string;
  let path: string;
  const opened: Store[] = [];
  const open = (): SqliteStore => {
    const store = SqliteStore.open({ path });
    opened.push(store);
    return store;
  };
  /** The store's connection, to check its per-connection PRAGMAs. */
  const connection = (store: SqliteStore) => (store as unknown as { db: Database.Database }).db;

  beforeEach(() => {
    dir = tempDir();
    path = join(dir, "nested", "deeper", "kiln.db");
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates parent directories, runs in WAL mode and sets its PRAGMAs", async () => {
    const store = open();
    expect(existsSync(path)).toBe(true);
    const db = connection(store);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.pragma("busy_timeout", { simple: true })).toBe(5000);
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);

    await store.createModel(sampleModel());
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
    // WAL mode is a property of the file: another connection sees it
    const other = new Database(path, { readonly: true });
    try {
      expect(other.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      other.close();
    }
  });

  it("opens an existing database again without migrating twice, and refuses a newer schema", async () => {
    const model = sampleModel();
    const first = open();
    await first.createModel(model);
    await first.close();
    const second = open();
    expect(await second.getModel(model.id)).toStrictEqual(model);
    await second.close();

    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => SqliteStore.open({ path })).toThrow(/newer/);
  });

  it("stores a run of training steps in one row", async () => {
    const store = open();
    const model = sampleModel();
    const dataset = sampleDataset();
    await store.createModel(model);
    await store.createDataset(dataset);
    const { job } = await store.createJob(sampleJob({ modelId: model.id, datasetId: dataset.id }), statusEvent("queued"));
    await store.appendEvents(job.id, [...stepEvents(1, 1000, 1), { type: "epoch", data: { epoch: 1 } }, ...stepEvents(1001, 10, 2)]);
    const rows = connection(store).prepare("SELECT seq, n_events AS n, type FROM job_events WHERE job_id = ? ORDER BY seq").all(job.id);
    expect(rows).toEqual([
      { seq: 1, n: 1, type: "status" },
      { seq: 2, n: 1000, type: "progress" },
      { seq: 1002, n: 1, type: "epoch" },
      { seq: 1003, n: 10, type: "progress" },
    ]);
  });

  it("migrates a version-1 database, whose rows hold one event each, and reads its events as before", async () => {
    const model = sampleModel();
    const dataset = sampleDataset();
    const job = sampleJob({ modelId: model.id, datasetId: dataset.id });
    const steps = stepEvents(1, 5, 1);
    // version 1: one row per event (written before the job row, which the store adds below)
    mkdirSync(dirname(path), { recursive: true });
    const old = new Database(path);
    old.pragma("foreign_keys = OFF");
    old.exec(MIGRATIONS[0]!);
    old.pragma("user_version = 1");
    const insert = old.prepare("INSERT INTO job_events (job_id, seq, type, data) VALUES (?, ?, ?, ?)");
    steps.forEach((e, i) => insert.run(job.id, i + 1, e.type, JSON.stringify(e.data)));
    old.close();

    const store = open();
    expect(connection(store).pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    await store.createModel(model);
    await store.createDataset(dataset);
    await store.createJob(job, statusEvent("queued")); // numbered after the old events
    expect((await store.listEvents(job.id, 0, 5)).map(({ type, data }) => ({ type, data }))).toStrictEqual(steps);
    expect((await store.listEvents(job.id, 2, 2)).map((e) => e.seq)).toEqual([3, 4]);
    expect(await store.appendEvents(job.id, stepEvents(6, 3, 1, 5))).toBe(9);
    const events = await store.listEvents(job.id);
    expect(events.map(({ type, data }) => ({ type, data }))).toStrictEqual([...steps, statusEvent("queued"), ...stepEvents(6, 3, 1, 5)]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("migrates a version-2 database: a job stored before attempts were numbered runs next as attempt 1", async () => {
    mkdirSync(dirname(path), { recursive: true });
    const old = new Database(path);
    for (const migration of MIGRATIONS.slice(0, 2)) old.exec(migration);
    old.pragma("user_version = 2");
    const at = timestamp();
    old
      .prepare(`INSERT INTO jobs (id, model_id, dataset_id, spec, status, progress, metrics, cancel_requested, created_at, updated_at)
                VALUES ('job_old', 'mdl_old', 'ds_old', '{}', 'running', '{}', '{}', 0, ?, ?)`)
      .run(at, at);
    old.close();
    const store = open();
    expect((await store.beginAttempt("job_old"))!.attempt).toBe(1);
  });

  it("migrates a version-3 database: its models, datasets and jobs belong to the default tenant, seqs kept", async () => {
    mkdirSync(dirname(path), { recursive: true });
    const old = new Database(path);
    for (const migration of MIGRATIONS.slice(0, 3)) old.exec(migration);
    old.pragma("user_version = 3");
    const model = sampleModel();
    const dataset = sampleDataset();
    const job = sampleJob({ modelId: model.id, datasetId: dataset.id }, { idempotencyKey: "key-old" });
    const insertModel = old.prepare(`INSERT INTO models (id, name, spec, summary, version, created_at, updated_at, generator_state, weights)
                                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const modelRow = (m: ModelRecord) =>
      [m.id, m.name, JSON.stringify(m.spec), JSON.stringify(m.summary), m.version, m.createdAt, m.updatedAt, m.generatorState, m.weights];
    insertModel.run(...modelRow(model));
    const newest = sampleModel();
    insertModel.run(...modelRow(newest));
    old.prepare("DELETE FROM models WHERE id = ?").run(newest.id); // its seq (2) is never handed out again
    old
      .prepare(`INSERT INTO datasets (id, name, num_samples, feature_shape, label_shape, label_dtype, num_classes, created_at, labels, features)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(dataset.id, dataset.name, dataset.numSamples, "[4]", "[]", dataset.labelDtype, dataset.numClasses, dataset.createdAt, dataset.labels, dataset.features);
    old
      .prepare(`INSERT INTO jobs (id, model_id, dataset_id, spec, status, progress, metrics, idempotency_key, cancel_requested, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, 0, ?, ?)`)
      .run(job.id, model.id, dataset.id, JSON.stringify(job.spec), JSON.stringify(job.progress), JSON.stringify(job.metrics), job.idempotencyKey, job.createdAt, job.updatedAt);
    old.close();

    const store = open();
    expect(await store.getTenant(DEFAULT_TENANT.id)).toStrictEqual(DEFAULT_TENANT);
    expect(await store.getModel(model.id)).toStrictEqual(model);
    expect(await store.getDataset(dataset.id)).toStrictEqual(dataset);
    expect(await store.getJob(job.id)).toStrictEqual(job);
    expect((await store.listModels({ tenantId: DEFAULT_TENANT.id })).items.map((m) => m.id)).toEqual([model.id]);
    expect(await store.getJobByIdempotencyKey(DEFAULT_TENANT.id, "key-old")).toStrictEqual(job);
    const retry = sampleJob({ modelId: model.id, datasetId: dataset.id }, { idempotencyKey: "key-old" });
    expect((await store.createJob(retry, statusEvent("queued"))).created).toBe(false);

    const db = connection(store);
    const added = sampleModel();
    await store.createModel(added);
    expect(db.prepare("SELECT seq FROM models WHERE id = ?").get(added.id)).toEqual({ seq: 3 });
    // the blobs stay the last columns, so reading the others never walks their pages
    const columns = (table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
    expect(columns("models").slice(-2)).toEqual(["generator_state", "weights"]);
    expect(columns("datasets").slice(-2)).toEqual(["labels", "features"]);
  });

  it("migrates a version-8 database: a model whose weights changed gets them as its version 1, current; seqs kept", async () => {
    mkdirSync(dirname(path), { recursive: true });
    const old = new Database(path);
    for (const migration of MIGRATIONS.slice(0, 8)) old.exec(migration);
    old.pragma("user_version = 8");
    const untouched = sampleModel();
    const trained = sampleModel({ version: 3 });
    const insertModel = old.prepare(`INSERT INTO models (id, tenant_id, name, spec, summary, version, created_at, updated_at, generator_state, weights)
                                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const m of [untouched, trained]) {
      insertModel.run(m.id, m.tenantId, m.name, JSON.stringify(m.spec), JSON.stringify(m.summary), m.version, m.createdAt, m.updatedAt, m.generatorState, m.weights);
    }
    old.close();

    const store = open();
    await expectMigratedVersions(store, untouched, trained);
    const added = sampleModel();
    await store.createModel(added);
    const db = connection(store);
    expect(db.prepare("SELECT seq FROM models WHERE id = ?").get(added.id)).toEqual({ seq: 3 });
    // the blobs stay the last columns, so reading the others never walks their pages
    expect((db.pragma("table_info(models)") as { name: string }[]).map((c) => c.name).slice(-2)).toEqual(["generator_state", "weights"]);
  });

  it("returns plain Uint8Arrays, not Buffers", async () => {
    const store = open();
    const model = sampleModel();
    await store.createModel(model);
    const got = (await store.getModel(model.id))!;
    expect(Object.getPrototypeOf(got.weights)).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(got.generatorState)).toBe(Uint8Array.prototype);
  });

  it("rejects a cursor that never existed (StoreCursorError, a RangeError); clamps limits; an empty status filter matches nothing", async () => {
    const store = open();
    await expect(store.listModels({ after: "mdl_never" })).rejects.toBeInstanceOf(StoreCursorError);
    await expect(store.listModels({ after: "mdl_never" })).rejects.toMatchObject({ cursor: "mdl_never" });
    await expect(store.listDatasets({ after: "ds_never" })).rejects.toBeInstanceOf(RangeError);
    await expect(store.listJobs({ after: "job_never" })).rejects.toBeInstanceOf(RangeError);
    for (let i = 0; i < 3; i++) await store.createModel(sampleModel());
    expect((await store.listModels({ limit: 0 })).items).toHaveLength(1);
    expect((await store.listModels({ limit: 2.7 })).items).toHaveLength(2);
    const model = sampleModel();
    const dataset = sampleDataset();
    await store.createModel(model);
    await store.createDataset(dataset);
    await store.createJob(sampleJob({ modelId: model.id, datasetId: dataset.id }), statusEvent("queued"));
    expect(await store.listJobs({ status: [] })).toEqual({ items: [], nextCursor: null });
  });

  it("rejects a finishJob that does not end the job", async () => {
    const store = open();
    const model = sampleModel();
    const dataset = sampleDataset();
    await store.createModel(model);
    await store.createDataset(dataset);
    const { job } = await store.createJob(sampleJob({ modelId: model.id, datasetId: dataset.id }), statusEvent("queued"));
    await expect(
      store.finishJob(job.id, { status: "running", metrics: {}, error: null, finishedAt: null }, []),
    ).rejects.toBeInstanceOf(RangeError);
    expect(await store.getJob(job.id)).toStrictEqual(job);
  });

  it("shares one database between connections: visibility, idempotency and in-use checks", async () => {
    const a = open();
    const b = open();
    const model = sampleModel();
    const dataset = sampleDataset();
    await a.createModel(model);
    await a.createDataset(dataset);
    const key = "key-shared";
    const first = await a.createJob(sampleJob({ modelId: model.id, datasetId: dataset.id }, { idempotencyKey: key }), statusEvent("queued"));
    const second = await b.createJob(sampleJob({ modelId: model.id, datasetId: dataset.id }, { idempotencyKey: key }), statusEvent("queued"));
    expect(first.created).toBe(true);
    expect(second).toStrictEqual({ job: first.job, created: false });
    await expectConflict(b.deleteModel(model.id), "model_in_use");
    expect(await b.appendEvents(first.job.id, [progressEvent(1)])).toBe(2);
    expect((await a.listEvents(first.job.id)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it("keeps writes that resolved before the process was killed with SIGKILL", async () => {
    // The test process owns an open connection throughout, like a second service instance would.
    const store = open();
    const model = sampleModel();
    const dataset = sampleDataset();
    await store.createModel(model);
    await store.createDataset(dataset);
    const finished = sampleJob({ modelId: model.id, datasetId: dataset.id });
    const running = sampleJob({ modelId: model.id, datasetId: dataset.id });
    const stamp = timestamp();

    const script = join(dir, "writer.mts");
    writeFileSync(
      script,
      `
      const { SqliteStore } = await import(process.env.KILN_STORE_MODULE);
      const input = JSON.parse(process.env.KILN_INPUT);
      const bytes = (n, k) => Uint8Array.from({ length: n }, (_, i) => (i * k + 3) & 255);
      const store = SqliteStore.open({ path: input.path });
      ${KILLED_WRITER_SCRIPT}
      await new Promise((resolve) => setTimeout(resolve, 10_000)); // never reached
      `,
    );
    const { code, signal, stderr } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", script], {
          cwd: ROOT,
          env: {
            ...process.env,
            KILN_STORE_MODULE: STORE_MODULE,
            KILN_INPUT: JSON.stringify({ path, finished, running, stamp, modelId: model.id }),
          },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("exit", (code, signal) => resolve({ code, signal, stderr }));
      },
    );
    expect(stderr).toBe("");
    expect({ code, signal }).toEqual({ code: null, signal: "SIGKILL" });
    // The killed process never checkpointed nor closed: its commits live in the WAL file.
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);

    const bytes = (n: number, k: number) => Uint8Array.from({ length: n }, (_, i) => (i * k + 3) & 255);
    const check = async (s: Store) => {
      const ended = await s.getJob(finished.id);
      expect(ended).toMatchObject({ status: "succeeded", finishedAt: stamp, metrics: { loss: 0.25, epochs: [] } });
      const updated = (await s.getModel(model.id))!;
      expect(updated.version).toBe(model.version + 1);
      expectBytes(updated.weights, bytes(4096, 7));
      expectBytes(updated.generatorState, bytes(5056, 13));
      // the job's version was written in the same transaction
      expect(updated.currentVersion).toBe(1);
      expectBytes((await s.getVersionOfJob(finished.id))!.weights, bytes(4096, 7));
      expect((await s.getJob(running.id))!.status).toBe("running");
      const checkpoint = (await s.getCheckpoint(running.id))!;
      expect(checkpoint.seq).toBe(3);
      expectBytes(checkpoint.state, bytes(2048, 11));
      expect((await s.listEvents(running.id)).map((e) => e.type)).toEqual(["status", "status", "progress"]);
      expect(await s.countJobs(["running"])).toBe(1);
    };
    await check(store); // seen by the connection that stayed open
    await store.close();
    await check(open()); // and after recovery by a fresh open
  });

  it("rolls back a transaction that fails midway", async () => {
    const store = open();
    const model = sampleModel();
    const dataset = sampleDataset();
    await store.createModel(model);
    await store.createDataset(dataset);
    const job = sampleJob({ modelId: model.id, datasetId: dataset.id });
    await store.createJob(job, statusEvent("queued"));
    // an event whose data cannot be encoded fails after the job row was patched
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(
      store.updateJob(job.id, { status: "running", startedAt: timestamp() }, [
        progressEvent(1),
        { type: "progress", data: circular as never },
      ]),
    ).rejects.toThrow();
    expect(await store.getJob(job.id)).toStrictEqual(job);
    expect((await store.listEvents(job.id)).map((e) => e.seq)).toEqual([1]);
    expectBytes((await store.getModel(model.id))!.weights, model.weights);
  });
});
