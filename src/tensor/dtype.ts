/** The element types Kiln supports, named as PyTorch names them. */
export type DType = "float32" | "float64" | "int64" | "bool" | "uint8";
export type FloatDType = "float32" | "float64";

export type FloatStorage = Float32Array | Float64Array;
/** int64 is stored exactly, as 64-bit integers; bool and uint8 as one byte per element. */
export type Storage = Float32Array | Float64Array | BigInt64Array | Uint8Array;

export const DTYPES: readonly DType[] = ["float32", "float64", "int64", "bool", "uint8"];

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int64: 8, bool: 1, uint8: 1 };

/** The C++ scalar type names PyTorch's error messages use (`expected scalar type Byte but found Float`). */
const SCALAR_TYPE_NAMES: Record<DType, string> = { float32: "Float", float64: "Double", int64: "Long", bool: "Bool", uint8: "Byte" };

export function scalarTypeName(dtype: DType): string {
  return SCALAR_TYPE_NAMES[dtype];
}

export function bytesPerElement(dtype: DType): number {
  return BYTES[dtype];
}

export function isFloating(dtype: DType): dtype is FloatDType {
  return dtype === "float32" || dtype === "float64";
}

/**
 * Small storages are carved out of shared slabs: creating a SharedArrayBuffer costs about 1.5 µs
 * (and its backing store more work for the garbage collector), many times what an op on a few
 * hundred elements costs, and a training step of a small model allocates ~100 of them. Carving is
 * a bump of an offset; a slab is never reused, so its memory is still zero, and it is freed by the
 * garbage collector once no view of it is left. A long-lived small tensor keeps its slab alive:
 * at most SLAB_BYTES each, which is why only storages of up to SLAB_MAX_BYTES go there.
 */
const SLAB_BYTES = 1 << 17;
export const SLAB_MAX_BYTES = 1 << 13;
let slab: SharedArrayBuffer | null = null;
let slabUsed = SLAB_BYTES;

/**
 * V8 (Node 20) does not count SharedArrayBuffer memory in the heuristics that schedule its garbage
 * collections, unlike ArrayBuffer memory: a loop that allocates large SharedArrayBuffers and few
 * JavaScript objects never collects the dead ones (measured: 4.7 MB buffers in a loop, the resident
 * set grows by ~400 MB a second to gigabytes, and allocation slows to ~80 a second; the same with
 * ArrayBuffers stays flat at 90 MB). Batch-1024 inference through a model is such a loop. So every
 * large storage comes with young-generation garbage of 1/BALLAST_RATIO of its size (small arrays,
 * each replacing the last): the scavenges it causes free the dead buffers as they go.
 */
const BALLAST_FROM = 1 << 16;
const BALLAST_RATIO = 16;
const BALLAST_ARRAY = 4096; // elements: 32 KiB, a young-generation object
/** holds the last ballast array, so that no compiler can drop the allocations as unused */
const ballastSink: { last: unknown[] | null } = { last: null };

function ballast(bytes: number): void {
  for (let left = bytes / BALLAST_RATIO; left > 0; left -= BALLAST_ARRAY * 8) ballastSink.last = new Array<unknown>(BALLAST_ARRAY);
}

/**
 * Fresh zeroed storage. Always backed by a SharedArrayBuffer so that any tensor can be posted to a
 * worker thread without copying its elements (see `toShared()` in tensor.ts); small ones are views
 * into a shared slab (at a 16-byte aligned offset), larger ones have a buffer of their own.
 */
export function allocate(dtype: DType, length: number): Storage {
  const bytes = Math.max(length, 0) * BYTES[dtype];
  if (bytes > SLAB_MAX_BYTES || bytes === 0) {
    if (bytes >= BALLAST_FROM) ballast(bytes);
    return view(dtype, new SharedArrayBuffer(bytes), 0, length);
  }
  const need = (bytes + 15) & ~15;
  if (slabUsed + need > SLAB_BYTES) {
    slab = new SharedArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const storage = view(dtype, slab!, slabUsed, length);
  slabUsed += need;
  return storage;
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
    case "uint8":
      return new Uint8Array(buffer, byteOffset, length);
  }
}

/**
 * The dtype whose storage class `data` is. A Uint8Array holds bools here: uint8 storage is the same
 * class, so a uint8 tensor always names its dtype.
 */
export function dtypeOfStorage(data: Storage): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array) return "int64";
  return "bool";
}

const PROMOTION_RANK: Record<DType, number> = { bool: 0, uint8: 1, int64: 2, float32: 3, float64: 4 };

/**
 * PyTorch's type promotion for two operands: bool < uint8 < int64 < float32 < float64 (uint8 with
 * a float gives the float, uint8 with int64 gives int64).
 */
export function promoteTypes(a: DType, b: DType): DType {
  return PROMOTION_RANK[a] >= PROMOTION_RANK[b] ? a : b;
}
