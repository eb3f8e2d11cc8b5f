/**
 * The Store contract's part on versions of models' weights (issue 17): each succeeded job's and
 * each upload's weights kept in the transaction that writes them, listed, read, restored, counted
 * in the tenant's bytes and deleted with their model. storeContract (contract.ts) runs it against
 * every implementation.
 */
import { describe, expect, it } from "vitest";
import { StoreCursorError } from "../../src/store/common.js";
import type { Store } from "../../src/store/store.js";
import type { JobRecord, ModelRecord } from "../../src/store/types.js";
import { expectBytes, expectConflict, randomBlob, sampleJob, sampleModel, sampleWeights, statusEvent, storeJob, timestamp } from "./contract.js";

const succeeded = (loss: number): Pick<JobRecord, "status" | "metrics" | "error" | "finishedAt"> => ({
  status: "succeeded",
  metrics: { loss, epochs: [] },
  error: null,
  finishedAt: timestamp(),
});

/**
 * What the migration to versions (SQLite 8 -> 9, Postgres 7 -> 8) makes of a model stored before
 * it whose weights never changed (none) and of one whose weights did (them as its version 1, current).
 */
export async function expectMigratedVersions(store: Store, untouched: ModelRecord, trained: ModelRecord): Promise<void> {
  expect(await store.getModel(untouched.id)).toStrictEqual(untouched);
  expect(await store.getModel(trained.id)).toStrictEqual({ ...trained, currentVersion: 1 });
  expect((await store.listVersions(untouched.id)).items).toEqual([]);
  expect((await store.listVersions(trained.id)).items).toEqual([
    { modelId: trained.id, tenantId: trained.tenantId, version: 1, jobId: null, metrics: null, bytes: trained.weights.byteLength, createdAt: trained.updatedAt },
  ]);
  const kept = (await store.getVersion(trained.id, 1))!;
  expectBytes(kept.weights, trained.weights);
  expectBytes(kept.generatorState, trained.generatorState);
}

export function versionContract(current: () => Store): void {
  /** Runs a queued job of `modelId` to success with new weights; returns the job and what it wrote. */
  async function succeed(modelId: string, datasetId: string, loss = 0.5) {
    const store = current();
    const { job } = await store.createJob(sampleJob({ modelId, datasetId }), statusEvent("queued"));
    await store.updateJob(job.id, { status: "running", startedAt: timestamp() }, [statusEvent("running")]);
    const update = { modelId, weights: sampleWeights(), generatorState: randomBlob(5056), metrics: { loss } };
    await store.finishJob(job.id, succeeded(loss), [statusEvent("succeeded")], update);
    return { job, ...update };
  }

  describe("versions of models' weights", () => {
    it("keeps each succeeded job's weights as the model's next version, current, in finishJob's transaction", async () => {
      const store = current();
      const { model, dataset } = await storeJob(store);
      expect((await store.getModel(model.id))!.currentVersion).toBeNull();
      const first = await succeed(model.id, dataset.id, 0.5);
      const second = await succeed(model.id, dataset.id, 0.25);

      const { items, nextCursor } = await store.listVersions(model.id);
      expect(nextCursor).toBeNull();
      expect(items).toEqual([
        { modelId: model.id, tenantId: model.tenantId, version: 1, jobId: first.job.id, metrics: { loss: 0.5 }, bytes: first.weights.byteLength, createdAt: expect.any(String) },
        { modelId: model.id, tenantId: model.tenantId, version: 2, jobId: second.job.id, metrics: { loss: 0.25 }, bytes: second.weights.byteLength, createdAt: expect.any(String) },
      ]);
      const stored = (await store.getModel(model.id))!;
      expect(stored.currentVersion).toBe(2);
      expectBytes(stored.weights, second.weights);

      const one = (await store.getVersionOfJob(first.job.id))!;
      expect(one).toMatchObject({ version: 1, jobId: first.job.id });
      expectBytes(one.weights, first.weights);
      expectBytes(one.generatorState, first.generatorState);
      expectBytes((await store.getVersion(model.id, 2))!.weights, second.weights);
      expect(await store.getVersion(model.id, 3)).toBeNull();
      expect(await store.getVersionOfJob("job_missing")).toBeNull();
    });

    it("keeps no version when finishJob fails: a missing model writes nothing, a superseded attempt neither", async () => {
      const store = current();
      const { model, job } = await storeJob(store);
      await store.updateJob(job.id, { status: "running", startedAt: timestamp() }, [statusEvent("running")]);
      const update = { modelId: "mdl_missing", weights: sampleWeights(), generatorState: randomBlob(5056) };
      await expect(store.finishJob(job.id, succeeded(0.1), [], update)).rejects.toThrow();
      expect(await store.getVersionOfJob(job.id)).toBeNull();
      const { attempt } = (await store.beginAttempt(job.id))!;
      await store.beginAttempt(job.id);
      await expectConflict(store.finishJob(job.id, succeeded(0.1), [], { ...update, modelId: model.id }, attempt), "attempt_superseded");
      expect((await store.listVersions(model.id)).items).toEqual([]);
      expect((await store.getModel(model.id))!.currentVersion).toBeNull();
    });

    it("keeps an upload (updateModelWeights) as a version made by no job", async () => {
      const store = current();
      const model = sampleModel();
      await store.createModel(model);
      const weights = sampleWeights();
      const updated = (await store.updateModelWeights(model.id, weights, model.generatorState, model.version))!;
      expect(updated.currentVersion).toBe(1);
      expect((await store.listVersions(model.id)).items).toMatchObject([{ version: 1, jobId: null, metrics: null, bytes: weights.byteLength }]);
      expectBytes((await store.getVersion(model.id, 1))!.weights, weights);
      // a stale upload keeps nothing
      await expectConflict(store.updateModelWeights(model.id, sampleWeights(), model.generatorState, model.version), "version_conflict");
      expect((await store.listVersions(model.id)).items).toHaveLength(1);
    });

    it("restores a version: its weights and generator state become the model's, copied, and no version is added", async () => {
      const store = current();
      const { model, dataset } = await storeJob(store);
      const first = await succeed(model.id, dataset.id);
      await succeed(model.id, dataset.id);
      const before = (await store.getModel(model.id))!;
      const restored = (await store.restoreVersion(model.id, 1))!;
      expect(restored).toMatchObject({ id: model.id, currentVersion: 1, version: before.version + 1 });
      expect(restored).not.toHaveProperty("weights");
      const stored = (await store.getModel(model.id))!;
      expectBytes(stored.weights, first.weights);
      expectBytes(stored.generatorState, first.generatorState);
      expect(stored.updatedAt).toBe(restored.updatedAt);
      expect((await store.listVersions(model.id)).items.map((v) => v.version)).toEqual([1, 2]);
      // the next success is the next number, current
      await succeed(model.id, dataset.id);
      expect((await store.getModel(model.id))!.currentVersion).toBe(3);
    });

    it("restores nothing for a version or model that does not exist", async () => {
      const store = current();
      const model = sampleModel();
      await store.createModel(model);
      expect(await store.restoreVersion(model.id, 1)).toBeNull();
      expect(await store.restoreVersion("mdl_missing", 1)).toBeNull();
      expect(await store.getModel(model.id)).toStrictEqual(model);
    });

    it("pages versions by number: `after` a version, StoreCursorError for one the model never had", async () => {
      const store = current();
      const model = sampleModel();
      await store.createModel(model);
      for (let i = 0; i < 5; i++) await store.updateModelWeights(model.id, sampleWeights(), model.generatorState);
      const first = await store.listVersions(model.id, { limit: 2 });
      expect(first.items.map((v) => v.version)).toEqual([1, 2]);
      expect(first.nextCursor).toBe("2");
      const last = await store.listVersions(model.id, { limit: 2, after: "4" });
      expect(last).toMatchObject({ items: [{ version: 5 }], nextCursor: null });
      for (const after of ["6", "0", "x", "1.5", "-1"]) {
        await expect(store.listVersions(model.id, { after })).rejects.toBeInstanceOf(StoreCursorError);
      }
      expect(await store.listVersions("mdl_missing")).toEqual({ items: [], nextCursor: null });
    });

    it("counts versions' bytes in the tenant's usage, and deletes them with their model", async () => {
      const store = current();
      const { model, dataset, job } = await storeJob(store);
      const base = (await store.tenantUsage(model.tenantId)).bytes;
      await store.updateJob(job.id, { status: "cancelled", finishedAt: timestamp() }, []);
      const first = await succeed(model.id, dataset.id);
      const second = await succeed(model.id, dataset.id);
      // the model's own weights keep their size (sampleWeights are all alike): the versions are what grows
      expect((await store.tenantUsage(model.tenantId)).bytes).toBe(base + first.weights.byteLength + second.weights.byteLength);
      expect(await store.deleteModel(model.id)).toBe(true);
      expect(await store.getVersionOfJob(first.job.id)).toBeNull();
      expect(await store.getVersion(model.id, 1)).toBeNull();
      expect((await store.listVersions(model.id)).items).toEqual([]);
      expect((await store.tenantUsage(model.tenantId)).bytes).toBe(base - model.weights.byteLength);
      // a new model gets the deleted one's numbers afresh (versions are per model)
      const other = sampleModel();
      await store.createModel(other);
      await store.updateModelWeights(other.id, sampleWeights(), other.generatorState);
      expect((await store.listVersions(other.id)).items.map((v) => v.version)).toEqual([1]);
    });
  });
}
