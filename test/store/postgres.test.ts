/**
 * PostgresStore against a real Postgres (test/helpers/services.ts): the Store contract, each test in
 * a fresh schema dropped afterwards, and what only a shared database has to get right — several
 * processes (here: several stores, each with its own pool) writing at once.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PostgresStore } from "../../src/store/postgres.js";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/store/postgres_schema.js";
import { DEFAULT_TENANT, type JobEvent } from "../../src/store/types.js";
import { postgresAvailable, TEST_DATABASE_URL } from "../helpers/services.js";
import {
  expectBytes,
  expectConflict,
  sampleDataset,
  sampleJob,
  sampleModel,
  statusEvent,
  stepEvents,
  KILLED_WRITER_SCRIPT,
  storeContract,
  storeJob,
  timestamp,
} from "./contract.js";
import { sampleApiKey, sampleTenant } from "./contract_tenants.js";
import { expectMigratedVersions } from "./contract_versions.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const STORE_MODULE = new URL("../../src/store/postgres.ts", import.meta.url).href;

const available = await postgresAvailable();

const freshSchema = (): string => `kiln_test_${randomBytes(6).toString("hex")}`;

/** Runs `sql` on a connection of its own (not a store's). */
async function admin<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Stores opened on one schema, closed and the schema dropped by `cleanup`. */
function schemaStores() {
  const schema = freshSchema();
  const opened: PostgresStore[] = [];
  return {
    schema,
    open: async (): Promise<PostgresStore> => {
      const store = await PostgresStore.open({ url: TEST_DATABASE_URL, schema });
      opened.push(store);
      return store;
    },
    cleanup: async (): Promise<void> => {
      for (const store of opened.splice(0)) await store.close();
      await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

describe.skipIf(!available)("PostgresStore", () => {
  storeContract("PostgresStore", async () => {
    const stores = schemaStores();
    return { store: await stores.open(), reopen: stores.open, cleanup: stores.cleanup };
  });

  describe("PostgresStore specifics", () => {
    let stores: ReturnType<typeof schemaStores>;
    beforeEach(() => {
      stores = schemaStores();
    });
    afterEach(async () => {
      await stores.cleanup();
    });

    it("migrates a fresh schema once when several processes open it at once", async () => {
      const opened = await Promise.all(Array.from({ length: 4 }, () => stores.open()));
      const versions = await admin<{ version: number }>(`SELECT version FROM ${stores.schema}.schema_version`);
      expect(versions).toEqual([{ version: SCHEMA_VERSION }]);
      const model = sampleModel();
      await opened[0]!.createModel(model);
      expect(await opened[3]!.getModel(model.id)).toStrictEqual(model);
    });

    it("migrates a version-1 schema: a job stored before attempts were numbered runs next as attempt 1", async () => {
      const at = timestamp();
      await admin(`CREATE SCHEMA ${stores.schema}; SET search_path = ${stores.schema}; ${MIGRATIONS[0]!}
        CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version VALUES (1);
        INSERT INTO jobs (id, model_id, dataset_id, spec, status, progress, metrics, cancel_requested, created_at, updated_at)
        VALUES ('job_old', 'mdl_old', 'ds_old', '{}', 'running', '{}', '{}', false, '${at}', '${at}');`);
      const store = await stores.open();
      expect((await store.beginAttempt("job_old"))!.attempt).toBe(1);
    });

    it("migrates a version-7 schema: a model whose weights changed gets them as its version 1, current", async () => {
      const untouched = sampleModel();
      const trained = sampleModel({ version: 3 });
      await admin(`CREATE SCHEMA ${stores.schema}; SET search_path = ${stores.schema}; ${MIGRATIONS.slice(0, 7).join(";")};
        CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version VALUES (7);`);
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${stores.schema}` });
      await client.connect();
      try {
        for (const m of [untouched, trained]) {
          await client.query(
            `INSERT INTO models (id, tenant_id, name, spec, summary, version, created_at, updated_at, generator_state, weights)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
            [m.id, m.tenantId, m.name, JSON.stringify(m.spec), JSON.stringify(m.summary), m.version, m.createdAt, m.updatedAt, m.generatorState, m.weights],
          );
        }
      } finally {
        await client.end();
      }

      const store = await stores.open();
      await expectMigratedVersions(store, untouched, trained);
      expect((await store.tenantUsage(trained.tenantId)).bytes).toBe(untouched.weights.byteLength + 2 * trained.weights.byteLength);
    });

    it("migrates a version-2 schema: its models, datasets and jobs belong to the default tenant", async () => {
      const model = sampleModel();
      const dataset = sampleDataset();
      const job = sampleJob({ modelId: model.id, datasetId: dataset.id }, { idempotencyKey: "key-old" });
      await admin(`CREATE SCHEMA ${stores.schema}; SET search_path = ${stores.schema}; ${MIGRATIONS[0]!}; ${MIGRATIONS[1]!}
        CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version VALUES (2);`);
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${stores.schema}` });
      await client.connect();
      try {
        await client.query(
          `INSERT INTO models (id, name, spec, summary, version, created_at, updated_at, generator_state, weights)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [model.id, model.name, JSON.stringify(model.spec), JSON.stringify(model.summary), model.version, model.createdAt,
            model.updatedAt, model.generatorState, model.weights],
        );
        await client.query(
          `INSERT INTO datasets (id, name, num_samples, feature_shape, label_shape, label_dtype, num_classes, created_at, labels, features)
           VALUES ($1, $2, $3, '[4]', '[]', $4, $5, $6, $7, $8)`,
          [dataset.id, dataset.name, dataset.numSamples, dataset.labelDtype, dataset.numClasses, dataset.createdAt, dataset.labels,
            dataset.features],
        );
        await client.query(
          `INSERT INTO jobs (id, model_id, dataset_id, spec, status, progress, metrics, idempotency_key, cancel_requested, created_at, updated_at)
           VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, false, $8, $9)`,
          [job.id, model.id, dataset.id, JSON.stringify(job.spec), JSON.stringify(job.progress), JSON.stringify(job.metrics),
            job.idempotencyKey, job.createdAt, job.updatedAt],
        );
      } finally {
        await client.end();
      }

      const store = await stores.open();
      expect(await store.getTenant(DEFAULT_TENANT.id)).toStrictEqual(DEFAULT_TENANT);
      expect(await store.getModel(model.id)).toStrictEqual(model);
      expect(await store.getDataset(dataset.id)).toStrictEqual(dataset);
      expect(await store.getJob(job.id)).toStrictEqual(job);
      expect((await store.listJobs({ tenantId: DEFAULT_TENANT.id })).items).toStrictEqual([job]);
      expect(await store.getJobByIdempotencyKey(DEFAULT_TENANT.id, "key-old")).toStrictEqual(job);
      const retry = sampleJob({ modelId: model.id, datasetId: dataset.id }, { idempotencyKey: "key-old" });
      expect((await store.createJob(retry, statusEvent("queued"))).created).toBe(false);
    });

    it("refuses a schema written by a newer version", async () => {
      await stores.open();
      await admin(`UPDATE ${stores.schema}.schema_version SET version = $1`, [SCHEMA_VERSION + 1]);
      await expect(stores.open()).rejects.toThrow(/newer/);
    });

    it("refuses a schema name that would need quoting", async () => {
      const open = PostgresStore.open({ url: TEST_DATABASE_URL, schema: "x; DROP TABLE jobs" });
      await expect(open).rejects.toBeInstanceOf(RangeError);
    });

    it("numbers events of one job appended by two processes at once without gaps or collisions", async () => {
      const [a, b] = [await stores.open(), await stores.open()];
      const { job } = await storeJob(a);
      const tagged = (writer: string, batch: number): Omit<JobEvent, "jobId" | "seq">[] =>
        Array.from({ length: 5 }, (_, i) => ({ type: "epoch", data: { writer, batch, i } }));
      const writes = [a, b].flatMap((store, w) =>
        Array.from({ length: 25 }, (_, batch) => store.appendEvents(job.id, tagged(w === 0 ? "a" : "b", batch))),
      );
      const lasts = await Promise.all(writes);
      expect(new Set(lasts).size).toBe(lasts.length);
      expect(Math.max(...lasts)).toBe(1 + 2 * 25 * 5);

      const events = await b.listEvents(job.id);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 1 + 2 * 25 * 5 }, (_, i) => i + 1));
      // each batch landed whole, in order, ending at the seq its append returned
      for (const [k, last] of lasts.entries()) {
        const batch = events.slice(last - 5, last).map((e) => e.data);
        expect(batch).toStrictEqual(tagged(k < 25 ? "a" : "b", k % 25).map((e) => e.data));
      }
    });

    it("lands no write of a run from the moment another process begins a newer attempt", async () => {
      const [a, b] = [await stores.open(), await stores.open()];
      const { job } = await storeJob(a);
      await a.beginAttempt(job.id);
      // run 1 appends batch after batch through a's pool while b begins run 2
      const write = (k: number) =>
        a.appendEvents(job.id, stepEvents(5 * k + 1, 5, 1, 5 * k), 1).then(
          (last) => ({ last, refused: false }),
          (error: unknown) => ({ last: 0, refused: (error as { code?: string }).code === "attempt_superseded" }),
        );
      const early = Array.from({ length: 40 }, (_, k) => write(k));
      await early[3];
      const second = (await b.beginAttempt(job.id))!;
      const late = await Promise.all(Array.from({ length: 5 }, (_, k) => write(40 + k)));
      const results = [...(await Promise.all(early)), ...late];
      for (const r of results) expect(r.refused || r.last <= second.lastSeq).toBe(true);
      expect(late.every((r) => r.refused)).toBe(true);
      const events = await b.listEvents(job.id);
      expect(events.length).toBe(second.lastSeq);
      expect(events.length).toBe(1 + 5 * results.filter((r) => !r.refused).length);
    });

    it("ends a write whose process stands still mid-transaction after 5 s, so the job's row lock is not held longer", async () => {
      const [a, b] = [await stores.open(), await stores.open()];
      const { job } = await storeJob(a);
      const started = Date.now();
      // a's finishJob holds the job's row lock when it computes its events; that thread then stands
      // still for 6 s (its event loop blocked, or its process stopped), its session idle in transaction
      const stalled = a.finishJob(job.id, { status: "cancelled", metrics: {}, error: null, finishedAt: timestamp() }, () => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 6000);
        return [statusEvent("cancelled")];
      });
      await expect(stalled).rejects.toThrow();
      expect(Date.now() - started).toBeGreaterThanOrEqual(6000);
      // the server ended that session at 5 s, rolling its write back: the row lock is free again
      expect(await b.updateJob(job.id, { cancelRequested: true })).toMatchObject({ status: "queued", cancelRequested: true });
      expect((await b.listEvents(job.id)).map((e) => e.seq)).toEqual([1]);
      // and a's pool goes on with fresh connections
      expect(await a.appendEvents(job.id, [statusEvent("running")])).toBe(2);
    }, 15_000);

    it("creates one job for one idempotency key sent to two processes at once", async () => {
      const [a, b] = [await stores.open(), await stores.open()];
      const model = sampleModel();
      const dataset = sampleDataset();
      await a.createModel(model);
      await a.createDataset(dataset);
      const key = "key-raced";
      const results = await Promise.all(
        [a, b, a, b].map((store) =>
          store.createJob(sampleJob({ modelId: model.id, datasetId: dataset.id }, { idempotencyKey: key }), statusEvent("queued")),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
      expect(await b.countJobs(["queued"])).toBe(1);
      expect((await a.listEvents(results[0]!.job.id)).map((e) => e.seq)).toEqual([1]);
    });

    it("creates one tenant for one name sent to two processes at once, and records their concurrent batches of key uses", async () => {
      const [a, b] = [await stores.open(), await stores.open()];
      const tenants = Array.from({ length: 4 }, () => sampleTenant({ name: "team-raced" }));
      const results = await Promise.all(tenants.map((tenant, i) => (i % 2 === 0 ? a : b).createTenant(tenant)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.tenant.id)).size).toBe(1);

      const keys = Array.from({ length: 20 }, () => sampleApiKey(results[0]!.tenant.id));
      for (const key of keys) await a.createApiKey(key);
      const at = timestamp();
      // two batches naming the same keys in opposite orders
      const uses = keys.map((k) => ({ id: k.id, at }));
      await Promise.all([a.recordApiKeyUse(uses), b.recordApiKeyUse([...uses].reverse()), a.recordApiKeyUse(uses)]);
      for (const key of keys) expect((await b.getApiKey(key.id))!.lastUsedAt).toBe(at);
    });

    it("never leaves a queued job without its model when a delete races the job's creation", async () => {
      const [a, b] = [await stores.open(), await stores.open()];
      for (let round = 0; round < 10; round++) {
        const model = sampleModel();
        const dataset = sampleDataset();
        await a.createModel(model);
        await a.createDataset(dataset);
        const job = sampleJob({ modelId: model.id, datasetId: dataset.id });
        const [created, deleted] = await Promise.allSettled([
          a.createJob(job, statusEvent("queued")),
          b.deleteModel(model.id),
        ]);
        if (created.status === "fulfilled") {
          expect(deleted.status).toBe("rejected");
          await expectConflict(b.deleteModel(model.id), "model_in_use");
          expect(await b.getModel(model.id)).not.toBeNull();
        } else {
          expect(deleted).toEqual({ status: "fulfilled", value: true });
          expect(await b.getJob(job.id)).toBeNull();
        }
      }
    });

    it("stores a run of training steps in one row", async () => {
      const store = await stores.open();
      const { job } = await storeJob(store);
      const epoch = { type: "epoch" as const, data: { epoch: 1 } };
      await store.appendEvents(job.id, [...stepEvents(1, 1000, 1), epoch, ...stepEvents(1001, 10, 2)]);
      const sql = `SELECT seq, n_events AS n, type FROM ${stores.schema}.job_events WHERE job_id = $1 ORDER BY seq`;
      const rows = await admin(sql, [job.id]);
      expect(rows).toEqual([
        { seq: "1", n: 1, type: "status" },
        { seq: "2", n: 1000, type: "progress" },
        { seq: "1002", n: 1, type: "epoch" },
        { seq: "1003", n: 10, type: "progress" },
      ]);
    });

    it("keeps writes that resolved before a process was killed with SIGKILL", async () => {
      const store = await stores.open();
      const { model, dataset } = await storeJob(store);
      const finished = sampleJob({ modelId: model.id, datasetId: dataset.id });
      const running = sampleJob({ modelId: model.id, datasetId: dataset.id });
      const stamp = timestamp();
      const script = `
        const { PostgresStore } = await import(process.env.KILN_STORE_MODULE);
        const input = JSON.parse(process.env.KILN_INPUT);
        const bytes = (n, k) => Uint8Array.from({ length: n }, (_, i) => (i * k + 3) & 255);
        const store = await PostgresStore.open({ url: input.url, schema: input.schema });
        ${KILLED_WRITER_SCRIPT}
      `;
      const input = { url: TEST_DATABASE_URL, schema: stores.schema, finished, running, stamp, modelId: model.id };
      const { signal, stderr } = await new Promise<{ signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
          cwd: ROOT,
          env: { ...process.env, KILN_STORE_MODULE: STORE_MODULE, KILN_INPUT: JSON.stringify(input) },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("exit", (_code, signal) => resolve({ signal, stderr }));
      });
      expect(stderr).toBe("");
      expect(signal).toBe("SIGKILL");

      await store.close();
      const reopened = await stores.open();
      const bytes = (n: number, k: number) => Uint8Array.from({ length: n }, (_, i) => (i * k + 3) & 255);
      expect(await reopened.getJob(finished.id)).toMatchObject({ status: "succeeded", finishedAt: stamp });
      const updated = (await reopened.getModel(model.id))!;
      expect(updated.version).toBe(model.version + 1);
      expectBytes(updated.weights, bytes(4096, 7));
      // the job's version was written in the same transaction
      expect(updated.currentVersion).toBe(1);
      expectBytes((await reopened.getVersionOfJob(finished.id))!.weights, bytes(4096, 7));
      const checkpoint = (await reopened.getCheckpoint(running.id))!;
      expect(checkpoint.seq).toBe(3);
      expectBytes(checkpoint.state, bytes(2048, 11));
      expect((await reopened.listEvents(running.id)).map((e) => e.type)).toEqual(["status", "status", "progress"]);
      expect(await reopened.countJobs(["running"])).toBe(1);
    });
  });
});
