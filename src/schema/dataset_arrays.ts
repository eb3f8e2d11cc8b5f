/**
 * A dataset's `features` and `labels` from arrays as binary files store them (safetensors tensors,
 * NumPy .npy arrays): uint8 features stay bytes (images, which a model converts with its first
 * layer, ConvertImageDtype); every other numeric type becomes float32, exactly where float32 can
 * hold the value. Errors name the array: path [file, name], e.g. ["npz", "x"].
 */
import { allocate, formatShape, safetensors, Tensor } from "../tensor/index.js";
import { checkCount, type DatasetLimits, type DatasetTensors, type LabelPart, MAX_FEATURE_DIMS } from "./dataset.js";
import { SpecError, type SpecPath } from "./errors.js";

/** An array as a file stores it, its element type named by safetensors' dtype codes (`U8`, `F32`, ...). */
export interface StoredArray {
  dtype: string;
  shape: number[];
  /** Little-endian elements, row-major; any alignment. */
  bytes: Uint8Array;
}

type FeaturePart = Pick<DatasetTensors, "features" | "featureDtype" | "numSamples" | "featureShape">;

/** How each accepted element type reads from bytes: `read(view, byteOffset)` as a double. */
interface ElementReader {
  bytes: number;
  kind: "int" | "float";
  read: (v: DataView, at: number) => number;
}

const scratch = new DataView(new ArrayBuffer(4));

/** IEEE half precision to a double (every half is exact in float32). */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16: the high half of a float32. */
function bfloat16(bits: number): number {
  scratch.setUint32(0, bits << 16);
  return scratch.getFloat32(0);
}

/** A 64-bit integer as the nearest double (exact up to 2^53, which is all the checks need). */
const int64 = (v: DataView, at: number): number => v.getInt32(at + 4, true) * 2 ** 32 + v.getUint32(at, true);
const uint64 = (v: DataView, at: number): number => v.getUint32(at + 4, true) * 2 ** 32 + v.getUint32(at, true);

const READERS: Record<string, ElementReader> = {
  U8: { bytes: 1, kind: "int", read: (v, at) => v.getUint8(at) },
  I8: { bytes: 1, kind: "int", read: (v, at) => v.getInt8(at) },
  I16: { bytes: 2, kind: "int", read: (v, at) => v.getInt16(at, true) },
  U16: { bytes: 2, kind: "int", read: (v, at) => v.getUint16(at, true) },
  I32: { bytes: 4, kind: "int", read: (v, at) => v.getInt32(at, true) },
  U32: { bytes: 4, kind: "int", read: (v, at) => v.getUint32(at, true) },
  I64: { bytes: 8, kind: "int", read: int64 },
  U64: { bytes: 8, kind: "int", read: uint64 },
  F16: { bytes: 2, kind: "float", read: (v, at) => half(v.getUint16(at, true)) },
  BF16: { bytes: 2, kind: "float", read: (v, at) => bfloat16(v.getUint16(at, true)) },
  F32: { bytes: 4, kind: "float", read: (v, at) => v.getFloat32(at, true) },
  F64: { bytes: 8, kind: "float", read: (v, at) => v.getFloat64(at, true) },
};

const ACCEPTED = "U8, I8, I16, I32, I64, U16, U32, U64, F16, BF16, F32 or F64";

/** Integers beyond this magnitude are not all exact in float32. */
const EXACT_INT = 2 ** 24;

function reader(a: StoredArray, what: string, path: SpecPath): ElementReader {
  const r = READERS[a.dtype];
  if (!r) throw new SpecError(`${what} must be ${ACCEPTED}, not ${a.dtype}`, path);
  return r;
}

/**
 * The array's values as float32: integers within ±2^24 exactly (others refused), floats rounded to
 * float32 and refused unless finite. `item` names the sample (or label) of element i in errors.
 */
function toFloat32(a: StoredArray, r: ElementReader, item: (i: number) => string, path: SpecPath): Float32Array {
  const n = a.bytes.length / r.bytes;
  const out = allocate("float32", n) as Float32Array;
  const view = new DataView(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength);
  for (let i = 0, at = 0; i < n; i++, at += r.bytes) {
    const v = r.read(view, at);
    if (r.kind === "int" && (v > EXACT_INT || v < -EXACT_INT)) {
      const exact = a.dtype === "I64" ? view.getBigInt64(at, true) : a.dtype === "U64" ? view.getBigUint64(at, true) : v;
      throw new SpecError(`${item(i)} holds ${exact}: integers beyond 2^24 in magnitude are not exact in float32`, path);
    }
    const f = Math.fround(v);
    if (!Number.isFinite(f)) throw new SpecError(`${item(i)} holds ${f} (float32), not a finite number`, path);
    out[i] = f;
  }
  return out;
}

/** `features` [N, ...sample] (1 to MAX_FEATURE_DIMS dims per sample): uint8 kept, the rest float32. */
/** The tensors of a safetensors body, or a SpecError at ["safetensors"] saying why it is not one. */
export function safetensorsBodyTensors(bytes: Uint8Array): safetensors.RawTensor[] {
  try {
    return safetensors.readRaw(bytes).tensors;
  } catch (e) {
    if (e instanceof safetensors.SafetensorsError) throw new SpecError(`not a valid safetensors file: ${e.message}`, ["safetensors"]);
    throw e;
  }
}

export function featuresFromArray(a: StoredArray, limits: DatasetLimits, path: SpecPath): FeaturePart {
  const r = reader(a, "features", path);
  if (a.shape.length < 2 || a.shape.length > MAX_FEATURE_DIMS + 1) {
    throw new SpecError(`features must have shape [N, ...] with 1 to ${MAX_FEATURE_DIMS} dimensions per sample, not ${formatShape(a.shape)}`, path);
  }
  const n = a.shape[0]!;
  checkCount(n, limits, path);
  const featureShape = a.shape.slice(1);
  if (featureShape.some((d) => d === 0)) throw new SpecError(`a sample's dimensions must be ≥ 1, not ${formatShape(featureShape)}`, path);
  const features = samplesFromArray(a, "features", path, r);
  return { features, featureDtype: features.dtype === "uint8" ? "uint8" : "float32", numSamples: n, featureShape };
}

/**
 * Samples [N, ...] as one tensor, copied once: U8 kept as uint8 (images), any other accepted type
 * float32 (integers exactly, floats refused unless finite; errors name the sample). `what` names
 * the array in errors.
 */
export function samplesFromArray(a: StoredArray, what: string, path: SpecPath, r = reader(a, what, path)): Tensor {
  if (a.dtype === "U8") {
    const bytes = allocate("uint8", a.bytes.length) as Uint8Array;
    bytes.set(a.bytes);
    return new Tensor(bytes, a.shape, "uint8");
  }
  const perSample = a.bytes.length / r.bytes / (a.shape[0] ?? 1);
  return new Tensor(toFloat32(a, r, (i) => `sample ${Math.floor(i / perSample)}`, path), a.shape, "float32");
}

/**
 * `labels` [N] or [N, k] for `n` samples: integers ≥ 0 in one dimension are class indices (int64),
 * anything else float32 targets.
 */
export function labelsFromStoredArray(a: StoredArray, n: number, path: SpecPath): LabelPart {
  const r = reader(a, "labels", path);
  if ((a.shape.length !== 1 && a.shape.length !== 2) || (a.shape.length === 2 && a.shape[1] === 0)) {
    throw new SpecError(`labels must have shape [N] or [N, k], not ${formatShape(a.shape)}`, path);
  }
  if (a.shape[0] !== n) throw new SpecError(`${a.shape[0]} labels for ${n} samples: give one label per sample`, path);
  if (r.kind === "int" && a.shape.length === 1) {
    const classes = classIndices(a, r);
    if (classes) return classes;
  }
  const values = toFloat32(a, r, (i) => `label ${Math.floor(i / (a.shape[1] ?? 1))}`, path);
  return { labels: new Tensor(values, a.shape, "float32"), labelShape: a.shape.slice(1), labelDtype: "float32", numClasses: null };
}

/** Integer labels as int64 class indices, or null when one is negative (or beyond 2^53). */
function classIndices(a: StoredArray, r: ElementReader): LabelPart | null {
  const n = a.shape[0]!;
  const view = new DataView(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength);
  const out = allocate("int64", n) as BigInt64Array;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = r.read(view, i * r.bytes);
    if (v < 0 || !Number.isSafeInteger(v)) return null;
    out[i] = BigInt(v);
    if (v > max) max = v;
  }
  return { labels: new Tensor(out, [n], "int64"), labelShape: [], labelDtype: "int64", numClasses: max + 1 };
}
