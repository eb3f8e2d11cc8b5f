/**
 * Versions of models' weights (issue 17): each succeeded job's and each upload's, kept by the store
 * with the model (Store.finishJob, updateModelWeights). What a tenant reads and restores of them.
 */
import type { ListOptions, ModelSummaryRecord, ModelVersionRecord, ModelVersionWeights, Page, Store } from "../store/index.js";
import { ConflictError, NotFoundError } from "./errors.js";
import { owned } from "./ownership.js";

/** The tenant's model's versions, oldest first, and the model (which says which is current). */
export async function listVersions(
  store: Store,
  modelId: string,
  tenantId: string,
  options: Omit<ListOptions, "tenantId">,
): Promise<{ model: ModelSummaryRecord; page: Page<ModelVersionRecord> }> {
  const model = owned(await store.getModelSummary(modelId), tenantId, "model", modelId);
  return { model, page: await store.listVersions(modelId, options) };
}

/** Makes a version of the tenant's model its current weights; returns the model. */
export async function restoreVersion(store: Store, modelId: string, version: number, tenantId: string): Promise<ModelSummaryRecord> {
  owned(await store.getModelSummary(modelId), tenantId, "model", modelId);
  const restored = await store.restoreVersion(modelId, version);
  if (!restored) throw new NotFoundError("version", String(version), "params.version", `model ${modelId} has no version ${version}`);
  return restored;
}

/**
 * The weights the tenant's job made: ConflictError("job_not_succeeded") for a job that has not
 * succeeded (it has none, or none yet), NotFoundError when they are no longer kept (its model was
 * deleted, or it succeeded before versions were kept).
 */
export async function jobVersion(store: Store, jobId: string, tenantId: string): Promise<ModelVersionWeights> {
  const job = owned(await store.getJob(jobId), tenantId, "job", jobId);
  if (job.status !== "succeeded") {
    throw new ConflictError(`job ${jobId} is ${job.status}: only a succeeded job has weights`, "job_not_succeeded");
  }
  const version = await store.getVersionOfJob(jobId);
  if (!version) {
    throw new NotFoundError("weights", jobId, undefined, `the weights of job ${jobId} are not kept: its model ${job.modelId} was deleted, or the job ended before Kiln kept versions`);
  }
  return version;
}
