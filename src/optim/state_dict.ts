/**
 * The shape of an optimizer's `stateDict()` (PyTorch's `state_dict()`, with PyTorch's snake_case
 * keys) and its JSON form. Buffers in a state dict are Tensors; `stateDictToJSON` turns them into
 * plain `{ shape, dtype, data }` objects that `JSON.stringify` writes exactly (float32 values are
 * exact doubles, so a list round trip is lossless; non-finite values are written as the strings
 * "NaN", "Infinity", "-Infinity"), and `stateDictFromJSON` turns them back. `loadStateDict` accepts
 * either form.
 */
import { Tensor, formatShape, numel, type FloatDType } from "../tensor/index.js";

/** A value of a parameter group in a state dict: numbers, booleans, `betas` pairs, ... */
export type GroupValue = number | boolean | string | null | readonly number[];

/** One parameter group of a state dict: the hyperparameters plus the indices of its parameters. */
export interface ParamGroupDict {
  lr: number;
  params: number[];
  [key: string]: GroupValue;
}

/**
 * The state of one parameter, as PyTorch names it. SGD keeps `momentum_buffer` (null without
 * momentum, as PyTorch does) and no `step`; Adam/AdamW keep `step`, `exp_avg`, `exp_avg_sq` and,
 * with amsgrad, `max_exp_avg_sq`; RMSprop keeps `step`, `square_avg` and, when enabled,
 * `momentum_buffer` and `grad_avg`.
 */
export interface ParamStateDict {
  step?: number;
  momentum_buffer?: Tensor | null;
  exp_avg?: Tensor;
  exp_avg_sq?: Tensor;
  max_exp_avg_sq?: Tensor;
  square_avg?: Tensor;
  grad_avg?: Tensor;
  [key: string]: number | Tensor | null | undefined;
}

/** PyTorch's optimizer `state_dict()`: per-parameter state keyed by parameter index, and the groups. */
export interface OptimizerStateDict {
  state: Record<number, ParamStateDict>;
  param_groups: ParamGroupDict[];
}

/**
 * A tensor as plain JSON. `data` is either the row-major values (non-finite values as the strings
 * "NaN", "Infinity", "-Infinity"; PyTorch's "nan"/"inf"/"-inf" and null for NaN are accepted too)
 * or a base64 string of the little-endian bytes.
 */
export interface TensorJSON {
  shape: number[];
  dtype: FloatDType;
  data: (number | string | null)[] | string;
}

export interface ParamStateJSON {
  [key: string]: number | TensorJSON | null | undefined;
}

/** The JSON-safe form of an `OptimizerStateDict` (what `JSON.stringify`/`JSON.parse` round-trip). */
export interface OptimizerStateDictJSON {
  state: Record<string, ParamStateJSON>;
  param_groups: ParamGroupDict[];
}

export interface StateDictJSONOptions {
  /** "list" (default): values as JSON numbers, readable by Python. "base64": compact raw bytes. */
  encoding?: "list" | "base64";
}

/** A number as JSON writes it exactly: non-finite ones as the strings "NaN", "Infinity", "-Infinity". */
export function encodeNumber(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

/** The inverse of `encodeNumber` (also taking Python's "nan", "inf", "-inf", and null for NaN). */
export function decodeNumber(v: unknown, where: string): number {
  if (typeof v === "number") return v;
  if (v === null) return NaN; // JSON.stringify writes NaN as null
  if (typeof v === "string") {
    switch (v) {
      case "NaN":
      case "nan":
        return NaN;
      case "Infinity":
      case "inf":
        return Infinity;
      case "-Infinity":
      case "-inf":
        return -Infinity;
    }
  }
  throw new TypeError(`${where}: expected a number, got ${JSON.stringify(v)}`);
}

/** A tensor's values as JSON. */
export function tensorToJSON(t: Tensor, encoding: "list" | "base64" = "list"): TensorJSON {
  if (t.dtype !== "float32" && t.dtype !== "float64") {
    throw new TypeError(`optimizer state tensors are float32 or float64, not ${t.dtype}`);
  }
  const data = t.data as Float32Array | Float64Array;
  if (encoding === "base64") {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return { shape: [...t.shape], dtype: t.dtype, data: bytes.toString("base64") };
  }
  const list = new Array<number | string>(data.length);
  for (let i = 0; i < data.length; i++) list[i] = encodeNumber(data[i]!);
  return { shape: [...t.shape], dtype: t.dtype, data: list };
}

function isTensorJSON(v: unknown): v is TensorJSON {
  return typeof v === "object" && v !== null && "shape" in v && "data" in v;
}

/**
 * A fresh float tensor holding the values of a Tensor or TensorJSON, converted to `dtype` (the
 * dtype of the parameter it belongs to, as PyTorch casts on load) or, without `dtype`, kept in its own.
 */
export function tensorFromJSON(v: Tensor | TensorJSON, where: string, dtype?: FloatDType): Tensor {
  if (v instanceof Tensor) {
    if (v.dtype !== "float32" && v.dtype !== "float64") {
      throw new TypeError(`${where}: expected a float32 or float64 tensor, got ${v.dtype}`);
    }
    const out = Tensor.empty(v.shape, dtype ?? v.dtype);
    (out.data as Float64Array).set(v.data as Float64Array);
    return out;
  }
  if (!isTensorJSON(v)) throw new TypeError(`${where}: expected a tensor or {shape, dtype, data}`);
  const shape = v.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`${where}: invalid shape ${JSON.stringify(shape)}`);
  }
  const own = v.dtype ?? "float32";
  if (own !== "float32" && own !== "float64") {
    throw new TypeError(`${where}: expected dtype float32 or float64, got ${JSON.stringify(own)}`);
  }
  const n = numel(shape);
  const out = Tensor.empty(shape, dtype ?? own);
  const target = out.data as Float32Array | Float64Array;
  if (typeof v.data === "string") {
    const bytes = Buffer.from(v.data, "base64");
    const size = own === "float32" ? 4 : 8;
    if (bytes.length !== n * size) {
      throw new RangeError(`${where}: ${bytes.length} bytes of ${own} data do not fill shape ${formatShape(shape)}`);
    }
    const raw = new Uint8Array(n * size);
    raw.set(bytes);
    target.set(own === "float32" ? new Float32Array(raw.buffer) : new Float64Array(raw.buffer));
    return out;
  }
  if (!Array.isArray(v.data)) throw new TypeError(`${where}: data must be a list of numbers or a base64 string`);
  if (v.data.length !== n) {
    throw new RangeError(`${where}: ${v.data.length} values do not fill shape ${formatShape(shape)}`);
  }
  const src = own === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) src[i] = decodeNumber(v.data[i], where);
  target.set(src);
  return out;
}

function copyGroupDict(g: ParamGroupDict): ParamGroupDict {
  const out: Record<string, GroupValue> = {};
  for (const [k, v] of Object.entries(g)) out[k] = Array.isArray(v) ? [...(v as number[])] : (v as GroupValue);
  return out as ParamGroupDict;
}

/** The JSON-safe copy of a state dict: every Tensor becomes `{ shape, dtype, data }`. */
export function stateDictToJSON(sd: OptimizerStateDict, options: StateDictJSONOptions = {}): OptimizerStateDictJSON {
  const encoding = options.encoding ?? "list";
  const state: Record<string, ParamStateJSON> = {};
  for (const [id, s] of Object.entries(sd.state)) {
    const out: ParamStateJSON = {};
    for (const [k, v] of Object.entries(s)) {
      if (v === undefined) continue;
      out[k] = v instanceof Tensor ? tensorToJSON(v, encoding) : v;
    }
    state[id] = out;
  }
  return { state, param_groups: sd.param_groups.map(copyGroupDict) };
}

/** Rebuilds a state dict with Tensors from its JSON form (values copied; dtypes kept). */
export function stateDictFromJSON(json: OptimizerStateDictJSON): OptimizerStateDict {
  if (typeof json !== "object" || json === null || typeof json.state !== "object" || !Array.isArray(json.param_groups)) {
    throw new TypeError("a state dict needs 'state' (an object) and 'param_groups' (a list)");
  }
  const state: Record<number, ParamStateDict> = {};
  for (const [id, s] of Object.entries(json.state)) {
    const out: ParamStateDict = {};
    for (const [k, v] of Object.entries(s)) {
      if (v === undefined) continue;
      out[k] = v === null || typeof v === "number" ? v : tensorFromJSON(v, `state[${id}].${k}`);
    }
    state[Number(id)] = out;
  }
  return { state, param_groups: json.param_groups.map(copyGroupDict) };
}
