import type { DatasetRecord } from "../store/index.js";
import { allocate, Tensor } from "../tensor/index.js";

/** A stored dataset's bytes and shapes: a DatasetRecord without its id, name and date. */
export type StoredDataset = Pick<
  DatasetRecord,
  "numSamples" | "featureShape" | "featureDtype" | "labelShape" | "labelDtype" | "features" | "labels"
>;

export interface DatasetTensorPair {
  features: Tensor;
  labels: Tensor;
}

/** Copies a stored dataset's bytes into shared tensors. */
export function datasetTensors(dataset: StoredDataset): DatasetTensorPair {
  const n = dataset.numSamples;
  const features = allocate(dataset.featureDtype, n * dataset.featureShape.reduce((p, q) => p * q, 1));
  new Uint8Array(features.buffer, features.byteOffset, features.byteLength).set(dataset.features);
  const labels = allocate(dataset.labelDtype, n * dataset.labelShape.reduce((p, q) => p * q, 1));
  new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength).set(dataset.labels);
  return {
    features: new Tensor(features, [n, ...dataset.featureShape], dataset.featureDtype),
    labels: new Tensor(labels, [n, ...dataset.labelShape], dataset.labelDtype),
  };
}

/** The samples `validation_split` sets apart of `n`: the last floor(n · split). */
export function validationSampleCount(n: number, split: number): number {
  return Math.floor(n * split);
}

/** The training rows and the validation rows: a separate dataset, or the last `split` fraction. */
export function splitData(
  data: DatasetTensorPair,
  validation: DatasetTensorPair | null,
  split: number | undefined,
): { train: DatasetTensorPair; validation: DatasetTensorPair | null } {
  if (validation || !split) return { train: data, validation };
  const n = data.features.shape[0]!;
  const cut = n - validationSampleCount(n, split);
  const rows = (t: Tensor, from: number, to: number): Tensor => {
    const per = t.numel() / Math.max(n, 1);
    return new Tensor(t.data.subarray(from * per, to * per), [to - from, ...t.shape.slice(1)], t.dtype);
  };
  return {
    train: { features: rows(data.features, 0, cut), labels: rows(data.labels, 0, cut) },
    validation: { features: rows(data.features, cut, n), labels: rows(data.labels, cut, n) },
  };
}
