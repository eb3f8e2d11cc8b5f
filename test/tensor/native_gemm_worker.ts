/**
 * A worker thread's side of native_gemm.test.ts (loaded through tsx, as the training pool's
 * Piscina workers are): it loads the native addon in its own thread and multiplies, in place, the
 * SharedArrayBuffer-backed matrices the main thread handed it.
 */
import { parentPort, workerData } from "node:worker_threads";
import { gemm, gemmBackend, setGemmBackend } from "../../src/tensor/kernels/gemm.js";

const { m, n, k, a, b, c } = workerData as { m: number; n: number; k: number; a: Float32Array; b: Float32Array; c: Float32Array };
setGemmBackend("native");
gemm(m, n, k, a, 0, false, b, 0, true, c, 0, false, { relu: true });
parentPort!.postMessage({ backend: gemmBackend() });
