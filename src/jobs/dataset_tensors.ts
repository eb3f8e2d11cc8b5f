import type { DatasetRecord } from "../store/index.js";
import { allocate, Tensor } from "../tensor/index.js";

export interface DatasetTensorPair {
  features: Tensor;
  labels: Tensor;
}

/** Copies a stored dataset's bytes into shared tensors, ready to hand to a worker thread. */
export function datasetTensors(dataset: DatasetRecord): DatasetTensorPair {
  const n = dataset.numSamples;
  const features = allocate("float32", n * dataset.featureShape.reduce((p, q) => p * q, 1));
  new Uint8Array(features.buffer, features.byteOffset, features.byteLength).set(dataset.features);
  const labels = allocate(dataset.labelDtype, n * dataset.labelShape.reduce((p, q) => p * q, 1));
  new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength).set(dataset.labels);
  return {
    features: new Tensor(features, [n, ...dataset.featureShape], "float32"),
    labels: new Tensor(labels, [n, ...dataset.labelShape], dataset.labelDtype),
  };
}
