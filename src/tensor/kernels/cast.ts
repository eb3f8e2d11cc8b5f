import { allocate, type DType, type Storage } from "../dtype.js";
import { Tensor } from "../tensor.js";

/**
 * Copies `src` into fresh storage of `dtype`, converting as PyTorch's `.to(dtype)` does: to uint8,
 * integers wrap modulo 256 and floats truncate toward zero first (a typed array's own conversion).
 */
export function castStorage(src: Storage, dtype: DType): Storage {
  const out = allocate(dtype, src.length);
  const n = src.length;
  if (dtype === "uint8") {
    if (src instanceof BigInt64Array) for (let i = 0; i < n; i++) out[i] = Number(BigInt.asUintN(8, src[i]!));
    else (out as Uint8Array).set(src);
  } else if (src instanceof BigInt64Array) {
    if (out instanceof BigInt64Array) out.set(src);
    else if (out instanceof Uint8Array) for (let i = 0; i < n; i++) out[i] = src[i] !== 0n ? 1 : 0;
    else for (let i = 0; i < n; i++) out[i] = Number(src[i]!);
  } else if (out instanceof BigInt64Array) {
    // float -> int64 truncates toward zero, as C++'s conversion does
    for (let i = 0; i < n; i++) out[i] = BigInt(Math.trunc(src[i]!));
  } else if (out instanceof Uint8Array) {
    for (let i = 0; i < n; i++) out[i] = src[i] !== 0 ? 1 : 0;
  } else {
    out.set(src);
  }
  return out;
}

/** `t` as `dtype`: the same tensor when it already is, else a converted copy (no autograd). */
export function cast(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  return new Tensor(castStorage(t.data, dtype), t.shape, dtype);
}

/** A fresh copy of `t`'s storage and shape. */
export function copy(t: Tensor): Tensor {
  const out = allocate(t.dtype, t.data.length);
  (out as Float32Array).set(t.data as Float32Array);
  return new Tensor(out, t.shape, t.dtype);
}
