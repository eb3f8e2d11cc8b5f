/** The model, data and job the tests of real server processes train: small, seeded, quick. */

/** The seed-like model: NeuralNetwork(5, 4) with Tanh, initial weights of torch.manual_seed(7). */
export const MODEL = {
  name: "seed-like",
  input_shape: [5],
  seed: 7,
  layers: [
    { type: "Linear" as const, out_features: 12 },
    { type: "Tanh" as const },
    { type: "Linear" as const, out_features: 8 },
    { type: "Tanh" as const },
    { type: "Linear" as const, out_features: 4 },
  ],
};

/** `n` samples of 5 features from a fixed formula, labelled with one of 4 classes. */
export function dataset(n: number): { name: string; features: number[][]; labels: number[] } {
  const features = Array.from({ length: n }, (_, i) => Array.from({ length: 5 }, (_, j) => Math.round(1000 * Math.sin(0.37 * i + 1.3 * j + 0.1 * i * j)) / 1000));
  const labels = features.map(([a, b, c]) => (a! + b! > 0 ? 1 : 0) + (c! > 0.2 ? 2 : 0));
  return { name: `formula-${n}`, features, labels };
}

/** Adam (so the optimizer's state, not just the weights, must survive), shuffled batches. */
export function jobSpec(modelId: string, datasetId: string, epochs: number, batchSize: number): Record<string, unknown> {
  return { model_id: modelId, dataset_id: datasetId, loss: "cross_entropy", optimizer: { type: "Adam", lr: 0.01 }, epochs, batch_size: batchSize, shuffle: true };
}
