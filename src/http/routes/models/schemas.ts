import { z } from "zod";
import { LayerSpec, ModelSpec, WeightsJson } from "../../../schema/index.js";
import { MAX_PREDICT_SAMPLES, VersionView } from "../../../services/index.js";
import type { BodyExample } from "../../route.js";
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

/** The seed's toy classifier, `NeuralNetwork(2, 2)` of Appendix A, its weights drawn as after `torch.manual_seed(123)`. */
export const modelExamples: Record<string, BodyExample<typeof ModelSpec>> = {
  toy: {
    summary: "The seed's NeuralNetwork(2, 2), seeded as torch.manual_seed(123)",
    value: {
      name: "NeuralNetwork(2, 2)",
      input_shape: [2],
      seed: 123,
      layers: [
        { type: "Linear", out_features: 30 },
        { type: "ReLU" },
        { type: "Linear", out_features: 20 },
        { type: "ReLU" },
        { type: "Linear", out_features: 2 },
      ],
    },
  },
  cnn: {
    summary: "A small convolutional network for 28×28 grey images (Fashion-MNIST) stored as bytes",
    value: {
      name: "cnn",
      input_shape: [1, 28, 28],
      layers: [
        { type: "ConvertImageDtype" },
        { type: "Conv2d", out_channels: 8, kernel_size: 3, padding: 1 },
        { type: "ReLU" },
        { type: "MaxPool2d", kernel_size: 2 },
        { type: "Flatten" },
        { type: "Linear", out_features: 10 },
      ],
    },
  },
};

export const weightsExamples: Record<string, BodyExample<typeof WeightsJson>> = {
  linear: {
    summary: "The weights of a model whose one layer is Linear(2, 2)",
    value: {
      tensors: {
        "layers.0.weight": { shape: [2, 2], dtype: "float32", data: [0.5, -0.25, 0.125, 1] },
        "layers.0.bias": { shape: [2], dtype: "float32", data: [0, 0.1] },
      },
    },
  },
};

export const predictExamples: Record<string, BodyExample<typeof PredictRequest>> = {
  toy: { summary: "Two samples for the toy classifier (input_shape [2])", value: { inputs: [[-0.8, 2.8], [2.6, -1.6]] } },
};
