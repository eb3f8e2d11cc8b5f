import { randomUUID } from "node:crypto";
import type { DatasetTensors } from "../spec/index.js";
import type { DatasetRecord, DatasetSummaryRecord, Store } from "../store/index.js";
import { NotFoundError } from "./errors.js";

/** A dataset as the API shows it. */
export interface DatasetView {
  id: string;
  name: string | null;
  num_samples: number;
  feature_shape: number[];
  label_shape: number[];
  label_dtype: "int64" | "float32";
  num_classes: number | null;
  created_at: string;
}

export function datasetView(d: DatasetSummaryRecord): DatasetView {
  return {
    id: d.id,
    name: d.name,
    num_samples: d.numSamples,
    feature_shape: d.featureShape,
    label_shape: d.labelShape,
    label_dtype: d.labelDtype,
    num_classes: d.numClasses,
    created_at: d.createdAt,
  };
}

// a view, not a copy: the tensors of an upload are large, and the stores bind shared memory as it is
const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Stores ingested dataset tensors (from src/spec's JSON, CSV or safetensors parsers). */
export async function createDataset(store: Store, data: DatasetTensors, name: string | null): Promise<DatasetRecord> {
  const record: DatasetRecord = {
    id: `ds_${randomUUID().replaceAll("-", "")}`,
    name,
    numSamples: data.numSamples,
    featureShape: data.featureShape,
    labelShape: data.labelShape,
    labelDtype: data.labelDtype,
    numClasses: data.numClasses,
    features: bytesOf(data.features.data),
    labels: bytesOf(data.labels.data),
    createdAt: new Date().toISOString(),
  };
  await store.createDataset(record);
  return record;
}

export async function getDatasetSummary(store: Store, id: string): Promise<DatasetSummaryRecord> {
  const d = await store.getDatasetSummary(id);
  if (!d) throw new NotFoundError("dataset", id);
  return d;
}
