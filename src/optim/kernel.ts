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
import type { FloatDType } from "../tensor/index.js";

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
