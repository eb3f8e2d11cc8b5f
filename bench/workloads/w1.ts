import { writeClassification } from "../data.js";
import { arrow, scaled, type Workload } from "./types.js";

const SIZES = [50, 30, 20, 3];

/** W1: the seed's model, trained with SGD through each engine's usual training loop. */
export const w1: Workload = {
  id: "W1",
  title: "W1 train, the seed's model",
  description:
    `${arrow(SIZES)} MLP (ReLU), cross-entropy, SGD lr 0.1, batch 32, 20,000 samples (shuffled each epoch); ` +
    "training samples per second over a whole epoch. Kiln and PyTorch through DataLoader/TensorDataset, " +
    "TensorFlow.js with manual batching (tf.gather of shuffled indices).",
  cases(o) {
    const n = scaled(20_000, o, 2_000);
    const data = writeClassification(o.dataDir, n, SIZES[0]!, SIZES.at(-1)!, o.seed);
    return [
      {
        id: "W1",
        workload: "W1",
        label: `W1 train ${arrow(SIZES)} SGD b32`,
        unit: "samples/s",
        better: "higher",
        mode: "epoch",
        metric: "throughput",
        workPerIter: n,
        spec: { kind: "train", mlp: { sizes: SIZES }, optimizer: "sgd", lr: 0.1, batchSize: 32, data, seed: o.seed },
      },
    ];
  },
};
