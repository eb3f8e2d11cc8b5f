/**
 * A stored model's spec and summary as the services layer's types. The store keeps them as opaque
 * JSON; they are converted here, trusted rather than parsed again: the store holds what
 * `ModelService.create` wrote (the spec `buildModel` resolved from a parsed ModelSpec, and the
 * summary it derived), and a prediction reads them on every request.
 */
import type { LayerInfo, ModelSpec } from "../schema/index.js";
import type { ModelSummaryRecord } from "../store/index.js";

/** LayerInfo as a plain object type (not an interface), so that a summary is also `Json`. */
type StoredLayer = { [K in keyof LayerInfo]: LayerInfo[K] };

export type StoredSummary = {
  num_params: number;
  trainable_params: number;
  output_shape: number[];
  layers: StoredLayer[];
  repr: string;
};

export function storedModelSpec(record: Pick<ModelSummaryRecord, "spec">): ModelSpec {
  return record.spec as ModelSpec;
}

export function storedModelSummary(record: Pick<ModelSummaryRecord, "summary">): StoredSummary {
  return record.summary as StoredSummary;
}
