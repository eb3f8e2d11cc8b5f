import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { gemm, nativeKernel } from "../../src/tensor/kernels/gemm.js";
import { withGemmBackend } from "../helpers/gemm_backends.js";

function shared32(length: number): Float32Array {
  const x = new Float32Array(new SharedArrayBuffer(length * 4));
  for (let i = 0; i < length; i++) x[i] = Math.sin(i);
  return x;
}

describe.skipIf(nativeKernel() === null)("the native kernel in worker threads", () => {
  it("loads in two worker threads at once (a context-aware addon) and writes C in the shared memory in place", async () => {
    const [m, n, k] = [70, 90, 130];
    const a = shared32(m * k);
    const b = shared32(n * k);
    const expected = new Float32Array(m * n);
    withGemmBackend("native", () => gemm(m, n, k, a, 0, false, b, 0, true, expected, 0, false, { relu: true }));
    const entry = new URL("./native_gemm_worker.ts", import.meta.url).href;
    const outputs = [shared32(m * n), shared32(m * n)];
    const results = await Promise.all(
      outputs.map(async (c) => {
        // a worker's entry cannot be a .ts file; this small JavaScript one loads it through tsx
        const worker = new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, {
          eval: true,
          workerData: { m, n, k, a, b, c },
        });
        try {
          return await new Promise((resolve, reject) => {
            worker.once("message", resolve);
            worker.once("error", reject);
          });
        } finally {
          await worker.terminate();
        }
      }),
    );
    expect(results).toEqual([{ backend: "native" }, { backend: "native" }]);
    for (const c of outputs) expect(c).toEqual(expected);
  });
});
