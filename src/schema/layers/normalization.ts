/** Layers of torch/nn/modules/normalization.py: LayerNorm. */
import { z } from "zod";
import * as nn from "../../nn/index.js";
import { layerSchema, type LayerType } from "./layer_type.js";

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
};
