/**
 * Datasets from binary files: a safetensors file or a NumPy .npz archive holding a `features` array
 * and a `labels` array (in an .npz, `x` and `y` too, as NumPy users often name them). The arrays'
 * rules are dataset_arrays.ts's: uint8 features stay bytes, other numbers become float32. Errors
 * have paths [file] (the file) or [file, name] (an array), file being "safetensors" or "npz".
 */
import { featuresFromArray, labelsFromStoredArray, safetensorsBodyTensors, type StoredArray } from "./dataset_arrays.js";
import type { DatasetLimits, DatasetTensors } from "./dataset.js";
import { SpecError } from "./errors.js";
import { openNpz } from "./npz.js";

function dataset(file: string, features: StoredArray, featuresName: string, labels: () => StoredArray, labelsName: string, limits: DatasetLimits): DatasetTensors {
  const f = featuresFromArray(features, limits, [file, featuresName]);
  return { ...f, ...labelsFromStoredArray(labels(), f.numSamples, [file, labelsName]) };
}

/**
 * Tensors from a safetensors file holding exactly two tensors: `features` ([N, ...], 1 to 4
 * dimensions per sample; U8 kept as uint8, any other integer or float type converted to float32)
 * and `labels` ([N] or [N, k]).
 */
export function datasetFromSafetensors(bytes: Uint8Array, limits: DatasetLimits): DatasetTensors {
  const tensors = safetensorsBodyTensors(bytes);
  for (const { name } of tensors) {
    if (name !== "features" && name !== "labels") {
      throw new SpecError(`unexpected tensor ${JSON.stringify(name)}: the file must hold "features" and "labels" only`, ["safetensors", name]);
    }
  }
  const f = tensors.find((t) => t.name === "features");
  const l = tensors.find((t) => t.name === "labels");
  if (f === undefined) throw new SpecError('the file has no tensor named "features"', ["safetensors", "features"]);
  if (l === undefined) throw new SpecError('the file has no tensor named "labels"', ["safetensors", "labels"]);
  return dataset("safetensors", f, "features", () => l, "labels", limits);
}

/** The pairs of array names an .npz dataset may use. */
const NPZ_NAMES: readonly [string, string][] = [
  ["features", "labels"],
  ["x", "y"],
];

/**
 * Tensors from an .npz archive (`np.savez` or `np.savez_compressed`) of two arrays, `features` and
 * `labels` or `x` and `y`, with the rules of safetensors files.
 */
export function datasetFromNpz(bytes: Uint8Array, limits: DatasetLimits): DatasetTensors {
  const arrays = openNpz(bytes);
  const names = [...arrays.keys()];
  const pair = NPZ_NAMES.find(([f, l]) => arrays.has(f) && arrays.has(l) && arrays.size === 2);
  if (pair === undefined) {
    const extra = names.find((n) => !NPZ_NAMES.some((p) => p.includes(n)));
    const has = names.length === 0 ? "no arrays" : `the arrays ${names.map((n) => JSON.stringify(n)).join(", ")}`;
    throw new SpecError(`the file must hold two arrays, "features" and "labels" (or "x" and "y"), not ${has}`, extra ? ["npz", extra] : ["npz"]);
  }
  const [featuresName, labelsName] = pair;
  return dataset("npz", arrays.get(featuresName)!(), featuresName, arrays.get(labelsName)!, labelsName, limits);
}
