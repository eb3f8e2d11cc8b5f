/** The seed's NeuralNetwork and its reference numbers, shared by the tests that use them. */
import type { LayerSpecInput, ModelSpecInput } from "../../src/schema/index.js";
import { loadFixture, type RefTensor } from "./fixtures.js";

/** The seed's layers: Linear 30, ReLU, Linear 20, ReLU, Linear `numOutputs` (in_features inferred). */
export const seedLayers = (numOutputs: number): LayerSpecInput[] => [
  { type: "Linear", out_features: 30 },
  { type: "ReLU" },
  { type: "Linear", out_features: 20 },
  { type: "ReLU" },
  { type: "Linear", out_features: numOutputs },
];

/** The seed's NeuralNetwork(50, 3) as a model spec, with PyTorch's weights for seed 123. */
export const SEED_MODEL: ModelSpecInput = { input_shape: [50], layers: seedLayers(3), seed: 123 };

/** `appendix-a.json` → `mlp`: NeuralNetwork(50, 3) after manual_seed(123). */
export interface Mlp {
  repr: string;
  num_params: number;
  state_dict: Record<string, RefTensor>;
  X: RefTensor;
  logits: RefTensor;
  softmax: RefTensor;
}

export const seedMlp = (): Mlp => loadFixture<{ mlp: Mlp }>("appendix-a.json").mlp;

/** A reference tensor's rows as nested arrays (for JSON request bodies). */
export function rows(t: RefTensor): number[][] {
  const per = t.shape.slice(1).reduce((p, q) => p * q, 1);
  return Array.from({ length: t.shape[0]! }, (_, i) => (t.data as number[]).slice(i * per, (i + 1) * per));
}
