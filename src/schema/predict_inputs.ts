/**
 * A prediction's inputs from a safetensors file (predict's binary body): exactly one tensor,
 * `inputs` [B, ...input_shape], read by datasets' rules (dataset_arrays.ts): U8 stays uint8
 * (images), every other integer or float type becomes float32 exactly, NaN and infinities refused.
 * Whether its shape and dtype fit the model is the model's to say (services/models.ts). Errors have
 * paths ["safetensors"] (the file), ["safetensors", name] (a tensor) or ["inputs"] (a value).
 */
import type { Tensor } from "../tensor/index.js";
import { safetensorsBodyTensors, samplesFromArray } from "./dataset_arrays.js";
import { SpecError } from "./errors.js";

const PREDICT_TENSOR = "inputs";

/** The `inputs` tensor of a safetensors file, its bytes copied once (and converted on the way). */
export function predictInputsFromSafetensors(bytes: Uint8Array): Tensor {
  const tensors = safetensorsBodyTensors(bytes);
  const extra = tensors.find((t) => t.name !== PREDICT_TENSOR);
  if (extra) {
    throw new SpecError(`unexpected tensor ${JSON.stringify(extra.name)}: the file must hold one tensor, "${PREDICT_TENSOR}"`, ["safetensors", extra.name]);
  }
  const inputs = tensors[0];
  if (inputs === undefined) throw new SpecError(`the file has no tensor named "${PREDICT_TENSOR}"`, ["safetensors", PREDICT_TENSOR]);
  return samplesFromArray(inputs, PREDICT_TENSOR, [PREDICT_TENSOR]);
}
