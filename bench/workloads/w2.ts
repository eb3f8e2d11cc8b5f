import { writeClassification } from "../data.js";
import { arrow, scaled, W2_SIZES, type CaseDef, type Workload } from "./types.js";
import { NOT_THREADED } from "./w3.js";

/** W2: an MNIST-sized MLP trained with Adam. */
export const w2: Workload = {
  id: "W2",
  title: "W2 train, MNIST-sized",
  description:
    `${arrow(W2_SIZES)} MLP (ReLU), cross-entropy, Adam lr 1e-3, batch 64, 10,000 samples (shuffled each ` +
    "epoch, last batch of 16); training samples per second over a whole epoch. One thread, and all cores for " +
    "engines that can use them (Kiln, PyTorch).",
  cases(o) {
    const n = scaled(10_000, o, 1_000);
    const data = writeClassification(o.dataDir, n, W2_SIZES[0], W2_SIZES[3], o.seed);
    return (["one", "all"] as const).map((threads): CaseDef => ({
      id: threads === "one" ? "W2" : "W2.all",
      workload: "W2",
      label: `W2 train ${arrow(W2_SIZES)} Adam b64${threads === "one" ? "" : `, ${o.cores} threads`}`,
      unit: "samples/s",
      better: "higher",
      mode: "epoch",
      metric: "throughput",
      workPerIter: n,
      spec: { kind: "train", mlp: { sizes: W2_SIZES }, optimizer: "adam", lr: 1e-3, batchSize: 64, data, seed: o.seed, threads },
      ...(threads === "all" ? { notFor: NOT_THREADED } : {}),
    }));
  },
};
