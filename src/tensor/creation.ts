import { allocate, isFloating, type DType, type FloatStorage, type Storage } from "./dtype.js";
import { defaultGenerator, fillNormal, fillRandint, fillUniform, randpermIndices, type Generator } from "./generator.js";
import { formatShape, numel, type Shape } from "./shape.js";
import { Tensor, type NestedValue } from "./tensor.js";

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
export type TensorData = NestedValue | TypedArray;

function finish(t: Tensor, options: TensorOptions | undefined): Tensor {
  if (options?.requiresGrad) t.requiresGrad = true;
  return t;
}

function writeAll(out: Storage, values: ArrayLike<number | bigint | boolean>): void {
  const n = values.length;
  if (out instanceof BigInt64Array) {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      out[i] = typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v)));
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = Number(values[i]!);
  }
}

/**
 * A value as `torch.tensor(v, dtype=torch.uint8)` stores it: an integer above 255, or a fraction
 * outside [0, 255], is refused as PyTorch refuses it; a negative integer wraps modulo 256 and a
 * fraction truncates toward zero, as PyTorch's conversions do.
 */
function toUint8(v: number | bigint | boolean, typeName = "uint8"): number {
  const x = Number(v);
  const fits = Number.isInteger(x) ? x <= 255 : x >= 0 && x <= 255;
  if (!fits) throw new RangeError(`value cannot be converted to type ${typeName} without overflow`);
  return x & 255;
}

/** Shape, flat values and inferred dtype of nested arrays; ragged input is an error naming the dim. */
function flatten(data: NestedValue): { shape: number[]; flat: (number | bigint | boolean)[]; dtype: DType } {
  const shape: number[] = [];
  let probe: NestedValue = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0]!;
  }
  const flat: (number | bigint | boolean)[] = [];
  let sawFloat = false;
  let sawInt = false;
  let sawBool = false;
  const walk = (v: NestedValue, depth: number): void => {
    if (depth < shape.length) {
      if (!Array.isArray(v)) throw new TypeError(`expected a sequence at dim ${depth}, got ${typeof v}`);
      if (v.length !== shape[depth]) {
        throw new RangeError(`expected sequence of length ${shape[depth]} at dim ${depth} (got ${v.length})`);
      }
      for (const x of v) walk(x, depth + 1);
      return;
    }
    if (Array.isArray(v)) throw new RangeError(`expected a number at dim ${depth}, got a sequence`);
    if (typeof v === "boolean") sawBool = true;
    else if (typeof v === "bigint") sawInt = true;
    else if (typeof v === "number") {
      if (Number.isInteger(v)) sawInt = true;
      else sawFloat = true;
    } else throw new TypeError(`tensor(): unsupported element ${String(v)}`);
    flat.push(v);
  };
  walk(data, 0);
  // JavaScript cannot tell 1.0 from 1: all-integer data is int64, as `torch.tensor([1, 2])` is.
  const dtype: DType = sawFloat || flat.length === 0 ? "float32" : sawInt ? "int64" : sawBool ? "bool" : "float32";
  return { shape, flat, dtype };
}

function typedDtype(data: TypedArray): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Uint8Array) return "bool";
  return "int64";
}

/**
 * PyTorch's `torch.tensor`: nested arrays (any rank) or a typed array. The dtype is inferred as
 * PyTorch does (integers: int64, any fraction: float32, booleans: bool; a Float64Array: float64);
 * `dtype` overrides. Values are always copied.
 */
export function tensor(data: TensorData, options?: TensorOptions): Tensor {
  if (ArrayBuffer.isView(data)) return fromTypedArray(data, [data.length], options);
  const { shape, flat, dtype } = flatten(data);
  const target = options?.dtype ?? dtype;
  const out = allocate(target, flat.length);
  if (target === "uint8") for (let i = 0; i < flat.length; i++) out[i] = toUint8(flat[i]!);
  else writeAll(out, flat);
  return finish(new Tensor(out, shape, target), options);
}

/** A tensor of `shape` holding a copy of a typed array's values (row-major). */
export function fromTypedArray(data: TypedArray, shape: Shape, options?: TensorOptions): Tensor {
  if (data.length !== numel(shape)) {
    throw new RangeError(`${data.length} values do not fill shape ${formatShape(shape)}`);
  }
  const target = options?.dtype ?? typedDtype(data);
  const out = allocate(target, data.length);
  if (out instanceof BigInt64Array === data instanceof BigInt64Array) (out as Float32Array).set(data as Float32Array);
  else writeAll(out, data as ArrayLike<number | bigint>);
  return finish(new Tensor(out, shape, target), options);
}

export function full(shape: Shape, value: number | boolean, options?: TensorOptions): Tensor {
  const dtype = options?.dtype ?? (typeof value === "boolean" ? "bool" : Number.isInteger(value) ? "int64" : "float32");
  const out = allocate(dtype, numel(shape));
  if (out instanceof BigInt64Array) out.fill(BigInt(Math.trunc(Number(value))));
  else out.fill(dtype === "uint8" ? toUint8(value, "uint8_t") : Number(value));
  return finish(new Tensor(out, shape, dtype), options);
}

export function zeros(shape: Shape, options?: TensorOptions): Tensor {
  return finish(Tensor.empty(shape, options?.dtype ?? "float32"), options);
}

export function ones(shape: Shape, options?: TensorOptions): Tensor {
  return full(shape, 1, { dtype: "float32", ...options });
}

/** `arange(end)` or `arange(start, end, step)`: int64 when every argument is an integer. */
export function arange(start: number, end?: number, step = 1, options?: TensorOptions): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0) throw new RangeError("arange: step must be nonzero");
  if ((hi - lo) * step < 0) throw new RangeError("arange: upper bound and larger bound inconsistent with step sign");
  const dtype = options?.dtype ?? ([lo, hi, step].every(Number.isInteger) ? "int64" : "float32");
  const n = Math.ceil((hi - lo) / step);
  const out = allocate(dtype, n);
  const values = Array.from({ length: n }, (_, i) => lo + i * step);
  writeAll(out, values);
  return finish(new Tensor(out, [n], dtype), options);
}

function floatOut(shape: Shape, options: TensorOptions | undefined): { t: Tensor; data: FloatStorage } {
  const dtype = options?.dtype ?? "float32";
  if (!isFloating(dtype)) throw new TypeError(`random floats need a floating dtype, not ${dtype}`);
  const t = Tensor.empty(shape, dtype);
  return { t, data: t.data as FloatStorage };
}

/** Uniform samples in [0, 1), drawn as PyTorch's CPU generator draws them. */
export function rand(shape: Shape, options?: RandomOptions): Tensor {
  const { t, data } = floatOut(shape, options);
  fillUniform(options?.generator ?? defaultGenerator, data, 0, 1);
  return finish(t, options);
}

/** Standard normal samples, drawn as PyTorch's CPU generator draws them. */
export function randn(shape: Shape, options?: RandomOptions): Tensor {
  const { t, data } = floatOut(shape, options);
  fillNormal(options?.generator ?? defaultGenerator, data, 0, 1);
  return finish(t, options);
}

/** Integers uniform in [low, high), int64 unless `dtype` says otherwise. */
export function randint(low: number, high: number, shape: Shape, options?: RandomOptions): Tensor {
  if (!(high > low)) throw new RangeError(`random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`);
  const values = Tensor.empty(shape, "int64");
  fillRandint(options?.generator ?? defaultGenerator, values.data as BigInt64Array, low, high);
  const dtype = options?.dtype ?? "int64";
  if (dtype === "int64") return values;
  const out = allocate(dtype, values.data.length);
  writeAll(out, values.data as BigInt64Array);
  return finish(new Tensor(out, shape, dtype), options);
}

/** A random permutation of 0..n-1 (int64), as `torch.randperm(n, generator=g)`. */
export function randperm(n: number, options?: RandomOptions): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm: n must be a non-negative integer, got ${n}`);
  const perm = randpermIndices(options?.generator ?? defaultGenerator, n);
  const out = allocate("int64", n) as BigInt64Array;
  for (let i = 0; i < n; i++) out[i] = BigInt(perm[i]!);
  return new Tensor(out, [n], "int64");
}

const likeOptions = (t: Tensor, options?: TensorOptions): TensorOptions => ({ dtype: t.dtype, ...options });
export const zerosLike = (t: Tensor, options?: TensorOptions): Tensor => zeros(t.shape, likeOptions(t, options));
export const onesLike = (t: Tensor, options?: TensorOptions): Tensor => ones(t.shape, likeOptions(t, options));
export const fullLike = (t: Tensor, value: number | boolean, options?: TensorOptions): Tensor =>
  full(t.shape, value, likeOptions(t, options));
export const randLike = (t: Tensor, options?: RandomOptions): Tensor => rand(t.shape, likeOptions(t, options));
export const randnLike = (t: Tensor, options?: RandomOptions): Tensor => randn(t.shape, likeOptions(t, options));
export const randintLike = (t: Tensor, low: number, high: number, options?: RandomOptions): Tensor =>
  randint(low, high, t.shape, likeOptions(t, options));
