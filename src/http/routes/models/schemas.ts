import { z } from "zod";
import { LayerSpec, WeightsJson } from "../../../schema/index.js";
import { MAX_PREDICT_SAMPLES, VersionView } from "../../../services/index.js";
import { IdParams, pageOf } from "../common.js";

/** One sample: an array of numbers, of such arrays, or of arrays of such arrays. */
type SampleValues = number[] | number[][] | number[][][];
const SAMPLE_DIMS = [1, 2, 3];

type Fault = { input: unknown; path: number[]; expected: "array" | "number" };

/** The first value of `value`, read as an array `dims` deep, that is not a finite number or not an array. */
function firstFault(value: unknown, dims: number, path: number[]): Fault | null {
  if (!Array.isArray(value)) return { input: value, path, expected: "array" };
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    if (dims > 1) {
      const fault = firstFault(v, dims - 1, [...path, i]);
      if (fault) return fault;
    } else if (typeof v !== "number" || !Number.isFinite(v)) {
      return { input: v, path: [...path, i], expected: "number" };
    }
  }
  return null;
}

/** How deep arrays nest along the first values of `value`: `[[1, 2]]` → 2. */
function nesting(value: unknown): number {
  let dims = 0;
  for (let v = value; Array.isArray(v); v = v[0] as unknown) dims++;
  return dims;
}

const numbers = { type: "array", items: { type: "number" } };

/**
 * One sample, checked by one loop over its values rather than one Zod parse per value: validating
 * a 784-value sample that way was a tenth of predict's time (~20 µs, now ~1 µs). A bad value is
 * named by its place (`inputs[0][3]`). Its JSON Schema is the union of the three array types.
 */
const Sample = z
  .custom<SampleValues>()
  .check((ctx) => {
    // read as deep as the sample's first values nest; other depths only for the odd empty array ([[], [[1]]])
    const dims = Math.min(Math.max(nesting(ctx.value), 1), SAMPLE_DIMS.length);
    const fault = firstFault(ctx.value, dims, []);
    if (fault === null || SAMPLE_DIMS.some((d) => d !== dims && firstFault(ctx.value, d, []) === null)) return;
    ctx.issues.push({ code: "invalid_type", expected: fault.expected, input: fault.input, path: fault.path });
  })
  .meta({ anyOf: [numbers, { type: "array", items: numbers }, { type: "array", items: { type: "array", items: numbers } }] });

export const PredictRequest = z
  .object({
    inputs: z
      .array(Sample)
      .min(1)
      .max(MAX_PREDICT_SAMPLES)
      .describe(
        "Samples of the model's input_shape, at most 10,000. For a model starting with ConvertImageDtype, integers 0 to 255 (fed as uint8).",
      ),
  })
  .strict();

export const PredictResponse = z.object({
  outputs: z.array(z.unknown()).describe("The model's outputs, one per sample, in eval mode."),
  probabilities: z
    .array(z.array(z.number()))
    .optional()
    .describe(
      "Each sample's class probabilities, when the model outputs several scores per sample (output_shape [k], k > 1): " +
        "softmax of its outputs over the last dimension, in float32 as torch.softmax computes it (for a model ending in " +
        "LogSoftmax, its probabilities), or the outputs themselves when the model ends in a Softmax over them.",
    ),
  predictions: z.array(z.number().int()).optional().describe("argmax of each output, when the model outputs several scores per sample (output_shape [k], k > 1)."),
});

export { LayerSpec, WeightsJson };

/** A model's version in the path. */
export const VersionParams = IdParams.extend({ version: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe("The version's number.") });

/** A page of a model's versions, and which one it holds. */
export const VersionPage = pageOf(VersionView).extend({
  current_version: z.number().int().nullable().describe("The version the model holds; null while it holds the weights it was created with."),
});
