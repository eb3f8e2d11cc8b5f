import { writeClassification } from "../data.js";
import { MNIST_CNN } from "../protocol.js";
import { scaled, type CaseDef, type Workload } from "./types.js";
import { NOT_THREADED } from "./w3.js";
import { CNN_CLASSES, CNN_FEATURES } from "./w6.js";

/** W7: inference with W6's model (freshly initialised, eval mode: dropout off). */
export const w7: Workload = {
  id: "W7",
  title: "W7 inference, W6's MNIST CNN",
  description:
    `${MNIST_CNN} forward pass without gradients, in eval mode (Kiln noGrad + eval, torch.no_grad + eval, ` +
    "tf.tidy): batch 1 in µs per call (a Float32Array image in, the 10 output values read back), and batch 256 " +
    "in samples per second, on one thread and (Kiln, PyTorch) on all cores. Inputs cycle through W6's data set.",
  cases(o) {
    const data = writeClassification(o.dataDir, scaled(1_024, o, 512), CNN_FEATURES, CNN_CLASSES, o.seed);
    const big = Math.min(256, data.n);
    return [
      {
        id: "W7.b1",
        workload: "W7",
        label: "W7 infer MNIST CNN batch 1",
        unit: "µs/call",
        better: "lower",
        mode: "calibrated",
        metric: "latency-us",
        workPerIter: 1,
        spec: { kind: "infer-cnn", batchSize: 1, data, seed: o.seed },
      },
      ...(["one", "all"] as const).map((threads): CaseDef => ({
        id: `W7.b${big}${threads === "one" ? "" : ".all"}`,
        workload: "W7",
        label: `W7 infer MNIST CNN batch ${big}${threads === "one" ? "" : `, ${o.cores} threads`}`,
        unit: "samples/s",
        better: "higher",
        mode: "calibrated",
        metric: "throughput",
        workPerIter: big,
        spec: { kind: "infer-cnn", batchSize: big, data, seed: o.seed, threads },
        ...(threads === "all" ? { notFor: NOT_THREADED } : {}),
      })),
    ];
  },
};
