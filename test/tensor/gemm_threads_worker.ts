/**
 * A worker thread's side of gemm_threads.test.ts (loaded through tsx, as the training pool's
 * Piscina workers are): it sets its own thread count, starts its own helper thread, and reports
 * whether a product it split equals the one it computed alone.
 */
import { parentPort } from "node:worker_threads";
import { setNumThreads } from "../../src/index.js";
import { gemm, setGemmBackend, wasmKernel } from "../../src/tensor/kernels/gemm.js";

setGemmBackend("wasm");
const kernel = wasmKernel()!;
const started = await kernel.startHelper();
const n = 256; // n³ ≥ GEMM_SPLIT_MIN_WORK
const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
const results: Float32Array[] = [];
for (const threads of [1, 2]) {
  setNumThreads(threads);
  const c = new Float32Array(n * n);
  gemm(n, n, n, a, 0, false, a, 0, true, c, 0, false);
  results.push(c);
}
const same = results[0]!.every((v, i) => Object.is(v, results[1]![i]));
parentPort!.postMessage({ started, splits: kernel.stats.splits, same });
