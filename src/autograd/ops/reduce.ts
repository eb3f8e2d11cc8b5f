import { allocate, isFloating, kernels, normalizeDim, scalarTypeName, Tensor, type FloatStorage } from "../../tensor/index.js";
import { record } from "../node.js";
import { mul, sub } from "./arithmetic.js";
import { exp } from "./unary.js";

/** `g` of a reduction's output shape, reshaped as if keepdim was set, then expanded to `shape`. */
function expandBack(g: Tensor, shape: readonly number[], dim: number | null, keepdim: boolean): Tensor {
  if (dim === null) return kernels.expandCopy(new Tensor(g.data, shape.map(() => 1), g.dtype), shape);
  const kept = keepdim ? g : new Tensor(g.data, shape.map((s, i) => (i === dim ? 1 : s)), g.dtype);
  return kernels.expandCopy(kept, shape);
}

/** Sum of all elements, or along `dim` (keepdim keeps it as size 1). Integers sum into int64. */
export function sum(a: Tensor, dim?: number, keepdim = false): Tensor {
  if (dim === undefined) {
    const out = kernels.sumAll(a);
    return record(out, "SumBackward0", [a], (g) => [expandBack(g, a.shape, null, false)]);
  }
  const d = normalizeDim(dim, a.ndim);
  const out = kernels.sumDim(a, d, keepdim);
  return record(out, "SumBackward1", [a], (g) => [expandBack(g, a.shape, d, keepdim)]);
}

/** Mean of all elements, or along `dim`. Needs a floating dtype, as in PyTorch. */
export function mean(a: Tensor, dim?: number, keepdim = false): Tensor {
  if (!isFloating(a.dtype)) {
    throw new TypeError(`mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${scalarTypeName(a.dtype)}`);
  }
  if (dim === undefined) {
    const n = a.numel();
    const out = kernels.unaryFloat(kernels.sumAll(a), (s) => s / n);
    return record(out, "MeanBackward0", [a], (g) => [expandBack(kernels.unaryFloat(g, (v) => v / n), a.shape, null, false)]);
  }
  const d = normalizeDim(dim, a.ndim);
  const n = a.shape[d] ?? 1;
  const out = kernels.unaryFloat(kernels.sumDim(a, d, keepdim), (s) => s / n);
  return record(out, "MeanBackward1", [a], (g) => [expandBack(kernels.unaryFloat(g, (v) => v / n), a.shape, d, keepdim)]);
}

/** Values and indices of a max or min along a dim, as PyTorch's `torch.return_types.max`. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

function extremumAlong(a: Tensor, dim: number, keepdim: boolean, isMax: boolean): ValuesIndices {
  const d = normalizeDim(dim, a.ndim);
  const [values, indices] = kernels.extremumDim(a, d, keepdim, isMax);
  record(values, isMax ? "MaxBackward0" : "MinBackward0", [a], (g) => {
    // the gradient goes to the selected element of each reduced row
    const L = kernels.reductionLayout(a.shape, d, keepdim);
    const out = allocate(g.dtype, a.numel()) as FloatStorage;
    const gd = g.data as FloatStorage;
    const idx = indices.data as BigInt64Array;
    for (let p = 0; p < L.outer; p++)
      for (let j = 0; j < L.inner; j++) {
        const o = p * L.inner + j;
        out[(p * L.size + Number(idx[o]!)) * L.inner + j] = gd[o]!;
      }
    return [new Tensor(out, a.shape, g.dtype)];
  });
  return { values, indices };
}

/** The largest element spreads its gradient evenly over ties, as PyTorch's max() does. */
function extremumAll(a: Tensor, isMax: boolean): Tensor {
  const i = kernels.extremumIndex(a, isMax);
  const out = Tensor.empty([], a.dtype);
  (out.data as Float32Array)[0] = a.data[i] as number;
  return record(out, isMax ? "MaxBackward1" : "MinBackward1", [a], (g) => {
    const best = out.data[0];
    const x = a.data as FloatStorage;
    let ties = 0;
    for (let k = 0; k < x.length; k++) if (x[k] === best) ties++;
    const share = (g.data as FloatStorage)[0]! / ties;
    const grad = Tensor.empty(a.shape, g.dtype);
    const gd = grad.data as FloatStorage;
    for (let k = 0; k < x.length; k++) if (x[k] === best) gd[k] = share;
    return [grad];
  });
}

export function max(a: Tensor): Tensor;
export function max(a: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(a: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? extremumAll(a, true) : extremumAlong(a, dim, keepdim, true);
}

export function min(a: Tensor): Tensor;
export function min(a: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(a: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? extremumAll(a, false) : extremumAlong(a, dim, keepdim, false);
}

function indexOf(a: Tensor, isMax: boolean, dim?: number, keepdim = false): Tensor {
  if (dim === undefined) {
    const out = Tensor.empty([], "int64");
    (out.data as BigInt64Array)[0] = BigInt(kernels.extremumIndex(a, isMax));
    return out;
  }
  return kernels.extremumDim(a, normalizeDim(dim, a.ndim), keepdim, isMax)[1];
}

/** Index of the largest element (flattened) or along `dim`; int64, never differentiable. */
export const argmax = (a: Tensor, dim?: number, keepdim = false): Tensor => indexOf(a, true, dim, keepdim);
export const argmin = (a: Tensor, dim?: number, keepdim = false): Tensor => indexOf(a, false, dim, keepdim);

/** log(Σ exp(a)) along `dim`, computed stably by shifting with the max. */
export function logsumexp(a: Tensor, dim: number, keepdim = false): Tensor {
  const d = normalizeDim(dim, a.ndim);
  const [m] = kernels.extremumDim(a, d, true, true);
  const shift = kernels.unaryFloat(m, (v) => (Number.isFinite(v) ? v : 0));
  const shifted = kernels.binary(a, shift, { float: (x, y) => Math.exp(x - y), int: (x) => x });
  const s = kernels.sumDim(shifted, d, true);
  const kept = kernels.binary(kernels.unaryFloat(s, Math.log), shift, { float: (x, y) => x + y, int: (x) => x });
  const out = keepdim ? kept : new Tensor(kept.data, kept.shape.filter((_, i) => i !== d), kept.dtype);
  return record(out, "LogsumexpBackward0", [a], (g) => {
    const gk = new Tensor(g.data, kept.shape, g.dtype);
    return [mul(kernels.expandCopy(gk, a.shape), exp(sub(a, kept)))];
  });
}
