/** Normalization layers: LayerNorm (torch/nn/modules/normalization.py), BatchNorm1d and BatchNorm2d (batchnorm.py). */
import { z } from "zod";
import * as nn from "../../nn/index.js";
import { attr, type LayerGraph } from "../onnx/graph.js";
import { int, layerSchema, type InferredLayer, type LayerType } from "./layer_type.js";
import { channelsOf, requireRank } from "./shapes.js";

export const LayerNormSpec = layerSchema(
  "LayerNorm",
  "torch.nn.LayerNorm over the last dimension of its input (normalized_shape is that dimension's size, filled in by the builder).",
  {
    eps: z.number().gt(0).default(1e-5).describe("Added to the variance for numerical stability; > 0 (default 1e-5)."),
    elementwise_affine: z
      .boolean()
      .default(true)
      .describe("Whether the layer learns a per-element scale (initialised to ones) and shift (zeros) (default true)."),
  },
);
export type LayerNormSpec = z.infer<typeof LayerNormSpec>;

export const LayerNormLayer: LayerType<typeof LayerNormSpec> = {
  schema: LayerNormSpec,
  infer: (layer, input) => ({ spec: layer, output: [...input], params: layer.elementwise_affine ? 2 * input[input.length - 1]! : 0 }),
  build: (layer, input) => new nn.LayerNorm(input[input.length - 1]!, { eps: layer.eps, elementwiseAffine: layer.elementwise_affine }),
  onnx(layer, input, graph) {
    const [scale, bias] = affineOnnx(layer.elementwise_affine, input[input.length - 1]!, graph);
    return graph.node("LayerNormalization", [graph.input, scale, bias], { axis: attr.int(-1), epsilon: attr.float(layer.eps) });
  },
};

/** A normalization's scale and shift: its weight and bias, or ones and zeros when it learns none. */
function affineOnnx(affine: boolean, size: number, graph: LayerGraph): [string, string] {
  if (affine) return [graph.weight("weight"), graph.weight("bias")];
  return [graph.floats("ones", [size], new Array<number>(size).fill(1)), graph.floats("zeros", [size], new Array<number>(size).fill(0))];
}

const BATCH_NORM_ARGS = {
  eps: z.number().gt(0).default(1e-5).describe("Added to the variance for numerical stability; > 0 (default 1e-5)."),
  momentum: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .default(0.1)
    .describe(
      "How far each training batch moves the running statistics, in [0, 1] (default 0.1); null for their " +
        "cumulative average over the batches seen (PyTorch's None).",
    ),
  affine: z.boolean().default(true).describe("Whether the layer learns a per-channel scale (initialised to ones) and shift (zeros) (default true)."),
  track_running_stats: z
    .boolean()
    .default(true)
    .describe(
      "Whether the layer keeps running statistics (buffers saved with the weights) for evaluation and prediction; " +
        "without them it normalises with each batch's own (default true).",
    ),
};

const numFeatures = (sample: string) =>
  int()
    .min(1)
    .optional()
    .describe(`Channels of each input sample (C of ${sample}). Optional: inferred from the previous layer (or input_shape); when given it must agree.`);

export const BatchNorm1dSpec = layerSchema(
  "BatchNorm1d",
  "torch.nn.BatchNorm1d: normalises each channel of samples [C] or [C, L] over the batch (and L); running statistics for evaluation.",
  { num_features: numFeatures("[C] or [C, L]"), ...BATCH_NORM_ARGS },
);
export type BatchNorm1dSpec = z.infer<typeof BatchNorm1dSpec>;

export const BatchNorm2dSpec = layerSchema(
  "BatchNorm2d",
  "torch.nn.BatchNorm2d: normalises each channel of samples [C, H, W] over the batch, H and W; running statistics for evaluation.",
  { num_features: numFeatures("[C, H, W]"), ...BATCH_NORM_ARGS },
);
export type BatchNorm2dSpec = z.infer<typeof BatchNorm2dSpec>;

/**
 * `infer` of the batch norms: num_features filled in; the weight and bias are parameters, the
 * running mean and variance and num_batches_tracked buffers.
 */
function inferBatchNorm<L extends BatchNorm1dSpec | BatchNorm2dSpec>(layer: L, input: readonly number[], index: number): InferredLayer<L> {
  requireRank(layer.type, layer.type === "BatchNorm1d" ? { 1: "[C]", 2: "[C, L]" } : { 3: "[C, H, W]" }, input, index);
  const channels = channelsOf(layer.num_features, input, index, "num_features");
  const { type, num_features: _given, ...args } = layer;
  return {
    spec: { type, num_features: channels, ...args } as L,
    output: [...input],
    params: layer.affine ? 2 * channels : 0,
    buffers: layer.track_running_stats ? 2 * channels + 1 : 0,
  };
}

const batchNormOptions = (layer: BatchNorm1dSpec | BatchNorm2dSpec): nn.BatchNormOptions => ({
  eps: layer.eps,
  momentum: layer.momentum,
  affine: layer.affine,
  trackRunningStats: layer.track_running_stats,
});

/**
 * The batch norms in eval mode: BatchNormalization with the running statistics, or without them
 * (track_running_stats false) with the batch's own, its mean and biased variance over every dim
 * but the channels', as the module computes them.
 */
function batchNormOnnx(layer: BatchNorm1dSpec | BatchNorm2dSpec, input: readonly number[], graph: LayerGraph): string {
  const [scale, bias] = affineOnnx(layer.affine, input[0]!, graph);
  let statistics: string[];
  if (layer.track_running_stats) {
    statistics = [graph.weight("running_mean"), graph.weight("running_var")];
  } else {
    const axes = attr.ints([0, ...input.slice(1).map((_, i) => i + 2)]);
    const keptMean = graph.node("ReduceMean", [graph.input], { axes, keepdims: attr.int(1) });
    const centred = graph.node("Sub", [graph.input, keptMean]);
    const mean = graph.node("ReduceMean", [graph.input], { axes, keepdims: attr.int(0) });
    statistics = [mean, graph.node("ReduceMean", [graph.node("Mul", [centred, centred])], { axes, keepdims: attr.int(0) })];
  }
  return graph.node("BatchNormalization", [graph.input, scale, bias, ...statistics], { epsilon: attr.float(layer.eps) });
}

export const BatchNorm1dLayer: LayerType<typeof BatchNorm1dSpec> = {
  schema: BatchNorm1dSpec,
  infer: inferBatchNorm,
  build: (layer) => new nn.BatchNorm1d(layer.num_features!, batchNormOptions(layer)),
  onnx: batchNormOnnx,
};

export const BatchNorm2dLayer: LayerType<typeof BatchNorm2dSpec> = {
  schema: BatchNorm2dSpec,
  infer: inferBatchNorm,
  build: (layer) => new nn.BatchNorm2d(layer.num_features!, batchNormOptions(layer)),
  onnx: batchNormOnnx,
};
