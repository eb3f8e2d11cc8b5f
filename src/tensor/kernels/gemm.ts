import type { FloatStorage } from "../dtype.js";
import { getNumThreads } from "../threads.js";
import { storageVersion } from "../version.js";
import { loadNativeKernels, type NativeKernels } from "./native/native_kernels.js";
import { WasmGemm } from "./wasm/gemm_wasm.js";

/**
 * Which kernel float32 products use: "native" (AVX2 + FMA in the addon, see ./native/), "wasm"
 * (WebAssembly SIMD, see ./wasm/) or "ts" (the plain TypeScript loops below, which float64 always
 * uses). The default is "native" unless the environment sets KILN_GEMM to "wasm" or "ts". Each
 * falls back to the next where it is unavailable: "native" where the addon did not build or the
 * CPU lacks AVX2 or FMA means "wasm", and "wasm" where WebAssembly SIMD is missing means "ts".
 */
export type GemmBackend = "native" | "wasm" | "ts";
const BACKENDS: readonly GemmBackend[] = ["native", "wasm", "ts"];

/**
 * Below this many multiply-adds (m·n·k) the TypeScript loops win: a WebAssembly call costs about
 * 65 ns of fixed work (copies in and out, three calls), which the SIMD kernel only earns back from
 * m·n·k ≈ 64 on (4×4×4: 145 ns WebAssembly vs 175 ns TypeScript; 1×3×20: 240 vs 130; 8×8×8: 240 vs
 * 1,000). Measured on the 2-core AMD EPYC this project is benchmarked on. The native kernel uses
 * the same threshold.
 */
export const WASM_GEMM_MIN_WORK = 128;

let requested: GemmBackend = readEnvironment();
/** undefined: not built yet; null: WebAssembly SIMD is unavailable here */
let wasm: WasmGemm | null | undefined;
/** undefined: not loaded yet; null: no native kernels here */
let native: NativeKernels | null | undefined;

function readEnvironment(): GemmBackend {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.KILN_GEMM;
  if (env === undefined || env === "") return "native";
  if ((BACKENDS as readonly string[]).includes(env)) return env as GemmBackend;
  throw new RangeError(`KILN_GEMM must be "native", "wasm" or "ts", not ${JSON.stringify(env)}`);
}

/** The WebAssembly kernel, or null where WebAssembly SIMD is unavailable (for tests and stats). */
export function wasmKernel(): WasmGemm | null {
  if (wasm === undefined) {
    try {
      wasm = new WasmGemm();
    } catch {
      wasm = null;
    }
  }
  return wasm;
}

/** The native kernels, or null where the addon is missing or this CPU cannot run them. */
export function nativeKernel(): NativeKernels | null {
  if (native === undefined) native = loadNativeKernels().kernels;
  return native;
}

/** Chooses the kernel for float32 products (process-wide); returns the one in effect before. */
export function setGemmBackend(backend: GemmBackend): GemmBackend {
  if (!BACKENDS.includes(backend)) throw new RangeError(`unknown gemm backend ${JSON.stringify(backend)}`);
  const previous = gemmBackend();
  requested = backend;
  return previous;
}

/** The kernel float32 products use: the one requested, or the first after it that works here. */
export function gemmBackend(): GemmBackend {
  if (requested === "native" && nativeKernel() !== null) return "native";
  return requested !== "ts" && wasmKernel() !== null ? "wasm" : "ts";
}

/**
 * Work fused into the pass that writes C, so that a Linear layer needs no separate bias fill or
 * ReLU pass: C = relu((accumulate ? C : 0) + op(A)·op(B) + bias), each part optional.
 */
export interface GemmEpilogue {
  /** added to every row of C: C[i, j] += bias[biasOffset + j]; the same float type as C */
  readonly bias?: FloatStorage | null;
  readonly biasOffset?: number;
  /** finally C = max(C, 0), NaN staying NaN (as `relu`) */
  readonly relu?: boolean;
  /**
   * B is a weight that later products will use again unchanged (inference): the WebAssembly
   * kernel keeps its packed panels, keyed by B's storage and checked against the storage's
   * version (../version.ts) on every use. Results are the same either way.
   */
  readonly cacheB?: boolean;
}

/**
 * C[m×n] (+)= op(A)·op(B), row-major, where op(A) is A[m×k] or, with `transA`, Aᵀ of an A stored
 * as [k×m]; likewise B is [k×n] or, with `transB`, stored as [n×k]. Backward passes use the
 * transposed forms so no transpose is ever materialised. Offsets select one matrix of a batch.
 * float32 products of at least WASM_GEMM_MIN_WORK multiply-adds run in the native kernel or in
 * WebAssembly SIMD (float32 accumulation, in a different order than the TypeScript loops: results
 * differ at the ~1e-6 relative level; in WebAssembly, products of one to three rows take a
 * matrix-vector kernel with the same numbers as the general one), the largest split between
 * getNumThreads() threads with the same results (see ./native/sgemm_avx2.c and
 * ./wasm/gemm_wasm.ts); everything else runs `gemmTs`. An optional epilogue adds a bias to
 * every row and applies ReLU in the same pass, and `cacheB` keeps a weight's packed panels.
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: FloatStorage,
  aOffset: number,
  transA: boolean,
  b: FloatStorage,
  bOffset: number,
  transB: boolean,
  c: FloatStorage,
  cOffset: number,
  accumulate: boolean,
  epilogue?: GemmEpilogue,
): void {
  if (
    requested !== "ts" &&
    m * n * k >= WASM_GEMM_MIN_WORK &&
    c instanceof Float32Array &&
    a instanceof Float32Array &&
    b instanceof Float32Array
  ) {
    const bias = epilogue?.bias ?? null;
    if (bias === null || bias instanceof Float32Array) {
      const biasOffset = epilogue?.biasOffset ?? 0;
      const relu = epilogue?.relu ?? false;
      const accelerated = requested === "native" ? (native ?? nativeKernel()) : null;
      if (accelerated) {
        accelerated.sgemm(m, n, k, a, aOffset, transA, b, bOffset, transB, c, cOffset, accumulate, bias, biasOffset, relu, getNumThreads());
        return;
      }
      const kernel = wasm ?? wasmKernel();
      if (
        kernel &&
        kernel.gemm(m, n, k, a, aOffset, transA, b, bOffset, transB, c, cOffset, accumulate, bias, biasOffset, relu,
          epilogue?.cacheB ? storageVersion(b) : -1)
      ) {
        return;
      }
    }
  }
  gemmTs(m, n, k, a, aOffset, transA, b, bOffset, transB, c, cOffset, accumulate, epilogue);
}

/**
 * The plain TypeScript kernel: same contract as `gemm`, any float dtype, skips zeros of A. The bias
 * goes in before the products (as `linear` did by filling C with it), ReLU after.
 */
export function gemmTs(
  m: number,
  n: number,
  k: number,
  a: FloatStorage,
  aOffset: number,
  transA: boolean,
  b: FloatStorage,
  bOffset: number,
  transB: boolean,
  c: FloatStorage,
  cOffset: number,
  accumulate: boolean,
  epilogue?: GemmEpilogue,
): void {
  const bias = epilogue?.bias;
  if (bias) {
    const bo = epilogue.biasOffset ?? 0;
    for (let i = 0; i < m; i++) {
      const ci = cOffset + i * n;
      if (accumulate) for (let j = 0; j < n; j++) c[ci + j]! += bias[bo + j]!;
      else for (let j = 0; j < n; j++) c[ci + j] = bias[bo + j]!;
    }
  } else if (!accumulate) c.fill(0, cOffset, cOffset + m * n);
  products(m, n, k, a, aOffset, transA, b, bOffset, transB, c, cOffset);
  if (epilogue?.relu) {
    for (let i = cOffset; i < cOffset + m * n; i++) {
      const v = c[i]!;
      if (!(v > 0) && v === v) c[i] = 0;
    }
  }
}

/** C += op(A)·op(B) */
function products(
  m: number,
  n: number,
  k: number,
  a: FloatStorage,
  aOffset: number,
  transA: boolean,
  b: FloatStorage,
  bOffset: number,
  transB: boolean,
  c: FloatStorage,
  cOffset: number,
): void {
  if (!transB) {
    // i-p-j order: the innermost loop streams rows of B and C
    for (let i = 0; i < m; i++) {
      const ci = cOffset + i * n;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[aOffset + p * m + i]! : a[aOffset + i * k + p]!;
        if (av === 0) continue;
        const bp = bOffset + p * n;
        for (let j = 0; j < n; j++) c[ci + j]! += av * b[bp + j]!;
      }
    }
    return;
  }
  // B stored as [n×k]: dot products of rows of op(A) with rows of B
  for (let i = 0; i < m; i++) {
    const ci = cOffset + i * n;
    for (let j = 0; j < n; j++) {
      const bj = bOffset + j * k;
      let s = 0;
      if (transA) for (let p = 0; p < k; p++) s += a[aOffset + p * m + i]! * b[bj + p]!;
      else {
        const ai = aOffset + i * k;
        for (let p = 0; p < k; p++) s += a[ai + p]! * b[bj + p]!;
      }
      c[ci + j]! += s;
    }
  }
}
