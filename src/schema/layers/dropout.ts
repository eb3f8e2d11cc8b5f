/** Layers of torch/nn/modules/dropout.py: Dropout. */
import { z } from "zod";
import * as nn from "../../nn/index.js";
import { layerSchema, unchangedShape, type LayerType } from "./layer_type.js";

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
};
