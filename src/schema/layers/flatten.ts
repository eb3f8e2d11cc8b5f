/** Layers of torch/nn/modules/flatten.py: Flatten. */
import { z } from "zod";
import * as nn from "../../nn/index.js";
import { SpecError } from "../errors.js";
import { int, layerSchema, type InferredLayer, type LayerType } from "./layer_type.js";
import { sampleDim, shapeString } from "./shapes.js";

export const FlattenSpec = layerSchema("Flatten", "torch.nn.Flatten: merges the dimensions start_dim..end_dim into one.", {
  start_dim: int()
    .default(1)
    .describe(
      "First dimension to flatten, counted in the batched tensor as PyTorch does (default 1, the first dimension " +
        "of a sample; the batch dimension 0 may not be flattened); negative counts from the end.",
    ),
  end_dim: int().default(-1).describe("Last dimension to flatten, counted as start_dim (default -1, the last)."),
});
export type FlattenSpec = z.infer<typeof FlattenSpec>;

export const FlattenLayer: LayerType<typeof FlattenSpec> = {
  schema: FlattenSpec,
  infer: inferFlatten,
  build: (layer) => new nn.Flatten(layer.start_dim, layer.end_dim),
  // ONNX's Flatten makes matrices only: any start_dim..end_dim is a Reshape to the inferred sample, the batch left as it is
  onnx: (layer, input, graph) => graph.node("Reshape", [graph.input, graph.int64s("shape", [-1, ...inferFlatten(layer, input, 0).output])]),
};

/** Flatten's output: the sample's dims start_dim..end_dim merged into one. */
function inferFlatten(layer: FlattenSpec, input: readonly number[], index: number): InferredLayer<FlattenSpec> {
  const start = sampleDim(layer.start_dim, input, index, "start_dim");
  const end = sampleDim(layer.end_dim, input, index, "end_dim");
  if (start > end) {
    throw new SpecError(
      `start_dim ${layer.start_dim} comes after end_dim ${layer.end_dim} for this layer's input of shape ${shapeString(input)}`,
      ["layers", index, "start_dim"],
    );
  }
  const merged = input.slice(start, end + 1).reduce((a, b) => a * b, 1);
  return { spec: layer, output: [...input.slice(0, start), merged, ...input.slice(end + 1)], params: 0 };
}
