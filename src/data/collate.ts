import { stack, to } from "../autograd/index.js";
import { fromTypedArray, promoteTypes, tensor, Tensor } from "../tensor/index.js";

/** Typed arrays play the part NumPy arrays play in PyTorch: each one becomes a tensor. */
export type ArraySample = Float32Array | Float64Array | BigInt64Array | Int32Array;

/**
 * The batch type `defaultCollate` makes of samples of type `T`: tensors and typed arrays gain a
 * leading batch dimension, numbers/bigints/booleans become 1-d tensors, strings stay a list, and
 * tuples, arrays and plain objects are collated field by field.
 */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | bigint | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends ArraySample
        ? Tensor
        : T extends readonly unknown[]
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : T extends object
            ? { -readonly [K in keyof T]: Collated<T[K]> }
            : never;

const ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found ";

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return `<class '${(v as object).constructor?.name ?? "Object"}'>`;
  return `<class '${typeof v}'>`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function isArraySample(v: unknown): v is ArraySample {
  return v instanceof Float32Array || v instanceof Float64Array || v instanceof BigInt64Array || v instanceof Int32Array;
}

/** `torch.stack(batch, 0)` (promoting mixed dtypes as torch.stack does). */
function stackTensors(batch: readonly Tensor[]): Tensor {
  let dtype = batch[0]!.dtype;
  for (const t of batch) {
    if (!(t instanceof Tensor)) throw new TypeError(`expected Tensor as element ${batch.indexOf(t)} in argument 0, but got ${typeName(t)}`);
    dtype = promoteTypes(dtype, t.dtype);
  }
  return stack(batch.map((t) => to(t, dtype)), 0);
}

function collate(batch: readonly unknown[]): unknown {
  const elem = batch[0];
  if (elem instanceof Tensor) return stackTensors(batch as Tensor[]);
  if (isArraySample(elem)) {
    return stackTensors(batch.map((a) => {
      if (!isArraySample(a)) throw new TypeError(ERR + typeName(a));
      return fromTypedArray(a, [a.length]);
    }));
  }
  switch (typeof elem) {
    case "number":
      // Python's int -> int64, float -> float64; JavaScript has one number type, so integers-only
      // batches are int64 and anything with a fraction (or NaN/Infinity) is float64.
      return tensor(batch as number[], {
        dtype: (batch as number[]).every((v) => Number.isInteger(v)) ? "int64" : "float64",
      });
    case "bigint":
      return tensor(batch as bigint[], { dtype: "int64" });
    case "boolean":
      return tensor(batch as boolean[], { dtype: "bool" });
    case "string":
      return [...batch];
  }
  if (Array.isArray(elem)) {
    const size = elem.length;
    for (const e of batch) {
      if (!Array.isArray(e) || e.length !== size) throw new Error("each element in list of batch should be of equal size");
    }
    const out = new Array<unknown>(size);
    for (let k = 0; k < size; k++) out[k] = collate(batch.map((e) => (e as unknown[])[k]));
    return out;
  }
  if (isPlainObject(elem)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(elem)) out[key] = collate(batch.map((e) => (e as Record<string, unknown>)[key]));
    return out;
  }
  throw new TypeError(ERR + typeName(elem));
}

/**
 * PyTorch's `default_collate`: merges a list of samples into a batch. Tensors are stacked along a new
 * first dimension (int64 stays int64; 0-d samples give a 1-d batch); typed arrays (NumPy's role) become
 * tensors and are stacked; numbers become a 1-d tensor (int64 when all are integers, else float64 —
 * PyTorch's int and float); bigints int64; booleans bool; strings stay a list; arrays/tuples and plain
 * objects are collated field by field (arrays must all have the same length).
 */
export function defaultCollate<T>(batch: readonly T[]): Collated<T> {
  if (batch.length === 0) throw new RangeError("default_collate: batch is empty");
  return collate(batch) as Collated<T>;
}
