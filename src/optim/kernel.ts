/**
 * Fused update loops, compiled once per (optimizer, dtype, option set).
 *
 * Each optimizer writes its per-element update as a small source template; the options that are
 * fixed for a whole step (maximize, weight decay on/off, momentum, nesterov, amsgrad, centered...)
 * are decided while the template is assembled, so the compiled loop has no branches on them and
 * each specialisation keeps its own, monomorphic type feedback in V8 (a single general loop with
 * those branches inside runs 1.4x to 2.4x slower). Templates contain only fixed code chosen by
 * booleans, never user data.
 *
 * In a template, `R(x)` rounds to the parameter dtype: `Math.fround(x)` for float32 (what every
 * float32 op of PyTorch does), nothing for float64. A store into a Float32Array rounds as well.
 */
import { VectorKernel, type FloatDType, type VectorKernelSpec } from "../tensor/index.js";

export type KernelFn = (...args: never[]) => void;

const cache = new Map<string, KernelFn>();

/**
 * The kernel cached under `key` (which must name everything the template depends on, dtype
 * included), compiling `build()` on first use. The loop runs `i` over `0 .. p.length - 1`.
 */
export function kernel<F extends KernelFn>(
  key: string,
  dtype: FloatDType,
  build: () => { args: readonly string[]; body: string },
): F {
  const fullKey = `${dtype}:${key}`;
  let fn = cache.get(fullKey);
  if (fn === undefined) {
    const { args, body } = build();
    const round = dtype === "float32" ? "Math.fround" : "";
    const source = `"use strict";\nconst n = p.length;\nfor (let i = 0; i < n; i++) {\n${body}\n}`.replace(/\bR\(/g, `${round}(`);
    fn = new Function(...args, source) as KernelFn;
    cache.set(fullKey, fn);
  }
  return fn as F;
}

/** Rounds a scalar the way PyTorch casts a Python float for a tensor of `dtype`. */
export function scalar(dtype: FloatDType, x: number): number {
  return dtype === "float32" ? Math.fround(x) : x;
}

export type FloatArray = Float32Array | Float64Array;

/**
 * Which loops float32 updates use: "wasm" (the same formulas in WebAssembly SIMD, bit for bit the
 * same results; see src/tensor/kernels/wasm/vector.ts) or "ts" (the compiled JavaScript loops
 * above). The default is "wasm" unless the environment sets KILN_OPTIM=ts; where WebAssembly SIMD
 * is unavailable "wasm" silently means "ts".
 */
export type UpdateBackend = "wasm" | "ts";

let updateBackend: UpdateBackend = readUpdateEnvironment();

function readUpdateEnvironment(): UpdateBackend {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.KILN_OPTIM;
  if (env === undefined || env === "" || env === "wasm") return "wasm";
  if (env === "ts") return "ts";
  throw new RangeError(`KILN_OPTIM must be "wasm" or "ts", not ${JSON.stringify(env)}`);
}

/** Chooses the loops of float32 optimizer updates (process-wide); returns the choice before. */
export function setUpdateBackend(backend: UpdateBackend): UpdateBackend {
  if (backend !== "wasm" && backend !== "ts") throw new RangeError(`unknown update backend ${JSON.stringify(backend)}`);
  const previous = updateBackend;
  updateBackend = backend;
  return previous;
}

/**
 * Below this many elements the JavaScript loop wins: a WebAssembly call with its copies costs a
 * fixed ~0.3 µs, which the SIMD loop earns back from a few dozen elements.
 */
export const SIMD_MIN_ELEMENTS = 64;
let simdMinElements = SIMD_MIN_ELEMENTS;

/** Changes that threshold (tests set 1 to run every size through WebAssembly); returns the one before. */
export function setSimdMinElements(n: number): number {
  const previous = simdMinElements;
  simdMinElements = n;
  return previous;
}

const simdCache = new Map<string, VectorKernel | null>();

/**
 * The WebAssembly SIMD form of a float32 update for `n` elements, or null when the JavaScript loop
 * should run (float64, few elements, the "ts" backend, or no WebAssembly SIMD here).
 */
export function simdKernel(key: string, dtype: FloatDType, n: number, build: () => VectorKernelSpec): VectorKernel | null {
  if (dtype !== "float32" || n < simdMinElements || updateBackend !== "wasm") return null;
  let k = simdCache.get(key);
  if (k === undefined) {
    k = VectorKernel.compile(build());
    simdCache.set(key, k);
  }
  return k;
}
