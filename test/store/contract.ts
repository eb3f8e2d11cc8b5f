/**
 * The behaviour every Store implementation must have, as vitest suites. An implementation's test
 * file calls `storeContract(name, makeStore)`; each test gets a fresh, empty store.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventRetentionPolicy, PruneBudget } from "../../src/store/retention.js";
import { StoreConflictError, type Store } from "../../src/store/store.js";
import { sampleApiKey, sampleTenant, tenantContract } from "./contract_tenants.js";
import { versionContract } from "./contract_versions.js";
import { jobDeleteContract } from "./contract_job_delete.js";
import { DEFAULT_TENANT, type DatasetRecord, type Json, type JobEvent, type JobRecord, type JobStatus, type ModelRecord } from "../../src/store/types.js";

export interface StoreFixture {
  /** A fresh, empty store. */
  store: Store;
  /**
   * Opens a new store on the same storage. The contract closes the previous store first. Omit it
   * for storage that does not outlive its store (e.g. SQLite ":memory:").
   */
  reopen?: () => Promise<Store>;
  /** Closes every store the fixture opened (close is idempotent) and removes the storage. */
  cleanup: () => Promise<void>;
}

type NewEvent = Omit<JobEvent, "jobId" | "seq">;

// ---------------------------------------------------------------------------------------------
// Realistic sample records
// ---------------------------------------------------------------------------------------------

let clock = Date.UTC(2025, 2, 14, 9, 30, 0);
/** Strictly increasing ISO-8601 UTC timestamps in the past (store-set timestamps are later). */
export function timestamp(): string {
  clock += 1_000;
  return new Date(clock).toISOString();
}

/** Random bytes as a plain Uint8Array. */
export function randomBlob(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

/** A small but well-formed safetensors file (F32 tensors, PyTorch state-dict keys). */
export function safetensors(tensors: Record<string, { shape: number[]; values: number[] }>): Uint8Array {
  const header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {};
  let offset = 0;
  for (const [key, t] of Object.entries(tensors)) {
    header[key] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + 4 * t.values.length] };
    offset += 4 * t.values.length;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += " ";
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const t of Object.values(tensors)) {
    for (const v of t.values) {
      view.setFloat32(at, v, true);
      at += 4;
    }
  }
  return out;
}

function randomValues(n: number): number[] {
  return Array.from({ length: n }, () => Math.fround(Math.random() * 2 - 1));
}

/** Weights of Linear(4, 8) -> ReLU -> Linear(8, 3), random values. */
export function sampleWeights(): Uint8Array {
  return safetensors({
    "0.weight": { shape: [8, 4], values: randomValues(32) },
    "0.bias": { shape: [8], values: randomValues(8) },
    "2.weight": { shape: [3, 8], values: randomValues(24) },
    "2.bias": { shape: [3], values: randomValues(3) },
  });
}

export function sampleModel(overrides: Partial<ModelRecord> = {}): ModelRecord {
  const at = timestamp();
  return {
    id: `mdl_${randomUUID()}`,
    tenantId: DEFAULT_TENANT.id,
    name: "iris-mlp",
    spec: {
      input_shape: [4],
      layers: [
        { type: "linear", in_features: 4, out_features: 8, bias: true },
        { type: "relu" },
        { type: "linear", in_features: 8, out_features: 3, bias: true },
      ],
      seed: 42,
    },
    summary: {
      num_params: 67,
      layers: [
        { name: "0", type: "Linear", output_shape: [8], num_params: 40 },
        { name: "1", type: "ReLU", output_shape: [8], num_params: 0 },
        { name: "2", type: "Linear", output_shape: [3], num_params: 27 },
      ],
      repr:
        "Sequential(\n  (0): Linear(in_features=4, out_features=8, bias=True)\n  (1): ReLU()\n" +
        "  (2): Linear(in_features=8, out_features=3, bias=True)\n)",
    },
    weights: sampleWeights(),
    generatorState: randomBlob(5056),
    version: 1,
    currentVersion: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function sampleDataset(overrides: Partial<DatasetRecord> = {}): DatasetRecord {
  const numSamples = 6;
  const features = new Float32Array(randomValues(numSamples * 4));
  const labels = BigInt64Array.from([0n, 1n, 2n, 1n, 0n, 2n]);
  return {
    id: `ds_${randomUUID()}`,
    tenantId: DEFAULT_TENANT.id,
    name: "iris-train",
    numSamples,
    featureShape: [4],
    featureDtype: "float32",
    labelShape: [],
    labelDtype: "int64",
    numClasses: 3,
    features: new Uint8Array(features.buffer),
    labels: new Uint8Array(labels.buffer),
    createdAt: timestamp(),
    ...overrides,
  };
}

export function sampleJob(
  refs: { modelId: string; datasetId: string; validationDatasetId?: string | null },
  overrides: Partial<JobRecord> = {},
): JobRecord {
  const at = timestamp();
  return {
    id: `job_${randomUUID().replaceAll("-", "")}`,
    tenantId: DEFAULT_TENANT.id,
    modelId: refs.modelId,
    datasetId: refs.datasetId,
    validationDatasetId: refs.validationDatasetId ?? null,
    spec: {
      model_id: refs.modelId,
      dataset_id: refs.datasetId,
      loss: "cross_entropy",
      optimizer: { type: "sgd", lr: 0.1, momentum: 0.9, weight_decay: 0 },
      epochs: 3,
      batch_size: 2,
      shuffle: true,
    },
    status: "queued",
    progress: { epoch: 0, epochs: 3, step: 0, total_steps: 9 },
    metrics: { loss: null, epochs: [] },
    error: null,
    idempotencyKey: null,
    cancelRequested: false,
    createdAt: at,
    startedAt: null,
    finishedAt: null,
    updatedAt: at,
    ...overrides,
  };
}

export const statusEvent = (status: JobStatus): NewEvent => ({ type: "status", data: { status } });
export const progressEvent = (step: number, loss = 1 / (step + 1)): NewEvent => ({
  type: "progress",
  data: { step, epoch: 1, batch: step, loss },
});

/** A training step's event as the job manager stores it; losses that test a double's round trip. */
export const stepEvent = (step: number, epoch: number, batch: number): NewEvent => ({
  type: "progress",
  data: { step, epoch, batch, loss: step % 97 === 0 ? 0 : step % 89 === 0 ? 5e-324 : Math.PI / (step + 1) + 1e-17 * step },
});

/** Steps `first`.. of one epoch, its batches counting from `batch`. */
export const stepEvents = (first: number, count: number, epoch: number, batch = 0): NewEvent[] =>
  Array.from({ length: count }, (_, i) => stepEvent(first + i, epoch, batch + i));

/** Byte-for-byte equality of a returned blob (fast even for megabytes). */
export function expectBytes(actual: Uint8Array | undefined | null, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(actual!.byteLength).toBe(expected.byteLength);
  expect(Buffer.compare(Buffer.from(actual!.buffer, actual!.byteOffset, actual!.byteLength), Buffer.from(expected))).toBe(0);
}

export async function expectConflict(promise: Promise<unknown>, code: StoreConflictError["code"]): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreConflictError);
  expect((error as StoreConflictError).code).toBe(code);
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** JSON that exercises the encoding: nesting, unicode, floats, big ints, empties, nulls. */
const TRICKY_JSON: Json = {
  text: "ünïcødé ✓ \"quoted\" \\ back\nslash \u0000 nul 𝔘",
  numbers: [0, -1, 0.1, 1e-7, -3.5e38, 2 ** 53 - 1, 1.0000001],
  nested: { a: { b: { c: [[], {}, [null, true, false]] } } },
  empty: "",
  nothing: null,
};

// ---------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------

/**
 * The end of a script that a durability test runs in a child process, after opening `store` and
 * reading `input` ({ finished, running, stamp, modelId }) and defining `bytes(n, k)`: two jobs
 * started, one finished with new weights, a checkpoint for the other, then kill -9 of itself.
 */
export const KILLED_WRITER_SCRIPT = `
  const status = (status) => ({ type: "status", data: { status } });
  for (const job of [input.finished, input.running]) {
    await store.createJob(job, status("queued"));
    await store.updateJob(job.id, { status: "running", startedAt: input.stamp }, [status("running")]);
  }
  await store.finishJob(
    input.finished.id,
    { status: "succeeded", metrics: { loss: 0.25, epochs: [] }, error: null, finishedAt: input.stamp },
    [status("succeeded")],
    { modelId: input.modelId, weights: bytes(4096, 7), generatorState: bytes(5056, 13) },
  );
  await store.saveCheckpoint(input.running.id, bytes(2048, 11), [{ type: "progress", data: { step: 1 } }]);
  process.kill(process.pid, "SIGKILL");
`;

/** A stored model and dataset, and a stored (queued) job using them. */
export async function storeJob(store: Store, overrides: Partial<JobRecord> = {}) {
  const model = sampleModel();
  const dataset = sampleDataset();
  await store.createModel(model);
  await store.createDataset(dataset);
  const job = sampleJob({ modelId: model.id, datasetId: dataset.id }, overrides);
  const { job: stored } = await store.createJob(job, statusEvent("queued"));
  return { model, dataset, job: stored };
}

export function storeContract(
  name: string,
  makeStore: () => Promise<StoreFixture>,
): void {
  describe(`Store contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    const setupJob = (overrides: Partial<JobRecord> = {}) => storeJob(store, overrides);

    async function startJob(id: string): Promise<JobRecord> {
      return (await store.updateJob(id, { status: "running", startedAt: timestamp() }, [statusEvent("running")]))!;
    }

    describe("models", () => {
      it("creates and gets a model, blobs byte for byte and JSON intact", async () => {
        const model = sampleModel({ spec: TRICKY_JSON });
        await store.createModel(model);
        const got = await store.getModel(model.id);
        expect(got).toStrictEqual(model);
        expectBytes(got!.weights, model.weights);
        expectBytes(got!.generatorState, model.generatorState);
      });

      it("keeps a null name", async () => {
        const model = sampleModel({ name: null });
        await store.createModel(model);
        expect((await store.getModel(model.id))!.name).toBeNull();
      });

      it("returns null for an unknown id", async () => {
        expect(await store.getModel("mdl_missing")).toBeNull();
        expect(await store.getModelSummary("mdl_missing")).toBeNull();
        expect(await store.getModelVersion("mdl_missing")).toBeNull();
      });

      it("gets a model's summary: the record without its blobs, at its current version", async () => {
        const model = sampleModel();
        await store.createModel(model);
        const { weights: _weights, generatorState: _state, ...summary } = model;
        expect(await store.getModelSummary(model.id)).toStrictEqual(summary);
        const updated = await store.updateModelWeights(model.id, sampleWeights(), model.generatorState);
        expect(await store.getModelSummary(model.id)).toMatchObject({ version: model.version + 1, updatedAt: updated!.updatedAt });
      });

      it("gets a model's current weights version, and null once it is deleted", async () => {
        const model = sampleModel();
        await store.createModel(model);
        expect(await store.getModelVersion(model.id)).toBe(model.version);
        await store.updateModelWeights(model.id, sampleWeights(), model.generatorState);
        expect(await store.getModelVersion(model.id)).toBe(model.version + 1);
        await store.deleteModel(model.id);
        expect(await store.getModelVersion(model.id)).toBeNull();
      });

      it("rejects a duplicate id and keeps the first model", async () => {
        const model = sampleModel();
        await store.createModel(model);
        await expect(store.createModel(sampleModel({ id: model.id, name: "other" }))).rejects.toThrow();
        expect((await store.getModel(model.id))!.name).toBe(model.name);
      });

      it("lists summaries without blobs, in creation order", async () => {
        // ids sort the other way round, so ordering by id would fail
        const models = [3, 2, 1].map((n) => sampleModel({ id: `mdl_${n}_${randomUUID()}` }));
        for (const m of models) await store.createModel(m);
        const page = await store.listModels();
        expect(page.items.map((m) => m.id)).toEqual(models.map((m) => m.id));
        expect(page.nextCursor).toBeNull();
        const { weights: _w, generatorState: _g, ...summary } = models[0]!;
        expect(page.items[0]).toStrictEqual(summary);
      });

      it("deletes a model and answers false when it is absent", async () => {
        const model = sampleModel();
        await store.createModel(model);
        expect(await store.deleteModel(model.id)).toBe(true);
        expect(await store.getModel(model.id)).toBeNull();
        expect(await store.deleteModel(model.id)).toBe(false);
        expect((await store.listModels()).items).toEqual([]);
      });

      it("updates weights and generator state, bumping the version", async () => {
        const model = sampleModel();
        await store.createModel(model);
        const weights = sampleWeights();
        const generatorState = randomBlob(5056);
        const updated = await store.updateModelWeights(model.id, weights, generatorState);
        expect(updated).not.toBeNull();
        expect(updated!.version).toBe(model.version + 1);
        expectBytes(updated!.weights, weights);
        expectBytes(updated!.generatorState, generatorState);
        expect(updated!.createdAt).toBe(model.createdAt);
        expect(updated!.updatedAt).toMatch(ISO);
        expect(updated!.updatedAt > model.updatedAt).toBe(true);
        expect(updated!.spec).toStrictEqual(model.spec);
        expect(await store.getModel(model.id)).toStrictEqual(updated);

        const again = await store.updateModelWeights(model.id, model.weights, model.generatorState);
        expect(again!.version).toBe(model.version + 2);
        expectBytes((await store.getModel(model.id))!.weights, model.weights);
      });

      it("updates weights with the expected version and refuses a stale one", async () => {
        const model = sampleModel({ version: 4 });
        await store.createModel(model);
        const first = await store.updateModelWeights(model.id, sampleWeights(), randomBlob(5056), 4);
        expect(first!.version).toBe(5);
        await expectConflict(store.updateModelWeights(model.id, sampleWeights(), randomBlob(5056), 4), "version_conflict");
        const stored = await store.getModel(model.id);
        expect(stored).toStrictEqual(first);
      });

      it("returns null when updating the weights of an unknown model", async () => {
        expect(await store.updateModelWeights("mdl_missing", sampleWeights(), randomBlob(8))).toBeNull();
        expect(await store.updateModelWeights("mdl_missing", sampleWeights(), randomBlob(8), 1)).toBeNull();
      });
    });

    describe("datasets", () => {
      it("creates and gets a dataset, blobs byte for byte", async () => {
        const dataset = sampleDataset();
        await store.createDataset(dataset);
        const got = await store.getDataset(dataset.id);
        expect(got).toStrictEqual(dataset);
        expectBytes(got!.features, dataset.features);
        expectBytes(got!.labels, dataset.labels);
      });

      it("keeps float32 labels with null numClasses and a non-scalar label shape", async () => {
        const labels = new Float32Array([0.5, -1.25, 3, 4, 1e-3, 7, 8, 9, 10, 11, 12, 13]);
        const dataset = sampleDataset({
          name: null,
          labelShape: [2],
          labelDtype: "float32",
          numClasses: null,
          labels: new Uint8Array(labels.buffer),
        });
        await store.createDataset(dataset);
        expect(await store.getDataset(dataset.id)).toStrictEqual(dataset);
      });

      it("keeps an empty dataset's zero-length blobs", async () => {
        const dataset = sampleDataset({ numSamples: 0, features: new Uint8Array(0), labels: new Uint8Array(0) });
        await store.createDataset(dataset);
        const got = await store.getDataset(dataset.id);
        expectBytes(got!.features, new Uint8Array(0));
        expectBytes(got!.labels, new Uint8Array(0));
      });

      it("gets a summary without the blobs", async () => {
        const dataset = sampleDataset({ featureShape: [2, 2] });
        await store.createDataset(dataset);
        const { features: _f, labels: _l, ...summary } = dataset;
        expect(await store.getDatasetSummary(dataset.id)).toStrictEqual(summary);
      });

      it("reads slices of the blobs, clipped at their ends", async () => {
        const dataset = sampleDataset();
        await store.createDataset(dataset);
        const rows = await store.getDatasetBytes(dataset.id, { features: { start: 16, length: 32 }, labels: { start: 8, length: 16 } });
        expectBytes(rows!.features, dataset.features.subarray(16, 48));
        expectBytes(rows!.labels, dataset.labels.subarray(8, 24));
        const past = await store.getDatasetBytes(dataset.id, { features: { start: 80, length: 32 }, labels: { start: 48, length: 16 } });
        expectBytes(past!.features, dataset.features.subarray(80));
        expectBytes(past!.labels, new Uint8Array(0));
      });

      it("returns null for an unknown id", async () => {
        expect(await store.getDataset("ds_missing")).toBeNull();
        expect(await store.getDatasetSummary("ds_missing")).toBeNull();
        expect(await store.getDatasetBytes("ds_missing", { features: { start: 0, length: 1 }, labels: { start: 0, length: 1 } })).toBeNull();
      });

      it("lists summaries in creation order", async () => {
        const datasets = [3, 2, 1].map((n) => sampleDataset({ id: `ds_${n}_${randomUUID()}` }));
        for (const d of datasets) await store.createDataset(d);
        const page = await store.listDatasets();
        expect(page.items.map((d) => d.id)).toEqual(datasets.map((d) => d.id));
        expect(page.items.every((d) => !("features" in d) && !("labels" in d))).toBe(true);
        expect(page.nextCursor).toBeNull();
      });

      it("deletes a dataset and answers false when it is absent", async () => {
        const dataset = sampleDataset();
        await store.createDataset(dataset);
        expect(await store.deleteDataset(dataset.id)).toBe(true);
        expect(await store.getDataset(dataset.id)).toBeNull();
        expect(await store.getDatasetSummary(dataset.id)).toBeNull();
        expect(await store.deleteDataset(dataset.id)).toBe(false);
      });
    });

    describe("blobs", () => {
      it("round-trips a megabyte of weights", async () => {
        const model = sampleModel({ weights: randomBlob(1 << 20) });
        await store.createModel(model);
        expectBytes((await store.getModel(model.id))!.weights, model.weights);
      });

      it("stores only the bytes of a Uint8Array view, not its whole buffer", async () => {
        const backing = randomBlob(64);
        const view = backing.subarray(10, 30);
        const model = sampleModel({ generatorState: view });
        await store.createModel(model);
        expectBytes((await store.getModel(model.id))!.generatorState, backing.slice(10, 30));
      });

      it("returns copies: mutating them or the inputs changes nothing stored", async () => {
        const model = sampleModel();
        const original = model.weights.slice();
        await store.createModel(model);
        model.weights.fill(0);
        const got = (await store.getModel(model.id))!;
        expectBytes(got.weights, original);
        got.weights.fill(7);
        expectBytes((await store.getModel(model.id))!.weights, original);
      });
    });

    describe("listing and pagination", () => {
      it("pages with cursors: the cursor is the last id, null on the last page", async () => {
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) {
          const m = sampleModel({ id: `mdl_${9 - i}_${randomUUID()}` });
          ids.push(m.id);
          await store.createModel(m);
        }
        const p1 = await store.listModels({ limit: 3 });
        expect(p1.items.map((m) => m.id)).toEqual(ids.slice(0, 3));
        expect(p1.nextCursor).toBe(ids[2]);
        const p2 = await store.listModels({ limit: 3, after: p1.nextCursor! });
        expect(p2.items.map((m) => m.id)).toEqual(ids.slice(3, 6));
        expect(p2.nextCursor).toBe(ids[5]);
        const p3 = await store.listModels({ limit: 3, after: p2.nextCursor! });
        expect(p3.items.map((m) => m.id)).toEqual(ids.slice(6));
        expect(p3.nextCursor).toBeNull();
      });

      it("gives no cursor when the last page is exactly full", async () => {
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) {
          const d = sampleDataset();
          ids.push(d.id);
          await store.createDataset(d);
        }
        const p1 = await store.listDatasets({ limit: 2 });
        expect(p1.nextCursor).toBe(ids[1]);
        const p2 = await store.listDatasets({ limit: 2, after: p1.nextCursor! });
        expect(p2.items.map((d) => d.id)).toEqual(ids.slice(2));
        expect(p2.nextCursor).toBeNull();
        expect(await store.listDatasets({ after: ids[3] })).toEqual({ items: [], nextCursor: null });
      });

      it("returns an empty page from an empty store", async () => {
        expect(await store.listModels()).toEqual({ items: [], nextCursor: null });
        expect(await store.listDatasets()).toEqual({ items: [], nextCursor: null });
        expect(await store.listJobs()).toEqual({ items: [], nextCursor: null });
      });

      it("defaults to 50 items and caps the limit at 500", async () => {
        const small = (i: number) =>
          sampleModel({ id: `mdl_${String(999 - i).padStart(3, "0")}`, weights: randomBlob(16), generatorState: randomBlob(16) });
        for (let i = 0; i < 501; i++) await store.createModel(small(i));
        const first = await store.listModels();
        expect(first.items).toHaveLength(50);
        expect(first.nextCursor).toBe("mdl_950");
        const capped = await store.listModels({ limit: 10_000 });
        expect(capped.items).toHaveLength(500);
        expect(capped.nextCursor).toBe("mdl_500");
        const rest = await store.listModels({ limit: 500, after: capped.nextCursor! });
        expect(rest.items.map((m) => m.id)).toEqual(["mdl_499"]);
        expect(rest.nextCursor).toBeNull();
      });

      it("continues after a cursor whose item was deleted meanwhile", async () => {
        const models = Array.from({ length: 5 }, () => sampleModel());
        for (const m of models) await store.createModel(m);
        const p1 = await store.listModels({ limit: 2 });
        await store.deleteModel(p1.nextCursor!);
        const p2 = await store.listModels({ limit: 2, after: p1.nextCursor! });
        expect(p2.items.map((m) => m.id)).toEqual([models[2]!.id, models[3]!.id]);

        const datasets = Array.from({ length: 3 }, () => sampleDataset());
        for (const d of datasets) await store.createDataset(d);
        await store.deleteDataset(datasets[0]!.id);
        const d2 = await store.listDatasets({ after: datasets[0]!.id });
        expect(d2.items.map((d) => d.id)).toEqual([datasets[1]!.id, datasets[2]!.id]);
      });

      it("lists jobs in creation order, filtered by status, with cursors", async () => {
        const model = sampleModel();
        const dataset = sampleDataset();
        await store.createModel(model);
        await store.createDataset(dataset);
        const statuses: JobStatus[] = ["queued", "running", "succeeded", "queued", "failed", "running", "cancelled", "queued"];
        const jobs: JobRecord[] = [];
        for (const [i, status] of statuses.entries()) {
          const job = sampleJob({ modelId: model.id, datasetId: dataset.id }, { id: `job_${9 - i}_${randomUUID()}`, status });
          await store.createJob(job, statusEvent(status));
          jobs.push(job);
        }
        const all = await store.listJobs();
        expect(all.items).toStrictEqual(jobs);
        expect(all.nextCursor).toBeNull();

        const active = jobs.filter((j) => j.status === "queued" || j.status === "running").map((j) => j.id);
        const a1 = await store.listJobs({ status: ["queued", "running"], limit: 3 });
        expect(a1.items.map((j) => j.id)).toEqual(active.slice(0, 3));
        expect(a1.nextCursor).toBe(active[2]);
        const a2 = await store.listJobs({ status: ["queued", "running"], limit: 3, after: a1.nextCursor! });
        expect(a2.items.map((j) => j.id)).toEqual(active.slice(3));
        expect(a2.nextCursor).toBeNull();

        const finished = await store.listJobs({ status: ["succeeded", "failed", "cancelled"] });
        expect(finished.items.map((j) => j.status)).toEqual(["succeeded", "failed", "cancelled"]);
        // a cursor from an unfiltered listing works with a filter
        const after = await store.listJobs({ status: ["queued"], after: jobs[1]!.id });
        expect(after.items.map((j) => j.id)).toEqual([jobs[3]!.id, jobs[7]!.id]);
      });

      it("keeps paging jobs whose status changed between pages", async () => {
        const { model, dataset, job: first } = await setupJob();
        const second = sampleJob({ modelId: model.id, datasetId: dataset.id });
        const third = sampleJob({ modelId: model.id, datasetId: dataset.id });
        await store.createJob(second, statusEvent("queued"));
        await store.createJob(third, statusEvent("queued"));
        const p1 = await store.listJobs({ status: ["queued"], limit: 1 });
        expect(p1.items.map((j) => j.id)).toEqual([first.id]);
        await startJob(first.id); // no longer queued, still a valid cursor
        const p2 = await store.listJobs({ status: ["queued"], limit: 1, after: p1.nextCursor! });
        expect(p2.items.map((j) => j.id)).toEqual([second.id]);
      });
    });

    describe("jobs", () => {
      it("creates a job with its first event", async () => {
        const { job } = await setupJob();
        expect(await store.getJob(job.id)).toStrictEqual(job);
        expect(await store.listEvents(job.id)).toStrictEqual([
          { jobId: job.id, seq: 1, type: "status", data: { status: "queued" } },
        ]);
      });

      it("returns what it stored, JSON and validation dataset included", async () => {
        const model = sampleModel();
        const train = sampleDataset();
        const validation = sampleDataset({ name: "iris-val" });
        await store.createModel(model);
        await store.createDataset(train);
        await store.createDataset(validation);
        const job = sampleJob(
          { modelId: model.id, datasetId: train.id, validationDatasetId: validation.id },
          { spec: TRICKY_JSON, idempotencyKey: `key-${randomUUID()}` },
        );
        const result = await store.createJob(job, statusEvent("queued"));
        expect(result).toStrictEqual({ job, created: true });
        expect(await store.getJob(job.id)).toStrictEqual(job);
      });

      it("returns null for an unknown job", async () => {
        expect(await store.getJob("job_missing")).toBeNull();
        expect(await store.getJobByIdempotencyKey(DEFAULT_TENANT.id, "no-such-key")).toBeNull();
      });

      it("with a stored idempotency key, creates nothing and returns the existing job", async () => {
        const key = `key-${randomUUID()}`;
        const { model, dataset, job: first } = await setupJob({ idempotencyKey: key });
        expect(await store.getJobByIdempotencyKey(DEFAULT_TENANT.id, key)).toStrictEqual(first);
        const running = await startJob(first.id);

        const retry = sampleJob({ modelId: model.id, datasetId: dataset.id }, { idempotencyKey: key });
        const result = await store.createJob(retry, statusEvent("queued"));
        expect(result.created).toBe(false);
        expect(result.job).toStrictEqual(running); // the existing job as it is now
        expect(await store.getJob(retry.id)).toBeNull();
        expect(await store.listEvents(retry.id)).toEqual([]);
        expect((await store.listEvents(first.id)).map((e) => e.seq)).toEqual([1, 2]);
        expect((await store.listJobs()).items).toHaveLength(1);
      });

      it("creates exactly one job for concurrent requests with the same key", async () => {
        const model = sampleModel();
        const dataset = sampleDataset();
        await store.createModel(model);
        await store.createDataset(dataset);
        const key = `key-${randomUUID()}`;
        const results = await Promise.all(
          Array.from({ length: 5 }, () =>
            store.createJob(sampleJob({ modelId: model.id, datasetId: dataset.id }, { idempotencyKey: key }), statusEvent("queued")),
          ),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
        expect(await store.countJobs(["queued"])).toBe(1);
      });

      it("never conflates jobs without an idempotency key", async () => {
        const { model, dataset } = await setupJob();
        const result = await store.createJob(sampleJob({ modelId: model.id, datasetId: dataset.id }), statusEvent("queued"));
        expect(result.created).toBe(true);
        expect(await store.countJobs(["queued"])).toBe(2);
      });

      it("counts jobs by status", async () => {
        const { model, dataset, job } = await setupJob();
        for (const status of ["queued", "running", "succeeded"] as const) {
          await store.createJob(sampleJob({ modelId: model.id, datasetId: dataset.id }, { status }), statusEvent(status));
        }
        await startJob(job.id);
        expect(await store.countJobs(["queued"])).toBe(1);
        expect(await store.countJobs(["running"])).toBe(2);
        expect(await store.countJobs(["queued", "running"])).toBe(3);
        expect(await store.countJobs(["succeeded", "failed", "cancelled"])).toBe(1);
        expect(await store.countJobs([])).toBe(0);
      });

      it("patches only the given fields, bumps updatedAt and appends events", async () => {
        const { job } = await setupJob();
        const startedAt = timestamp();
        const running = await store.updateJob(job.id, { status: "running", startedAt }, [statusEvent("running")]);
        expect(running).toStrictEqual({ ...job, status: "running", startedAt, updatedAt: running!.updatedAt });
        expect(running!.updatedAt).toMatch(ISO);
        expect(running!.updatedAt > job.updatedAt).toBe(true);
        expect(await store.getJob(job.id)).toStrictEqual(running);

        const progress = { epoch: 1, epochs: 3, step: 3, total_steps: 9 };
        const metrics = { loss: 0.75, epochs: [{ epoch: 1, train_loss: 0.8, train_accuracy: 0.5 }] };
        const patched = await store.updateJob(job.id, { progress, metrics, cancelRequested: true });
        expect(patched).toStrictEqual({ ...running, progress, metrics, cancelRequested: true, updatedAt: patched!.updatedAt });
        expect((await store.listEvents(job.id)).map((e) => [e.seq, e.type])).toEqual([
          [1, "status"],
          [2, "status"],
        ]);
      });

      it("refuses a job whose model or dataset does not exist", async () => {
        const model = sampleModel();
        const dataset = sampleDataset();
        await store.createModel(model);
        await store.createDataset(dataset);
        const cases = [
          sampleJob({ modelId: "mdl_missing", datasetId: dataset.id }),
          sampleJob({ modelId: model.id, datasetId: "ds_missing" }),
          sampleJob({ modelId: model.id, datasetId: dataset.id, validationDatasetId: "ds_missing" }),
        ];
        for (const job of cases) {
          await expect(store.createJob(job, statusEvent("queued"))).rejects.toThrow();
          expect(await store.getJob(job.id)).toBeNull();
          expect(await store.listEvents(job.id)).toEqual([]);
        }
      });

      it("returns null when patching an unknown job", async () => {
        expect(await store.updateJob("job_missing", { cancelRequested: true }, [statusEvent("running")])).toBeNull();
        expect(await store.listEvents("job_missing")).toEqual([]);
      });
    });

    describe("models and datasets in use", () => {
      for (const status of ["queued", "running"] as const) {
        it(`refuses to delete the model or datasets of a ${status} job`, async () => {
          const model = sampleModel();
          const train = sampleDataset();
          const validation = sampleDataset();
          await store.createModel(model);
          await store.createDataset(train);
          await store.createDataset(validation);
          const job = sampleJob({ modelId: model.id, datasetId: train.id, validationDatasetId: validation.id });
          await store.createJob(job, statusEvent("queued"));
          if (status === "running") await startJob(job.id);

          await expectConflict(store.deleteModel(model.id), "model_in_use");
          await expectConflict(store.deleteDataset(train.id), "dataset_in_use");
          await expectConflict(store.deleteDataset(validation.id), "dataset_in_use");
          expect(await store.getModel(model.id)).not.toBeNull();
          expect(await store.getDataset(train.id)).not.toBeNull();
          expect(await store.getDataset(validation.id)).not.toBeNull();
        });
      }

      for (const status of ["succeeded", "failed", "cancelled"] as const) {
        it(`deletes what only a ${status} job used, and the job stays readable`, async () => {
          const model = sampleModel();
          const train = sampleDataset();
          const validation = sampleDataset();
          await store.createModel(model);
          await store.createDataset(train);
          await store.createDataset(validation);
          const job = sampleJob({ modelId: model.id, datasetId: train.id, validationDatasetId: validation.id });
          await store.createJob(job, statusEvent("queued"));
          await startJob(job.id);
          const ended = await store.finishJob(
            job.id,
            {
              status,
              metrics: { loss: 0.5, epochs: [] },
              error: status === "failed" ? { code: "training_error", message: "loss is NaN" } : null,
              finishedAt: timestamp(),
            },
            [statusEvent(status)],
          );

          expect(await store.deleteModel(model.id)).toBe(true);
          expect(await store.deleteDataset(train.id)).toBe(true);
          expect(await store.deleteDataset(validation.id)).toBe(true);
          expect(await store.getJob(job.id)).toStrictEqual(ended);
          expect(ended).toMatchObject({ modelId: model.id, datasetId: train.id, validationDatasetId: validation.id });
          expect((await store.listJobs()).items).toStrictEqual([ended]);
          expect((await store.listEvents(job.id)).map((e) => e.seq)).toEqual([1, 2, 3]);
        });
      }

      it("only counts jobs that use the model or dataset", async () => {
        await setupJob();
        const other = sampleModel();
        const otherData = sampleDataset();
        await store.createModel(other);
        await store.createDataset(otherData);
        expect(await store.deleteModel(other.id)).toBe(true);
        expect(await store.deleteDataset(otherData.id)).toBe(true);
      });
    });

    describe("events", () => {
      it("numbers appended events after the last and returns the last seq", async () => {
        const { job } = await setupJob();
        expect(await store.appendEvents(job.id, [progressEvent(1), progressEvent(2)])).toBe(3);
        expect(await store.appendEvents(job.id, [progressEvent(3)])).toBe(4);
        expect(await store.appendEvents(job.id, [])).toBe(4);
        const events = await store.listEvents(job.id);
        expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
        expect(events[3]).toStrictEqual({ jobId: job.id, seq: 4, type: "progress", data: progressEvent(3).data });
      });

      it("round-trips event types and JSON data", async () => {
        const { job } = await setupJob();
        const epoch: NewEvent = {
          type: "epoch",
          data: { epoch: 1, train_loss: 0.6931471805599453, train_accuracy: 0.5, val_loss: null, val_accuracy: null },
        };
        await store.appendEvents(job.id, [epoch, { type: "progress", data: TRICKY_JSON }, { type: "done", data: null }]);
        const events = await store.listEvents(job.id, 1);
        expect(events.map(({ type, data }) => ({ type, data }))).toStrictEqual([
          epoch,
          { type: "progress", data: TRICKY_JSON },
          { type: "done", data: null },
        ]);
      });

      it("lists events after a seq, up to a limit, per job", async () => {
        const { model, dataset, job } = await setupJob();
        const other = sampleJob({ modelId: model.id, datasetId: dataset.id });
        await store.createJob(other, statusEvent("queued"));
        await store.appendEvents(job.id, [1, 2, 3, 4, 5].map((s) => progressEvent(s)));
        await store.appendEvents(other.id, [progressEvent(1)]);
        expect((await store.listEvents(job.id, 2)).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
        expect((await store.listEvents(job.id, 2, 2)).map((e) => e.seq)).toEqual([3, 4]);
        expect((await store.listEvents(job.id, 0, 3)).map((e) => e.seq)).toEqual([1, 2, 3]);
        expect(await store.listEvents(job.id, 6)).toEqual([]);
        expect((await store.listEvents(other.id)).map((e) => [e.jobId, e.seq])).toEqual([
          [other.id, 1],
          [other.id, 2],
        ]);
      });

      it("truncates events after a seq; later events are renumbered from there", async () => {
        const { model, dataset, job } = await setupJob();
        const other = sampleJob({ modelId: model.id, datasetId: dataset.id });
        await store.createJob(other, statusEvent("queued"));
        await startJob(job.id);
        await store.appendEvents(job.id, [3, 4, 5].map((s) => progressEvent(s)));
        await store.truncateEvents(job.id, 3);
        expect((await store.listEvents(job.id)).map((e) => e.seq)).toEqual([1, 2, 3]);
        expect(await store.appendEvents(job.id, [progressEvent(40)])).toBe(4);
        expect((await store.listEvents(job.id, 3))[0]!.data).toStrictEqual(progressEvent(40).data);
        expect((await store.listEvents(other.id)).map((e) => e.seq)).toEqual([1]);
        await store.truncateEvents(job.id, 10); // nothing after 10
        expect((await store.listEvents(job.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      });

      it("keeps long runs of steps exactly, across epochs and appends, listed after any seq with any limit", async () => {
        const { job } = await setupJob();
        await startJob(job.id);
        const epoch: NewEvent = { type: "epoch", data: { epoch: 1, train_loss: 0.5 } };
        const appended = [...stepEvents(1, 300, 1), epoch, ...stepEvents(301, 150, 2)];
        // three appends, each cut inside a run of steps
        expect(await store.appendEvents(job.id, appended.slice(0, 120))).toBe(122);
        expect(await store.appendEvents(job.id, appended.slice(120, 400))).toBe(402);
        expect(await store.appendEvents(job.id, appended.slice(400))).toBe(453);
        const all = [statusEvent("queued"), statusEvent("running"), ...appended].map((e, i) => ({ jobId: job.id, seq: i + 1, ...e }));
        expect(await store.listEvents(job.id)).toStrictEqual(all);
        for (const after of [0, 1, 2, 3, 121, 122, 123, 301, 302, 303, 401, 402, 452, 453, 500]) {
          for (const limit of [1, 2, 7, 250, 1000]) {
            expect(await store.listEvents(job.id, after, limit), `after ${after}, limit ${limit}`).toStrictEqual(all.slice(after, after + limit));
          }
        }
        // the data as sent, key order included (it is streamed as JSON)
        expect((await store.listEvents(job.id)).map((e) => JSON.stringify(e.data))).toEqual(all.map((e) => JSON.stringify(e.data)));
      });

      it("keeps progress events that are not consecutive steps exactly as given", async () => {
        const { job } = await setupJob();
        const given: NewEvent[] = [
          stepEvent(1, 1, 0),
          stepEvent(2, 1, 1),
          stepEvent(2, 1, 1), // repeated
          stepEvent(4, 1, 2), // a gap in steps
          stepEvent(5, 1, 4), // a gap in batches
          stepEvent(6, 2, 5), // another epoch
          { type: "progress", data: { step: 7, epoch: 2, batch: 6, loss: 0.5, extra: true } },
          { type: "progress", data: { epoch: 2, step: 8, batch: 7, loss: 0.5 } },
          { type: "progress", data: { step: 9, epoch: 2, batch: 8, loss: "0.5" } },
          { type: "progress", data: { step: 10.5, epoch: 2, batch: 9, loss: 0.5 } },
          { type: "progress", data: { step: 11, epoch: 2, batch: 10, loss: null } },
          { type: "progress", data: [11, 2, 10, 0.5] },
          { type: "status", data: { step: 12, epoch: 2, batch: 11, loss: 0.5 } },
          stepEvent(13, 2, 12),
          stepEvent(14, 2, 13),
        ];
        await store.appendEvents(job.id, given);
        const events = await store.listEvents(job.id, 1);
        expect(events.map(({ type, data }) => ({ type, data }))).toStrictEqual(given);
        expect(events.map((e) => JSON.stringify(e.data))).toEqual(given.map((e) => JSON.stringify(e.data)));
        expect(events.map((e) => e.seq)).toEqual(given.map((_, i) => i + 2));
      });

      it("truncates inside a run of steps, keeping the steps before the cut", async () => {
        const { job } = await setupJob();
        await startJob(job.id);
        const steps = stepEvents(1, 50, 1);
        await store.appendEvents(job.id, steps); // seqs 3..52
        await store.truncateEvents(job.id, 22);
        expect((await store.listEvents(job.id, 2)).map(({ type, data }) => ({ type, data }))).toStrictEqual(steps.slice(0, 20));
        expect(await store.appendEvents(job.id, stepEvents(21, 5, 1, 20))).toBe(27);
        expect((await store.listEvents(job.id, 2)).map(({ type, data }) => ({ type, data }))).toStrictEqual([...steps.slice(0, 20), ...stepEvents(21, 5, 1, 20)]);
        await store.truncateEvents(job.id, 3); // one step left
        expect((await store.listEvents(job.id)).map((e) => e.seq)).toEqual([1, 2, 3]);
        expect((await store.listEvents(job.id, 2))[0]!.data).toStrictEqual(steps[0]!.data);
        expect(await store.appendEvents(job.id, [steps[1]!])).toBe(4);
      });

      it("appends nothing after a job's end: its `done` event stays the last (job_not_active)", async () => {
        const { job } = await setupJob();
        await startJob(job.id);
        await store.finishJob(job.id, { status: "succeeded", metrics: {}, error: null, finishedAt: timestamp() }, [
          statusEvent("succeeded"),
          { type: "done", data: { id: job.id } },
        ]);
        await expectConflict(store.appendEvents(job.id, [progressEvent(7)]), "job_not_active");
        expect((await store.listEvents(job.id)).map((e) => e.type)).toEqual(["status", "status", "status", "done"]);
      });

      it("refuses to append to an unknown job", async () => {
        await expect(store.appendEvents("job_missing", [progressEvent(1)])).rejects.toThrow(/not found/);
        expect(await store.listEvents("job_missing")).toEqual([]);
      });
    });

    describe("event retention (pruneEvents) and reading past its gaps", () => {
      const FAR_FUTURE = "9999-01-01T00:00:00.000Z";
      const keepAll = { endedBefore: "1970-01-01T00:00:00.000Z", keepLast: Number.MAX_SAFE_INTEGER };

      /** Runs pruneEvents from the first job until `done`; the rows deleted and the steps taken. */
      async function prunePass(policy: EventRetentionPolicy, budget: PruneBudget = { maxJobs: 100, maxRows: 1000 }) {
        let cursor: string | null = null;
        let rows = 0;
        for (let steps = 1; ; steps++) {
          const step = await store.pruneEvents(policy, cursor, budget);
          rows += step.deletedRows;
          cursor = step.cursor;
          if (step.done) return { rows, steps };
        }
      }

      /** A job: queued, running, `steps` steps of one epoch (seq 3..), its epoch, then succeeded and done if `finishedAt`. */
      async function longJob(steps: number, finishedAt: string | null) {
        const { job } = await setupJob();
        await startJob(job.id);
        for (let first = 1; first <= steps; first += 50_000) await store.appendEvents(job.id, stepEvents(first, Math.min(50_000, steps - first + 1), 1, first - 1));
        await store.appendEvents(job.id, [{ type: "epoch", data: { epoch: 1, train_loss: 0.5 } }]);
        if (finishedAt !== null) {
          await store.finishJob(job.id, { status: "succeeded", metrics: {}, error: null, finishedAt }, [statusEvent("succeeded"), { type: "done", data: { id: job.id } }]);
        }
        return job;
      }

      const typesOf = async (id: string) => (await store.listEvents(id)).map((e) => [e.seq, e.type]);

      it("deletes the progress events of jobs that ended before the cutoff, keeping epochs, statuses and done", async () => {
        const old = await longJob(10_000, "2025-01-01T00:00:00.000Z"); // seq 3..10002 steps (3 rows), then 10003-10005
        const recent = await longJob(100, "2025-06-01T00:00:00.000Z");
        const running = await longJob(100, null);
        const policy = { endedBefore: "2025-03-01T00:00:00.000Z", keepLast: 1_000_000 };
        expect(await prunePass(policy)).toEqual({ rows: 3, steps: 1 });
        expect(await typesOf(old.id)).toEqual([[1, "status"], [2, "status"], [10_003, "epoch"], [10_004, "status"], [10_005, "done"]]);
        expect(await store.listEvents(recent.id)).toHaveLength(105);
        expect(await store.listEvents(running.id)).toHaveLength(103);
        expect(await prunePass(policy)).toEqual({ rows: 0, steps: 1 }); // nothing left to delete
      });

      it("thins any job to its last `keepLast` events, deleting only rows that lie wholly before them", async () => {
        const job = await longJob(10_000, null); // steps in rows starting at 3, 4099 and 8195; the epoch at 10003
        // the last 5906 events start at 4098, inside the first row; the last 5905 start after it (a
        // running job keeps its steps however far in the past `endedBefore` lies)
        expect(await prunePass({ endedBefore: FAR_FUTURE, keepLast: 5906 })).toEqual({ rows: 0, steps: 1 });
        expect(await prunePass({ endedBefore: FAR_FUTURE, keepLast: 5905 })).toEqual({ rows: 1, steps: 1 });
        const events = await store.listEvents(job.id);
        expect(events.map((e) => e.seq)).toEqual([1, 2, ...Array.from({ length: 10_003 - 4098 }, (_, i) => 4099 + i)]);
        expect(events[2]!.data).toStrictEqual(stepEvent(4097, 1, 4096).data);
        // keepLast 1 leaves the last row, an epoch here; the job goes on numbering after it
        await prunePass({ endedBefore: "1970-01-01T00:00:00.000Z", keepLast: 1 });
        expect(await typesOf(job.id)).toEqual([[1, "status"], [2, "status"], [10_003, "epoch"]]);
        expect(await store.appendEvents(job.id, [progressEvent(1)])).toBe(10_004);
      });

      it("never deletes a job's last row, even of steps", async () => {
        // a running job (nothing is appended after a job's end), past keepLast
        const job = await longJob(10, null);
        await store.appendEvents(job.id, stepEvents(11, 5, 1, 10)); // the last row is now steps
        await prunePass({ endedBefore: FAR_FUTURE, keepLast: 1 });
        expect((await typesOf(job.id)).at(-1)).toEqual([18, "progress"]);
        // the next event is numbered after it
        expect(await store.appendEvents(job.id, [statusEvent("cancelled")])).toBe(19);
      });

      it("works in steps bounded by jobs and rows, continuing from the cursor", async () => {
        const jobs = [await longJob(10_000, "2025-01-01T00:00:00.000Z"), await longJob(5, "2025-01-01T00:00:00.000Z"), await longJob(10_000, "2025-01-01T00:00:00.000Z")];
        const policy = { endedBefore: FAR_FUTURE, keepLast: 1_000_000 };
        expect(await store.pruneEvents(keepAll, null, { maxJobs: 2, maxRows: 10 })).toEqual({ deletedRows: 0, cursor: jobs[1]!.id, done: false });
        const first = await store.pruneEvents(policy, null, { maxJobs: 10, maxRows: 2 });
        expect(first).toEqual({ deletedRows: 2, cursor: null, done: false }); // stopped inside the first job
        expect(await store.pruneEvents(policy, null, { maxJobs: 10, maxRows: 2 })).toEqual({ deletedRows: 2, cursor: jobs[0]!.id, done: false });
        expect(await prunePass(policy, { maxJobs: 1, maxRows: 2 })).toEqual({ rows: 3, steps: 5 });
        for (const job of jobs) expect((await store.listEvents(job.id)).some((e) => e.type === "progress")).toBe(false);
      });

      it("reads past gaps in pages: a page is empty only when no event follows", async () => {
        const job = await longJob(10_000, "2025-01-01T00:00:00.000Z");
        await prunePass({ endedBefore: FAR_FUTURE, keepLast: 1_000_000 });
        expect((await store.listEvents(job.id, 0, 1000)).map((e) => e.seq)).toEqual([1, 2]);
        expect((await store.listEvents(job.id, 2, 1000)).map((e) => e.seq)).toEqual([10_003]);
        expect((await store.listEvents(job.id, 500, 2)).map((e) => e.seq)).toEqual([10_003]); // resuming inside the gap
        expect((await store.listEvents(job.id, 10_003, 1000)).map((e) => e.seq)).toEqual([10_004, 10_005]);
        expect(await store.listEvents(job.id, 10_005, 1000)).toEqual([]);
        expect((await store.listEvents(job.id)).map((e) => e.seq)).toEqual([1, 2, 10_003, 10_004, 10_005]);
      });

      it("pages a history of many rows by events: every page holds the events it asks for", async () => {
        const job = await longJob(20_000, null); // 5 rows of up to 4096 steps
        for (const [after, limit] of [[0, 1000], [2, 1], [4097, 3], [4098, 5000], [10_000, 10_001]] as const) {
          const page = await store.listEvents(job.id, after, limit);
          expect(page.map((e) => e.seq), `after ${after}, limit ${limit}`).toEqual(Array.from({ length: Math.min(limit, 20_003 - after) }, (_, i) => after + 1 + i));
        }
      });
    });

    describe("checkpoints", () => {
      it("saves a checkpoint after appending its events; its seq is the last event's", async () => {
        const { job } = await setupJob();
        await startJob(job.id);
        expect(await store.getCheckpoint(job.id)).toBeNull();
        const state = randomBlob(10_000);
        const saved = await store.saveCheckpoint(job.id, state, [progressEvent(1), progressEvent(2)]);
        expect(saved.jobId).toBe(job.id);
        expect(saved.seq).toBe(4);
        expect(saved.createdAt).toMatch(ISO);
        expectBytes(saved.state, state);
        const got = await store.getCheckpoint(job.id);
        expect(got).toStrictEqual(saved);
        expectBytes(got!.state, state);
        const original = state.slice();
        state.fill(0); // neither the stored nor the returned state aliases the caller's bytes
        expectBytes(saved.state, original);
        expectBytes((await store.getCheckpoint(job.id))!.state, original);
        expect((await store.listEvents(job.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      });

      it("replaces the previous checkpoint; without events its seq is the current last", async () => {
        const { model, dataset, job } = await setupJob();
        const other = sampleJob({ modelId: model.id, datasetId: dataset.id });
        await store.createJob(other, statusEvent("queued"));
        await startJob(job.id);
        await store.saveCheckpoint(job.id, randomBlob(100), [progressEvent(1)]);
        const otherState = randomBlob(50);
        await store.saveCheckpoint(other.id, otherState, []);
        await store.appendEvents(job.id, [progressEvent(2)]);
        const state = randomBlob(200);
        const second = await store.saveCheckpoint(job.id, state, []);
        expect(second.seq).toBe(4);
        const got = await store.getCheckpoint(job.id);
        expect(got!.seq).toBe(4);
        expectBytes(got!.state, state);
        const otherGot = await store.getCheckpoint(other.id);
        expect(otherGot!.seq).toBe(1);
        expectBytes(otherGot!.state, otherState);
      });

      it("resumes from a checkpoint taken between steps: the steps after it go, the ones before stay", async () => {
        const { job } = await setupJob();
        await startJob(job.id);
        const checkpoint = await store.saveCheckpoint(job.id, randomBlob(64), stepEvents(1, 40, 1));
        expect(checkpoint.seq).toBe(42);
        await store.appendEvents(job.id, stepEvents(41, 60, 1, 40)); // lost by a crash
        await store.truncateEvents(job.id, checkpoint.seq);
        expect((await store.listEvents(job.id, 2)).map(({ type, data }) => ({ type, data }))).toStrictEqual(stepEvents(1, 40, 1));
        expect(await store.appendEvents(job.id, stepEvents(41, 60, 1, 40))).toBe(102);
        expect((await store.listEvents(job.id, 2)).map(({ type, data }) => ({ type, data }))).toStrictEqual(stepEvents(1, 100, 1));
      });

      it("supports resuming: truncate to the checkpoint's seq and regenerate", async () => {
        const { job } = await setupJob();
        await startJob(job.id);
        const checkpoint = await store.saveCheckpoint(job.id, randomBlob(64), [progressEvent(1)]);
        await store.appendEvents(job.id, [progressEvent(2), progressEvent(3)]); // lost by a crash
        await store.truncateEvents(job.id, checkpoint.seq);
        expect(await store.appendEvents(job.id, [progressEvent(2)])).toBe(checkpoint.seq + 1);
      });
    });

    describe("finishJob", () => {
      const succeeded = () => ({
        status: "succeeded" as const,
        metrics: { loss: 0.12, epochs: [{ epoch: 1, train_loss: 0.12 }], stopped_early: false },
        error: null,
        finishedAt: timestamp(),
      });

      it("ends the job, appends events, updates the model's weights and drops the checkpoint", async () => {
        const { model, job } = await setupJob();
        await startJob(job.id);
        await store.saveCheckpoint(job.id, randomBlob(128), [progressEvent(1)]);
        const weights = sampleWeights();
        const generatorState = randomBlob(5056);
        const patch = { ...succeeded(), progress: { epoch: 3, epochs: 3, step: 9, total_steps: 9 } };
        const ended = await store.finishJob(job.id, patch, [progressEvent(9), statusEvent("succeeded")], {
          modelId: model.id,
          weights,
          generatorState,
        });
        expect(ended).toMatchObject({ ...patch, id: job.id, startedAt: expect.any(String) });
        expect(ended!.updatedAt).toMatch(ISO);
        expect(await store.getJob(job.id)).toStrictEqual(ended);
        const stored = (await store.getModel(model.id))!;
        expect(stored.version).toBe(model.version + 1);
        expectBytes(stored.weights, weights);
        expectBytes(stored.generatorState, generatorState);
        expect(await store.getCheckpoint(job.id)).toBeNull();
        expect((await store.listEvents(job.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
        expect((await store.listEvents(job.id, 4))[0]!.data).toStrictEqual({ status: "succeeded" });
      });

      it("writes events computed from the ended job, in the same transaction", async () => {
        const { job } = await setupJob();
        await startJob(job.id);
        const ended = await store.finishJob(job.id, succeeded(), (j) => [statusEvent(j.status), { type: "done", data: { id: j.id, updated_at: j.updatedAt } }]);
        const events = await store.listEvents(job.id);
        expect(events.at(-1)).toMatchObject({ type: "done", data: { id: job.id, updated_at: ended!.updatedAt } });
        expect(events.at(-2)!.data).toStrictEqual({ status: "succeeded" });
      });

      it("keeps the progress when the patch has none, and leaves the model alone without an update", async () => {
        const { model, job } = await setupJob();
        const running = await startJob(job.id);
        const error = { code: "training_error", message: "loss became NaN at step 4" };
        const ended = await store.finishJob(job.id, { status: "failed", metrics: running.metrics, error, finishedAt: timestamp() }, []);
        expect(ended!.progress).toStrictEqual(running.progress);
        expect(ended!.error).toStrictEqual(error);
        expect(await store.getModel(model.id)).toStrictEqual(model);
      });

      it("is all or nothing: a failing model update leaves the job, events and checkpoint as they were", async () => {
        const { job } = await setupJob();
        const running = await startJob(job.id);
        const checkpoint = await store.saveCheckpoint(job.id, randomBlob(32), []);
        await expect(
          store.finishJob(job.id, succeeded(), [statusEvent("succeeded")], {
            modelId: "mdl_missing",
            weights: sampleWeights(),
            generatorState: randomBlob(5056),
          }),
        ).rejects.toThrow();
        expect(await store.getJob(job.id)).toStrictEqual(running);
        expect((await store.listEvents(job.id)).map((e) => e.seq)).toEqual([1, 2]);
        expect(await store.getCheckpoint(job.id)).toStrictEqual(checkpoint);
      });

      it("returns null for an unknown job and changes no model", async () => {
        const model = sampleModel();
        await store.createModel(model);
        const result = await store.finishJob("job_missing", succeeded(), [statusEvent("succeeded")], {
          modelId: model.id,
          weights: sampleWeights(),
          generatorState: randomBlob(5056),
        });
        expect(result).toBeNull();
        expect(await store.getModel(model.id)).toStrictEqual(model);
      });
    });

    describe("finished jobs are final (job_not_active)", () => {
      async function finishedJob() {
        const { model, job } = await setupJob();
        await startJob(job.id);
        await store.saveCheckpoint(job.id, randomBlob(16), []);
        const ended = await store.finishJob(job.id, { status: "cancelled", metrics: {}, error: null, finishedAt: timestamp() }, [
          statusEvent("cancelled"),
        ]);
        return { model, job: ended! };
      }

      it("refuses to patch or finish a finished job (job_not_active) and changes nothing", async () => {
        const { model, job } = await finishedJob();
        await expectConflict(store.updateJob(job.id, { cancelRequested: true }), "job_not_active");
        await expectConflict(store.updateJob(job.id, { status: "running" }, [statusEvent("running")]), "job_not_active");
        await expectConflict(
          store.finishJob(job.id, { status: "succeeded", metrics: {}, error: null, finishedAt: timestamp() }, [statusEvent("succeeded")], {
            modelId: model.id,
            weights: sampleWeights(),
            generatorState: randomBlob(5056),
          }),
          "job_not_active",
        );
        await expectConflict(store.saveCheckpoint(job.id, randomBlob(16), []), "job_not_active");
        await expectConflict(store.truncateEvents(job.id, 1), "job_not_active");
        await expectConflict(store.appendEvents(job.id, [progressEvent(1)]), "job_not_active");
        expect(await store.getJob(job.id)).toStrictEqual(job);
        expect(await store.getModel(model.id)).toStrictEqual(model);
        expect(await store.getCheckpoint(job.id)).toBeNull();
        expect((await store.listEvents(job.id)).map((e) => e.seq)).toEqual([1, 2, 3]);
      });

      it("drops the checkpoint of a job ended through updateJob", async () => {
        const { job } = await setupJob();
        await startJob(job.id);
        await store.saveCheckpoint(job.id, randomBlob(16), []);
        await store.updateJob(job.id, { status: "cancelled", finishedAt: timestamp() }, [statusEvent("cancelled")]);
        expect(await store.getCheckpoint(job.id)).toBeNull();
      });

    });

    describe("attempts: each run's writes are fenced (attempt_superseded)", () => {
      const ended = () => ({ status: "succeeded" as const, metrics: { loss: 0.5, epochs: [] }, error: null, finishedAt: timestamp() });

      it("numbers the runs of a job from 1, each with the job as it is and its last event's seq", async () => {
        const { job } = await setupJob();
        expect(await store.beginAttempt(job.id)).toStrictEqual({ job, attempt: 1, lastSeq: 1 });
        const running = await store.updateJob(job.id, { status: "running", startedAt: timestamp() }, [statusEvent("running")], 1);
        await store.appendEvents(job.id, stepEvents(1, 30, 1), 1);
        expect(await store.beginAttempt(job.id)).toStrictEqual({ job: running, attempt: 2, lastSeq: 32 });
        expect((await store.beginAttempt(job.id))!.attempt).toBe(3);
        expect(await store.getJob(job.id)).toStrictEqual(running); // the attempt is not part of the job
      });

      it("begins nothing for an unknown or ended job", async () => {
        expect(await store.beginAttempt("job_missing")).toBeNull();
        const { job } = await setupJob();
        await store.beginAttempt(job.id);
        await store.finishJob(job.id, ended(), [statusEvent("succeeded")], undefined, 1);
        expect(await store.beginAttempt(job.id)).toBeNull();
      });

      it("refuses every write of a superseded attempt and changes nothing; the latest attempt's go through", async () => {
        const { model, job } = await setupJob();
        await store.beginAttempt(job.id);
        await store.updateJob(job.id, { status: "running", startedAt: timestamp() }, [statusEvent("running")], 1);
        const checkpoint = await store.saveCheckpoint(job.id, randomBlob(64), stepEvents(1, 10, 1), 1);
        await store.appendEvents(job.id, stepEvents(11, 5, 1, 10), 1);
        // another run takes the job over: the first one, paused meanwhile, wakes up and writes
        const second = (await store.beginAttempt(job.id))!;
        expect(second).toMatchObject({ attempt: 2, lastSeq: 17 });
        const stored = { job: await store.getJob(job.id), events: await store.listEvents(job.id), model: await store.getModel(model.id) };
        await expectConflict(store.appendEvents(job.id, stepEvents(16, 5, 1, 15), 1), "attempt_superseded");
        await expectConflict(store.saveCheckpoint(job.id, randomBlob(64), stepEvents(16, 5, 1, 15), 1), "attempt_superseded");
        await expectConflict(store.updateJob(job.id, { progress: { step: 20 } }, [], 1), "attempt_superseded");
        await expectConflict(store.truncateEvents(job.id, 2, 1), "attempt_superseded");
        const weights = { modelId: model.id, weights: sampleWeights(), generatorState: randomBlob(5056) };
        await expectConflict(store.finishJob(job.id, ended(), [statusEvent("succeeded")], weights, 1), "attempt_superseded");
        expect(await store.getJob(job.id)).toStrictEqual(stored.job);
        expect(await store.listEvents(job.id)).toStrictEqual(stored.events);
        expect(await store.getModel(model.id)).toStrictEqual(stored.model);
        expect(await store.getCheckpoint(job.id)).toStrictEqual(checkpoint);

        // the new run resumes from the checkpoint and ends the job
        await store.truncateEvents(job.id, checkpoint.seq, 2);
        expect(await store.appendEvents(job.id, stepEvents(11, 5, 1, 10), 2)).toBe(17);
        await store.saveCheckpoint(job.id, randomBlob(64), [], 2);
        await store.updateJob(job.id, { progress: { step: 15 } }, [], 2);
        const done = await store.finishJob(job.id, ended(), (j) => [statusEvent(j.status), { type: "done", data: { id: j.id } }], weights, 2);
        expect(done!.status).toBe("succeeded");
        expect((await store.getModel(model.id))!.version).toBe(model.version + 1);
        expect((await store.listEvents(job.id, 2)).map((e) => e.data)).toStrictEqual([...stepEvents(1, 15, 1).map((e) => e.data), { status: "succeeded" }, { id: job.id }]);
      });

      it("refuses a superseded attempt as such after the job ended; the attempt that ended it gets job_not_active", async () => {
        const { job } = await setupJob();
        await store.beginAttempt(job.id);
        await store.beginAttempt(job.id);
        await store.finishJob(job.id, ended(), [statusEvent("succeeded")], undefined, 2);
        await expectConflict(store.appendEvents(job.id, [progressEvent(1)], 1), "attempt_superseded");
        await expectConflict(store.finishJob(job.id, ended(), [statusEvent("succeeded")], undefined, 1), "attempt_superseded");
        await expectConflict(store.appendEvents(job.id, [progressEvent(1)], 2), "job_not_active");
      });

      it("fences no write that passes no attempt (a cancel request)", async () => {
        const { job } = await setupJob();
        await store.beginAttempt(job.id);
        await store.beginAttempt(job.id);
        const cancelling = await store.updateJob(job.id, { cancelRequested: true });
        expect(cancelling!.cancelRequested).toBe(true);
        expect(await store.appendEvents(job.id, [statusEvent("running")])).toBe(2);
      });

      it("refuses an attempt that was never begun", async () => {
        const { job } = await setupJob();
        await expectConflict(store.appendEvents(job.id, [progressEvent(1)], 1), "attempt_superseded");
        await store.beginAttempt(job.id);
        await expectConflict(store.appendEvents(job.id, [progressEvent(1)], 2), "attempt_superseded");
        expect(await store.appendEvents(job.id, [progressEvent(1)], 1)).toBe(2);
      });

      it("keeps counting attempts across reopening", async (ctx) => {
        if (!fixture.reopen) ctx.skip();
        const { job } = await setupJob();
        await store.beginAttempt(job.id);
        await store.close();
        store = await fixture.reopen!();
        await expectConflict(store.appendEvents(job.id, [progressEvent(1)], 2), "attempt_superseded");
        expect((await store.beginAttempt(job.id))!.attempt).toBe(2);
      });
    });

    describe("lifecycle", () => {
      it("pings and closes idempotently", async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        await store.close();
        await store.close();
      });
    });

    tenantContract(() => store);
    versionContract(() => store);
    jobDeleteContract(() => store);

    describe("persistence", () => {
      it("keeps everything across closing and reopening", async (ctx) => {
        if (!fixture.reopen) ctx.skip();
        const key = `key-${randomUUID()}`;
        const { model, dataset, job } = await setupJob({ idempotencyKey: key });
        const models = [model, sampleModel(), sampleModel()];
        for (const m of models.slice(1)) await store.createModel(m);
        await startJob(job.id);
        const state = randomBlob(4096);
        const checkpoint = await store.saveCheckpoint(job.id, state, [progressEvent(1)]);
        const current = await store.getJob(job.id);
        const events = await store.listEvents(job.id);
        const deleted = models[1]!;
        await store.deleteModel(deleted.id);

        await store.close();
        store = await fixture.reopen!();

        expect(await store.getModel(model.id)).toStrictEqual(model);
        expect(await store.getDataset(dataset.id)).toStrictEqual(dataset);
        expect(await store.getJob(job.id)).toStrictEqual(current);
        expect(await store.listEvents(job.id)).toStrictEqual(events);
        const got = await store.getCheckpoint(job.id);
        expect(got).toStrictEqual(checkpoint);
        expectBytes(got!.state, state);
        expect((await store.listModels()).items.map((m) => m.id)).toEqual([model.id, models[2]!.id]);
        expect((await store.listModels({ after: deleted.id })).items.map((m) => m.id)).toEqual([models[2]!.id]);
        // constraints and numbering carry on
        expect(await store.appendEvents(job.id, [progressEvent(2)])).toBe(events.length + 1);
        const retry = await store.createJob(sampleJob({ modelId: model.id, datasetId: dataset.id }, { idempotencyKey: key }), statusEvent("queued"));
        expect(retry.created).toBe(false);
        await expectConflict(store.deleteModel(model.id), "model_in_use");
      });

      it("keeps tenants and API keys across reopening, the default tenant once", async (ctx) => {
        if (!fixture.reopen) ctx.skip();
        const tenant = sampleTenant();
        await store.createTenant(tenant);
        const key = sampleApiKey(tenant.id);
        await store.createApiKey(key);
        await store.close();
        store = await fixture.reopen!();
        expect(await store.listTenants()).toStrictEqual({ items: [DEFAULT_TENANT, tenant], nextCursor: null });
        expect(await store.getApiKeyByPrefix(key.prefix)).toStrictEqual(key);
      });

      it("keeps a finished job together with its model's new weights across reopening", async (ctx) => {
        if (!fixture.reopen) ctx.skip();
        const { model, job } = await setupJob();
        await startJob(job.id);
        const weights = sampleWeights();
        const ended = await store.finishJob(
          job.id,
          { status: "succeeded", metrics: { loss: 0.1, epochs: [] }, error: null, finishedAt: timestamp() },
          [statusEvent("succeeded")],
          { modelId: model.id, weights, generatorState: model.generatorState },
        );
        await store.close();
        store = await fixture.reopen!();
        expect(await store.getJob(job.id)).toStrictEqual(ended);
        const stored = (await store.getModel(model.id))!;
        expect(stored.version).toBe(model.version + 1);
        expectBytes(stored.weights, weights);
      });
    });
  });
}
