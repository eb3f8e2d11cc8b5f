/** The small training request and model that the schema tests build their cases from. */
import type * as nn from "../../src/nn/index.js";
import { buildModel, parseModelSpec, type TrainingSpecInput } from "../../src/schema/index.js";
import { Generator } from "../../src/tensor/index.js";

export const BASE_TRAINING_SPEC = {
  model_id: "m1",
  dataset_id: "d1",
  loss: "cross_entropy",
  optimizer: { type: "SGD", lr: 0.5 },
  epochs: 3,
  batch_size: 2,
} satisfies TrainingSpecInput;

/** The parameters of a Linear(4, 2), for optimizers and schedulers to act on. */
export function linearParameters(): nn.Parameter[] {
  return buildModel(parseModelSpec({ input_shape: [4], layers: [{ type: "Linear", out_features: 2 }] }), { generator: new Generator() }).module.parameters();
}
