import { randomUUID } from "node:crypto";
import type { DatasetTensors } from "../schema/index.js";
import type { DatasetRecord, DatasetSummaryRecord, Store } from "../store/index.js";
import { bytesPerElement, numel } from "../tensor/index.js";
import { datasetTensors, type DatasetTensorPair } from "./dataset_tensors.js";
import { NotFoundError } from "./errors.js";
import { owned } from "./ownership.js";
import type { TenantQuotas } from "./quotas.js";

// a view, not a copy: the tensors of an upload are large, and the stores bind shared memory as it is
const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Stores ingested dataset tensors (from src/schema's JSON, CSV or safetensors parsers) as the
 * tenant's; with `quotas`, once they are checked against the tenant's.
 */
export async function createDataset(
  store: Store,
  data: DatasetTensors,
  name: string | null,
  tenantId: string,
  quotas: TenantQuotas | null = null,
): Promise<DatasetRecord> {
  const record: DatasetRecord = {
    id: `ds_${randomUUID().replaceAll("-", "")}`,
    tenantId,
    name,
    numSamples: data.numSamples,
    featureShape: data.featureShape,
    featureDtype: data.featureDtype,
    labelShape: data.labelShape,
    labelDtype: data.labelDtype,
    numClasses: data.numClasses,
    features: bytesOf(data.features.data),
    labels: bytesOf(data.labels.data),
    createdAt: new Date().toISOString(),
  };
  await quotas?.admitDataset(tenantId, record.features.byteLength + record.labels.byteLength);
  await store.createDataset(record);
  return record;
}

/** The tenant's dataset, without its tensors (NotFoundError for another tenant's, as for a missing one). */
export async function getDatasetSummary(store: Store, id: string, tenantId: string): Promise<DatasetSummaryRecord> {
  return owned(await store.getDatasetSummary(id), tenantId, "dataset", id);
}

/**
 * Samples `offset` to `offset + limit` of a dataset (fewer past its end; `dataset` from
 * getDatasetSummary, which checked the tenant), read from the store without the rest of it.
 */
export async function getDatasetRows(store: Store, dataset: DatasetSummaryRecord, offset: number, limit: number): Promise<DatasetTensorPair> {
  const count = Math.max(0, Math.min(limit, dataset.numSamples - offset));
  const featureBytes = numel(dataset.featureShape) * bytesPerElement(dataset.featureDtype);
  const labelBytes = numel(dataset.labelShape) * bytesPerElement(dataset.labelDtype);
  const bytes = await store.getDatasetBytes(dataset.id, {
    features: { start: offset * featureBytes, length: count * featureBytes },
    labels: { start: offset * labelBytes, length: count * labelBytes },
  });
  if (bytes === null) throw new NotFoundError("dataset", dataset.id); // deleted since its summary was read
  return datasetTensors({ ...dataset, numSamples: count, ...bytes });
}
