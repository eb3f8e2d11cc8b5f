import { formatShape, inferShape, isFloating, kernels, normalizeDim, promoteTypes, Tensor, type DType } from "../../tensor/index.js";
import { record } from "../node.js";

/** Same storage, new shape (storage is contiguous, so every reshape is a view). */
function viewAs(t: Tensor, shape: readonly number[]): Tensor {
  return new Tensor(t.data, shape, t.dtype);
}

export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(shape, a.numel());
  return record(viewAs(a, target), "ViewBackward0", [a], (g) => [viewAs(g, a.shape)]);
}

export const view = reshape;

/** Flattens dims startDim..endDim into one, as `torch.flatten`. */
export function flatten(a: Tensor, startDim = 0, endDim = -1): Tensor {
  if (a.ndim === 0) return reshape(a, [1]);
  const s = normalizeDim(startDim, a.ndim);
  const e = normalizeDim(endDim, a.ndim);
  if (s > e) throw new RangeError("flatten() has invalid args: start_dim cannot come after end_dim");
  const merged = a.shape.slice(s, e + 1).reduce((p, q) => p * q, 1);
  return reshape(a, [...a.shape.slice(0, s), merged, ...a.shape.slice(e + 1)]);
}

export function permute(a: Tensor, dims: readonly number[]): Tensor {
  const out = kernels.permuteCopy(a, dims);
  const perm = dims.map((d) => normalizeDim(d, a.ndim));
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return record(out, "PermuteBackward0", [a], (g) => [kernels.permuteCopy(g, inverse)]);
}

function swapDims(ndim: number, d0: number, d1: number): number[] {
  const dims = Array.from({ length: ndim }, (_, i) => i);
  dims[d0] = d1;
  dims[d1] = d0;
  return dims;
}

export function transpose(a: Tensor, dim0: number, dim1: number): Tensor {
  if (a.ndim < 2) return record(viewAs(a, a.shape), "TransposeBackward0", [a], (g) => [g]);
  const dims = swapDims(a.ndim, normalizeDim(dim0, a.ndim), normalizeDim(dim1, a.ndim));
  const out = kernels.permuteCopy(a, dims);
  return record(out, "TransposeBackward0", [a], (g) => [kernels.permuteCopy(g, dims)]);
}

/** `t()`: the transpose of a matrix (vectors and scalars unchanged). */
export function t(a: Tensor): Tensor {
  if (a.ndim > 2) throw new RangeError(`t() expects a tensor with <= 2 dimensions, but self is ${a.ndim}D`);
  const out = a.ndim < 2 ? viewAs(a, a.shape) : kernels.permuteCopy(a, [1, 0]);
  return record(out, "TBackward0", [a], (g) => [a.ndim < 2 ? g : kernels.permuteCopy(g, [1, 0])]);
}

/** `.T`: all dimensions reversed. */
export function reverseDims(a: Tensor): Tensor {
  if (a.ndim < 2) return viewAs(a, a.shape);
  return permute(a, Array.from({ length: a.ndim }, (_, i) => a.ndim - 1 - i));
}

export function squeeze(a: Tensor, dim?: number): Tensor {
  if (dim === undefined) {
    return record(viewAs(a, a.shape.filter((s) => s !== 1)), "SqueezeBackward0", [a], (g) => [viewAs(g, a.shape)]);
  }
  const d = normalizeDim(dim, a.ndim);
  const shape = a.shape[d] === 1 ? a.shape.filter((_, i) => i !== d) : a.shape;
  return record(viewAs(a, shape), "SqueezeBackward1", [a], (g) => [viewAs(g, a.shape)]);
}

export function unsqueeze(a: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, a.ndim + 1);
  const shape = [...a.shape.slice(0, d), 1, ...a.shape.slice(d)];
  return record(viewAs(a, shape), "UnsqueezeBackward0", [a], (g) => [viewAs(g, a.shape)]);
}

/** Broadcasts to `shape` (materialised; no storage sharing). */
export function expand(a: Tensor, shape: readonly number[]): Tensor {
  const target = shape.map((s, i) => (s === -1 ? a.shape[i - (shape.length - a.ndim)]! : s));
  return record(kernels.expandCopy(a, target), "ExpandBackward0", [a], (g) => [kernels.sumToShape(g, a.shape)]);
}

/** Splits `g` along `dim` into pieces of the given sizes (the backward of cat). */
function split(g: Tensor, dim: number, sizes: readonly number[]): Tensor[] {
  let start = 0;
  return sizes.map((size) => {
    const index = Array.from({ length: size }, (_, i) => start + i);
    start += size;
    return kernels.indexSelectCopy(g, dim, index);
  });
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  const dtype = tensors.map((x) => x.dtype).reduce(promoteTypes);
  const parts = tensors.map((x) => kernels.cast(x, dtype));
  const out = kernels.catCopy(parts, dim);
  const d = normalizeDim(dim, out.ndim);
  return record(out, "CatBackward0", tensors, (g) => split(g, d, tensors.map((x) => x.shape[d]!)));
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError("stack expects a non-empty TensorList");
  const d = normalizeDim(dim, tensors[0]!.ndim + 1);
  const out = kernels.stackCopy(tensors, d);
  return record(out, "StackBackward0", tensors, (g) =>
    split(g, d, tensors.map(() => 1)).map((piece, i) => viewAs(piece, tensors[i]!.shape)),
  );
}

function indexValues(index: Tensor | readonly number[]): ArrayLike<number | bigint> {
  if (!(index instanceof Tensor)) return index;
  if (index.dtype !== "int64") throw new TypeError(`index_select(): Expected dtype int64 for index, got ${index.dtype}`);
  if (index.ndim > 1) throw new RangeError(`index_select(): Index is supposed to be a vector, got shape ${formatShape(index.shape)}`);
  return index.data as BigInt64Array;
}

export function indexSelect(a: Tensor, dim: number, index: Tensor | readonly number[]): Tensor {
  const d = normalizeDim(dim, a.ndim);
  const idx = indexValues(index);
  const out = kernels.indexSelectCopy(a, d, idx);
  return record(out, "IndexSelectBackward0", [a], (g) => [kernels.indexAdd(a.shape, d, idx, g)]);
}

/** `a[index]` for an int64 index tensor or list: rows along dim 0. */
export function index(a: Tensor, index: Tensor | readonly number[]): Tensor {
  const idx = indexValues(index);
  const out = kernels.indexSelectCopy(a, 0, idx);
  return record(out, "IndexBackward0", [a], (g) => [kernels.indexAdd(a.shape, 0, idx, g)]);
}

/** `.to(dtype)`: a converted copy, or `a` itself when it already has that dtype. */
export function to(a: Tensor, dtype: DType): Tensor {
  if (a.dtype === dtype) return a;
  const out = kernels.cast(a, dtype);
  if (!isFloating(dtype)) return out;
  return record(out, "ToCopyBackward0", [a], (g) => [kernels.cast(g, a.dtype)]);
}

export function clone(a: Tensor): Tensor {
  return record(kernels.copy(a), "CloneBackward0", [a], (g) => [g]);
}

/** The same storage, cut from the graph. */
export function detach(a: Tensor): Tensor {
  return new Tensor(a.data, a.shape, a.dtype);
}
