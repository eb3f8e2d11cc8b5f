import { writeClassification } from "../data.js";
import { MNIST_CNN } from "../protocol.js";
import { scaled, type CaseDef, type Workload } from "./types.js";
import { NOT_THREADED } from "./w3.js";

/** W6/W7's data: MNIST-shaped (784 = 1×28×28 features, 10 classes), synthetic like every data set here. */
export const CNN_FEATURES = 784;
export const CNN_CLASSES = 10;

/**
 * W6: pytorch/examples' MNIST Net trained with Adam. TensorFlow.js's wasm backend registers no
 * convolution gradient kernels, so its row runs on the cpu backend only.
 */
export const w6: Workload = {
  id: "W6",
  title: "W6 train, pytorch/examples' MNIST CNN",
  description:
    `${MNIST_CNN} on [N, 1, 28, 28], cross-entropy, Adam lr 1e-3, batch 64, 1,024 random MNIST-shaped samples ` +
    "(shuffled each epoch); training samples per second, timed by the step (warm-up ≥ 0.5 s, repetitions of " +
    "whole steps filling about 1 s: an epoch of TensorFlow.js's cpu backend would take minutes). One thread, " +
    "and all cores for Kiln and PyTorch. TensorFlow.js on its cpu backend only (its wasm backend cannot train " +
    "convolutions).",
  cases(o) {
    // a multiple of the batch: every step trains 64 samples
    const n = 64 * Math.ceil(scaled(1_024, o, 128) / 64);
    const data = writeClassification(o.dataDir, n, CNN_FEATURES, CNN_CLASSES, o.seed);
    return (["one", "all"] as const).map((threads): CaseDef => ({
      id: threads === "one" ? "W6" : "W6.all",
      workload: "W6",
      label: `W6 train MNIST CNN Adam b64${threads === "one" ? " (tfjs: cpu backend)" : `, ${o.cores} threads`}`,
      unit: "samples/s",
      better: "higher",
      mode: "calibrated",
      metric: "throughput",
      workPerIter: 64,
      spec: { kind: "train-cnn", optimizer: "adam", lr: 1e-3, batchSize: 64, data, seed: o.seed, threads },
      notFor:
        threads === "one"
          ? { "tfjs-wasm": "no conv gradients in wasm (Conv2DBackpropFilter): see tfjs-cpu" }
          : NOT_THREADED,
    }));
  },
};
