import { writeClassification } from "../data.js";
import { arrow, scaled, W2_SIZES, type CaseDef, type Workload } from "./types.js";
import { NOT_THREADED } from "./w3.js";

/** W4: inference with W2's model (freshly initialised; weights do not change the cost). */
export const w4: Workload = {
  id: "W4",
  title: "W4 inference, W2's model",
  description:
    `${arrow(W2_SIZES)} forward pass without gradients (Kiln noGrad + eval, torch.no_grad, tf.tidy): ` +
    "batch 1 in µs per call (a Float32Array row in, the 10 output values read back), and batch 1024 in " +
    "samples per second, on one thread and (Kiln, PyTorch) on all cores. Inputs cycle through W2's data set.",
  cases(o) {
    const data = writeClassification(o.dataDir, scaled(10_000, o, 1_000), W2_SIZES[0], W2_SIZES[3], o.seed);
    const big = Math.min(1024, data.n);
    return [
      {
        id: "W4.b1",
        workload: "W4",
        label: `W4 infer ${arrow(W2_SIZES)} batch 1`,
        unit: "µs/call",
        better: "lower",
        mode: "calibrated",
        metric: "latency-us",
        workPerIter: 1,
        spec: { kind: "infer", mlp: { sizes: W2_SIZES }, batchSize: 1, data, seed: o.seed },
      },
      ...(["one", "all"] as const).map((threads): CaseDef => ({
        id: `W4.b${big}${threads === "one" ? "" : ".all"}`,
        workload: "W4",
        label: `W4 infer ${arrow(W2_SIZES)} batch ${big}${threads === "one" ? "" : `, ${o.cores} threads`}`,
        unit: "samples/s",
        better: "higher",
        mode: "calibrated",
        metric: "throughput",
        workPerIter: big,
        spec: { kind: "infer", mlp: { sizes: W2_SIZES }, batchSize: big, data, seed: o.seed, threads },
        ...(threads === "all" ? { notFor: NOT_THREADED } : {}),
      })),
    ];
  },
};
