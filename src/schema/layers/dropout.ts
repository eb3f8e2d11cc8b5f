/** Layers of torch/nn/modules/dropout.py: Dropout and Dropout2d. */
import { z } from "zod";
import * as nn from "../../nn/index.js";
import { identityOnnx, layerSchema, unchangedShape, type LayerType } from "./layer_type.js";
import { requireRank } from "./shapes.js";

export const DropoutSpec = layerSchema(
  "Dropout",
  "torch.nn.Dropout: in training, zeroes each element with probability p and scales the rest by 1/(1−p); identity in evaluation.",
  {
    p: z.number().min(0).max(1).default(0.5).describe("Probability of an element being zeroed, in [0, 1] (default 0.5)."),
  },
);
export type DropoutSpec = z.infer<typeof DropoutSpec>;

export const DropoutLayer: LayerType<typeof DropoutSpec> = {
  schema: DropoutSpec,
  infer: unchangedShape,
  build: (layer, _input, { dropoutGenerator }) => new nn.Dropout(layer.p, { generator: dropoutGenerator }),
  onnx: identityOnnx,
};

export const Dropout2dSpec = layerSchema(
  "Dropout2d",
  "torch.nn.Dropout2d: in training, zeroes whole channels of samples [C, H, W] with probability p and scales the rest by 1/(1−p); " +
    "identity in evaluation.",
  {
    p: z.number().min(0).max(1).default(0.5).describe("Probability of a channel being zeroed, in [0, 1] (default 0.5)."),
  },
);
export type Dropout2dSpec = z.infer<typeof Dropout2dSpec>;

export const Dropout2dLayer: LayerType<typeof Dropout2dSpec> = {
  schema: Dropout2dSpec,
  infer(layer, input, index) {
    requireRank("Dropout2d", { 3: "[C, H, W]" }, input, index);
    return unchangedShape(layer, input);
  },
  // nn.Dropout2d is a Dropout: NeuralNetwork.setDropoutGenerator reaches it too
  build: (layer, _input, { dropoutGenerator }) => new nn.Dropout2d(layer.p, { generator: dropoutGenerator }),
  onnx: identityOnnx,
};
