import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Kiln's native kernels (addon.c, sgemm_avx2.c), compiled by `npm ci` through node-gyp into
 * build/Release/kiln_native.node at the package root. The build is optional (no compiler, another
 * CPU architecture): then, or on a CPU without AVX2 and FMA, there are no native kernels and the
 * WebAssembly ones are used.
 */
export interface NativeKernels {
  /**
   * The contract of `gemm` in ../gemm.ts, in place on the arrays' memory, float32 only, m, n, k ≥ 1;
   * `threads` ≥ 2 lets a large product be split between the calling thread and one more (same bits).
   * Throws on arrays too short for their matrices.
   */
  sgemm(
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    aOffset: number,
    transA: boolean,
    b: Float32Array,
    bOffset: number,
    transB: boolean,
    c: Float32Array,
    cOffset: number,
    accumulate: boolean,
    bias: Float32Array | null,
    biasOffset: number,
    relu: boolean,
    threads: number,
  ): void;
}

/** The addon as it loads: whether this CPU can run it, and the kernels */
interface Addon extends NativeKernels {
  supported(): boolean;
}

/** The native kernels, or why there are none here. */
export type NativeLoad = { readonly kernels: NativeKernels } | { readonly kernels: null; readonly reason: string };

/** Loads the addon once per thread (it is context-aware: every worker thread loads its own instance). */
export function loadNativeKernels(): NativeLoad {
  // from src/tensor/kernels/native/ (tsx) or dist/src/tensor/kernels/native/ (compiled) to the package root
  const root = import.meta.url.endsWith(".ts") ? "../../../../" : "../../../../../";
  const file = fileURLToPath(new URL(`${root}build/Release/kiln_native.node`, import.meta.url));
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(file) as Addon;
  } catch (error) {
    return { kernels: null, reason: `the native addon did not load (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!addon.supported()) return { kernels: null, reason: "this CPU lacks AVX2 or FMA" };
  return { kernels: addon };
}
