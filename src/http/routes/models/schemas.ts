import { z } from "zod";
import { LayerSpec } from "../../../spec/index.js";
import { TensorJson } from "../common.js";

const Shape = z.array(z.number().int());

export const LayerView = z.looseObject({
  type: z.string().describe("PyTorch's class name of the layer."),
  output_shape: Shape.describe("The shape of one sample's output of this layer (no batch dimension)."),
  num_params: z.number().int().describe("The layer's parameter count."),
});

export const ModelView = z.object({
  id: z.string(),
  name: z.string().nullable(),
  input_shape: Shape,
  output_shape: Shape.describe("The shape of one sample's output."),
  layers: z.array(LayerView).describe("The layers with every argument resolved, their output shapes and parameter counts."),
  num_params: z.number().int(),
  trainable_params: z.number().int(),
  summary: z.string().describe("PyTorch's repr of the seed's NeuralNetwork holding these layers in `self.layers`."),
  seed: z.number().int().nullable().describe("The seed the initial weights were drawn with, if one was given."),
  version: z.number().int().describe("Bumped each time the weights change."),
  created_at: z.string(),
  updated_at: z.string(),
});

export const WeightsJson = z
  .object({
    tensors: z
      .record(z.string(), TensorJson)
      .describe("Every weight by PyTorch's state-dict key (`layers.0.weight`, `layers.0.bias`, ...)."),
  })
  .strict();
export type WeightsJson = z.infer<typeof WeightsJson>;

const Sample = z.union([z.array(z.number()), z.array(z.array(z.number())), z.array(z.array(z.array(z.number())))]);

export const PredictRequest = z
  .object({
    inputs: z.array(Sample).min(1).max(10_000).describe("Samples of the model's input_shape, at most 10,000."),
  })
  .strict();

export const PredictResponse = z.object({
  outputs: z.array(z.unknown()).describe("The model's outputs, one per sample, in eval mode."),
  predictions: z.array(z.number().int()).optional().describe("argmax of each output, when the model outputs several scores per sample."),
});

export { LayerSpec };
