import { allocate, isFloating, type DType, type FloatStorage } from "../dtype.js";
import { normalizeDim, type Shape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { cast } from "./cast.js";
import { sumMiddle } from "./wasm/vector.js";

/** From this many elements per output block, float32 sums over a non-last dim run in WebAssembly. */
const SIMD_SUM_MIN = 64; // 32×30: 2.5 µs in JavaScript, 0.5 µs in WebAssembly

/** A dim reduction sees the tensor as [outer, size, inner] and reduces the middle axis. */
export interface ReductionLayout {
  readonly outer: number;
  readonly size: number;
  readonly inner: number;
  /** The result shape, with or without the reduced dimension kept as 1. */
  readonly outShape: number[];
  readonly dim: number;
}

export function reductionLayout(shape: Shape, dim: number, keepdim: boolean): ReductionLayout {
  const d = normalizeDim(dim, shape.length);
  if (shape.length === 0) return { outer: 1, size: 1, inner: 1, outShape: [], dim: 0 };
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < d; i++) outer *= shape[i]!;
  for (let i = d + 1; i < shape.length; i++) inner *= shape[i]!;
  const outShape: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (i !== d) outShape.push(shape[i]!);
    else if (keepdim) outShape.push(1);
  }
  return { outer, size: shape[d]!, inner, outShape, dim: d };
}

/** Sums of all elements; bools and int64 sum exactly into int64. */
export function sumAll(t: Tensor): Tensor {
  if (isFloating(t.dtype)) {
    const x = t.data as FloatStorage;
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i]!;
    const out = allocate(t.dtype, 1) as FloatStorage;
    out[0] = s;
    return new Tensor(out, [], t.dtype);
  }
  const x = cast(t, "int64").data as BigInt64Array;
  let s = 0n;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  const out = allocate("int64", 1) as BigInt64Array;
  out[0] = BigInt.asIntN(64, s);
  return new Tensor(out, [], "int64");
}

/** Sums along `dim`. */
export function sumDim(t: Tensor, dim: number, keepdim: boolean): Tensor {
  const L = reductionLayout(t.shape, dim, keepdim);
  const dtype: DType = isFloating(t.dtype) ? t.dtype : "int64";
  const out = allocate(dtype, L.outer * L.inner);
  if (dtype === "int64") {
    const x = cast(t, "int64").data as BigInt64Array;
    const o = out as BigInt64Array;
    for (let p = 0; p < L.outer; p++)
      for (let k = 0; k < L.size; k++) {
        const base = (p * L.size + k) * L.inner;
        for (let j = 0; j < L.inner; j++) o[p * L.inner + j]! += x[base + j]!;
      }
  } else {
    const x = t.data as FloatStorage;
    const o = out as FloatStorage;
    if (L.inner === 1) {
      for (let p = 0; p < L.outer; p++) {
        let s = 0;
        const base = p * L.size;
        for (let k = 0; k < L.size; k++) s += x[base + k]!;
        o[p] = s;
      }
    } else if (!(x instanceof Float32Array && L.size * L.inner >= SIMD_SUM_MIN && sumMiddle(x, L.outer, L.size, L.inner, o as Float32Array))) {
      // accumulate in double precision, then round once into the output (sumMiddle: the same in
      // WebAssembly SIMD, bit for bit)
      const acc = new Float64Array(L.inner);
      for (let p = 0; p < L.outer; p++) {
        acc.fill(0);
        for (let k = 0; k < L.size; k++) {
          const base = (p * L.size + k) * L.inner;
          for (let j = 0; j < L.inner; j++) acc[j]! += x[base + j]!;
        }
        o.set(acc, p * L.inner);
      }
    }
  }
  return new Tensor(out, L.outShape, dtype);
}

/** Values and int64 indices of the max (or min) along `dim`; ties keep the first index. NaN wins. */
export function extremumDim(t: Tensor, dim: number, keepdim: boolean, isMax: boolean): [Tensor, Tensor] {
  const L = reductionLayout(t.shape, dim, keepdim);
  if (L.size === 0) throw new RangeError("max(): Expected reduction dim to have non-zero size");
  const values = allocate(t.dtype, L.outer * L.inner);
  const indices = allocate("int64", L.outer * L.inner) as BigInt64Array;
  const x = t.data;
  for (let p = 0; p < L.outer; p++)
    for (let j = 0; j < L.inner; j++) {
      const base = p * L.size * L.inner + j;
      let best = x[base]!;
      let bestK = 0;
      for (let k = 1; k < L.size; k++) {
        const v = x[base + k * L.inner]!;
        if (best !== best) break; // NaN propagates and keeps its index
        if (v !== v || (isMax ? v > best : v < best)) {
          best = v;
          bestK = k;
        }
      }
      (values as Float64Array)[p * L.inner + j] = best as number;
      indices[p * L.inner + j] = BigInt(bestK);
    }
  return [new Tensor(values, L.outShape, t.dtype), new Tensor(indices, L.outShape, "int64")];
}

/** The flat index of the max (or min) of all elements; the first one on ties. */
export function extremumIndex(t: Tensor, isMax: boolean): number {
  const x = t.data;
  if (x.length === 0) throw new RangeError("max(): Expected reduction dim to be specified for input.numel() == 0");
  let best = x[0]!;
  let bestI = 0;
  for (let i = 1; i < x.length && best === best; i++) {
    const v = x[i]!;
    if (v !== v || (isMax ? v > best : v < best)) {
      best = v;
      bestI = i;
    }
  }
  return bestI;
}

/** Sums a broadcast result back down to `shape` (the gradient rule of broadcasting). */
export function sumToShape(t: Tensor, shape: Shape): Tensor {
  if (t.shape.length === shape.length && t.shape.every((s, i) => s === shape[i])) return t;
  let out = t;
  while (out.ndim > shape.length) out = sumDim(out, 0, false);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1 && out.shape[d] !== 1) out = sumDim(out, d, true);
  }
  return out;
}
