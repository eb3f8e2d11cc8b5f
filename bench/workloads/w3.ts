import type { EngineId } from "../protocol.js";
import type { CaseDef, Workload } from "./types.js";

/** Why TensorFlow.js has no "N threads" rows (W2, W3, W4). */
export const NOT_THREADED: Partial<Record<EngineId, string>> = {
  "tfjs-cpu": "single-threaded backend",
  "tfjs-wasm": "no threaded build in Node",
};

/** W3: square float32 matmul, one thread and (where an engine parallelises) all cores. */
export const w3: Workload = {
  id: "W3",
  title: "W3 matmul",
  description:
    "float32 C = A·B with n×n standard-normal operands, n = 256, 512, 1024; GFLOP/s counting 2n³ flops. " +
    "One thread, and all cores for engines that can use them (Kiln, PyTorch).",
  cases(o) {
    const sizes = o.matmulSizes ?? (o.quick ? [64, 128, 256] : [256, 512, 1024]);
    const rows: CaseDef[] = [];
    for (const threads of ["one", "all"] as const) {
      for (const n of sizes) {
        rows.push({
          id: `W3.n${n}.${threads === "one" ? "1t" : "all"}`,
          workload: "W3",
          label: `W3 matmul n=${n} ${threads === "one" ? "1 thread" : `${o.cores} threads`}`,
          unit: "GFLOP/s",
          better: "higher",
          mode: "calibrated",
          metric: "throughput",
          workPerIter: (2 * n * n * n) / 1e9,
          spec: { kind: "matmul", n, threads, seed: o.seed },
          ...(threads === "all" ? { notFor: NOT_THREADED } : {}),
        });
      }
    }
    return rows;
  },
};
