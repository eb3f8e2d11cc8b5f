/** The element types Kiln supports, named as PyTorch names them. */
export type DType = "float32" | "float64" | "int64" | "bool";
export type FloatDType = "float32" | "float64";

export type FloatStorage = Float32Array | Float64Array;
/** int64 is stored exactly, as 64-bit integers; bool as one byte per element. */
export type Storage = Float32Array | Float64Array | BigInt64Array | Uint8Array;

export const DTYPES: readonly DType[] = ["float32", "float64", "int64", "bool"];

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int64: 8, bool: 1 };

export function bytesPerElement(dtype: DType): number {
  return BYTES[dtype];
}

export function isFloating(dtype: DType): dtype is FloatDType {
  return dtype === "float32" || dtype === "float64";
}

/**
 * Fresh zeroed storage. Always backed by a SharedArrayBuffer so that any tensor can be posted to a
 * worker thread without copying its elements (see `shareable()` in tensor.ts).
 */
export function allocate(dtype: DType, length: number): Storage {
  const buffer = new SharedArrayBuffer(Math.max(length, 0) * BYTES[dtype]);
  return view(dtype, buffer, 0, length);
}

/** A typed view of `length` elements of `dtype` over an existing buffer. */
export function view(dtype: DType, buffer: ArrayBufferLike, byteOffset: number, length: number): Storage {
  switch (dtype) {
    case "float32":
      return new Float32Array(buffer, byteOffset, length);
    case "float64":
      return new Float64Array(buffer, byteOffset, length);
    case "int64":
      return new BigInt64Array(buffer, byteOffset, length);
    case "bool":
      return new Uint8Array(buffer, byteOffset, length);
  }
}

/** The dtype whose storage class `data` is (a Uint8Array holds bools). */
export function dtypeOfStorage(data: Storage): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array) return "int64";
  return "bool";
}

/** PyTorch's type promotion for two operands: bool < int64 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  const rank: Record<DType, number> = { bool: 0, int64: 1, float32: 2, float64: 3 };
  return rank[a] >= rank[b] ? a : b;
}

/** The dtype a result takes when an op needs floats (true division, exp, mean...). */
export function floatResultType(dtype: DType): FloatDType {
  return isFloating(dtype) ? dtype : "float32";
}
