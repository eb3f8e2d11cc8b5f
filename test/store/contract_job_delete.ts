/**
 * The Store contract's part on deleting jobs (Store.deleteJob): an ended job goes with its events
 * and checkpoint, an active one is refused, the version it made stays, and a listing's cursor that
 * names it still continues, for its own tenant only. storeContract (contract.ts) runs it against
 * every implementation.
 */
import { describe, expect, it } from "vitest";
import { StoreCursorError } from "../../src/store/common.js";
import type { Store } from "../../src/store/store.js";
import type { JobStatus } from "../../src/store/types.js";
import { expectBytes, expectConflict, randomBlob, sampleJob, sampleWeights, statusEvent, storeJob, timestamp } from "./contract.js";
import { sampleTenant } from "./contract_tenants.js";

export function jobDeleteContract(current: () => Store): void {
  /** A stored job run to `status`, with a checkpoint saved while it ran; a succeeded one made a version. */
  async function endedJob(status: Exclude<JobStatus, "queued" | "running">, overrides = {}) {
    const store = current();
    const { model, dataset, job } = await storeJob(store, overrides);
    await store.updateJob(job.id, { status: "running", startedAt: timestamp() }, [statusEvent("running")]);
    await store.saveCheckpoint(job.id, randomBlob(1000), [{ type: "progress", data: { step: 1 } }]);
    const update = status === "succeeded" ? { modelId: model.id, weights: sampleWeights(), generatorState: randomBlob(5056) } : undefined;
    const error = status === "failed" ? { code: "training_error", message: "loss is NaN" } : null;
    await store.finishJob(job.id, { status, metrics: { loss: 0.5, epochs: [] }, error, finishedAt: timestamp() }, [statusEvent(status)], update);
    return { model, dataset, job };
  }

  describe("deleting jobs", () => {
    for (const status of ["succeeded", "failed", "cancelled"] as const) {
      it(`deletes a ${status} job with its events and checkpoint, and answers false when it is absent`, async () => {
        const store = current();
        const { job } = await endedJob(status);
        expect(await store.deleteJob(job.id)).toBe(true);
        expect(await store.getJob(job.id)).toBeNull();
        expect(await store.listEvents(job.id)).toEqual([]);
        expect(await store.getCheckpoint(job.id)).toBeNull();
        expect((await store.listJobs()).items).toEqual([]);
        expect(await store.deleteJob(job.id)).toBe(false);
      });
    }

    for (const status of ["queued", "running"] as const) {
      it(`refuses to delete a ${status} job (job_active) and changes nothing`, async () => {
        const store = current();
        const { job } = await storeJob(store);
        if (status === "running") await store.updateJob(job.id, { status: "running", startedAt: timestamp() }, [statusEvent("running")]);
        const before = await store.getJob(job.id);
        const events = await store.listEvents(job.id);
        await expectConflict(store.deleteJob(job.id), "job_active");
        expect(await store.getJob(job.id)).toStrictEqual(before);
        expect(await store.listEvents(job.id)).toStrictEqual(events);
      });
    }

    it("keeps the version a succeeded job made, still naming the job, and the tenant's bytes", async () => {
      const store = current();
      const { model, job } = await endedJob("succeeded");
      const usage = await store.tenantUsage(model.tenantId);
      const version = (await store.getVersionOfJob(job.id))!;
      expect(await store.deleteJob(job.id)).toBe(true);
      expect((await store.listVersions(model.id)).items).toEqual([expect.objectContaining({ version: version.version, jobId: job.id })]);
      expectBytes((await store.getVersion(model.id, version.version))!.weights, version.weights);
      expect(await store.tenantUsage(model.tenantId)).toStrictEqual(usage);
    });

    it("frees the job's idempotency key: the same key then stores a new job", async () => {
      const store = current();
      const { model, dataset, job } = await endedJob("cancelled", { idempotencyKey: "retry-1" });
      await store.deleteJob(job.id);
      const again = sampleJob({ modelId: model.id, datasetId: dataset.id }, { idempotencyKey: "retry-1" });
      const { job: stored, created } = await store.createJob(again, statusEvent("queued"));
      expect(created).toBe(true);
      expect(stored.id).toBe(again.id);
    });

    it("continues a listing after a cursor naming a deleted job, for the job's tenant only", async () => {
      const store = current();
      const other = sampleTenant();
      await store.createTenant(other);
      const { model, dataset, job: first } = await endedJob("failed");
      const jobs = [first];
      for (let i = 0; i < 2; i++) {
        const { job } = await store.createJob(sampleJob({ modelId: model.id, datasetId: dataset.id }), statusEvent("queued"));
        jobs.push(job);
      }
      expect(await store.deleteJob(first.id)).toBe(true);
      const page = await store.listJobs({ after: first.id, tenantId: first.tenantId });
      expect(page.items.map((j) => j.id)).toEqual([jobs[1]!.id, jobs[2]!.id]);
      await expect(store.listJobs({ after: first.id, tenantId: other.id })).rejects.toBeInstanceOf(StoreCursorError);
    });
  });
}
