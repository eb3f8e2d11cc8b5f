import { allocate, type Storage } from "../dtype.js";
import { contiguousStrides, formatShape, normalizeDim, numel, sameShape, type Shape } from "../shape.js";
import { Tensor } from "../tensor.js";

/** A copy of `t` with its dimensions reordered by `dims` (a permutation). */
export function permuteCopy(t: Tensor, dims: readonly number[]): Tensor {
  const nd = t.ndim;
  if (dims.length !== nd) {
    throw new RangeError(`permute: number of dims don't match (expected ${nd}, got ${dims.length})`);
  }
  const perm = dims.map((d) => normalizeDim(d, nd));
  if (new Set(perm).size !== nd) throw new RangeError(`permute: repeated dim in ${formatShape(dims)}`);
  const outShape = perm.map((d) => t.shape[d]!);
  const inStrides = contiguousStrides(t.shape);
  const strides = perm.map((d) => inStrides[d]!);
  const out = allocate(t.dtype, t.data.length);
  const src = t.data;
  const n = src.length;
  if (n === 0) return new Tensor(out, outShape, t.dtype);
  if (nd === 2) {
    const [r, c] = outShape as [number, number];
    const [s0, s1] = strides as [number, number];
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) (out as Float32Array)[i * c + j] = src[i * s0 + j * s1] as number;
    return new Tensor(out, outShape, t.dtype);
  }
  const idx = new Array<number>(nd).fill(0);
  let offset = 0;
  for (let o = 0; o < n; o++) {
    (out as Float32Array)[o] = src[offset] as number;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      offset += strides[d]!;
      if (idx[d]! < outShape[d]!) break;
      offset -= strides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return new Tensor(out, outShape, t.dtype);
}

/** Concatenates same-dtype tensors along `dim`; all other dimensions must agree. */
export function catCopy(tensors: readonly Tensor[], dim: number): Tensor {
  if (tensors.length === 0) throw new RangeError("cat(): expected a non-empty list of Tensors");
  const first = tensors[0]!;
  const d = normalizeDim(dim, first.ndim);
  const outShape = [...first.shape];
  outShape[d] = 0;
  for (const [i, t] of tensors.entries()) {
    const ok = t.ndim === first.ndim && t.shape.every((s, j) => j === d || s === first.shape[j]);
    if (!ok) {
      throw new RangeError(
        `cat(): sizes of tensors must match except in dimension ${d}: tensor 0 has shape ` +
          `${formatShape(first.shape)} and tensor ${i} has shape ${formatShape(t.shape)}`,
      );
    }
    outShape[d]! += t.shape[d]!;
  }
  let outer = 1;
  for (let i = 0; i < d; i++) outer *= outShape[i]!;
  const rowOut = numel(outShape) / Math.max(outer, 1);
  const out = allocate(first.dtype, numel(outShape));
  let col = 0;
  for (const t of tensors) {
    const row = t.data.length / Math.max(outer, 1);
    for (let p = 0; p < outer; p++) {
      (out as Float32Array).set(t.data.subarray(p * row, (p + 1) * row) as Float32Array, p * rowOut + col);
    }
    col += row;
  }
  return new Tensor(out, outShape, first.dtype);
}

/** Stacks same-shaped tensors along a new dimension `dim`. */
export function stackCopy(tensors: readonly Tensor[], dim: number): Tensor {
  if (tensors.length === 0) throw new RangeError("stack expects a non-empty TensorList");
  const first = tensors[0]!;
  for (const [i, t] of tensors.entries()) {
    if (!sameShape(t.shape, first.shape)) {
      throw new RangeError(
        `stack expects each tensor to be equal size, but got ${formatShape(first.shape)} at entry 0 ` +
          `and ${formatShape(t.shape)} at entry ${i}`,
      );
    }
  }
  const d = normalizeDim(dim, first.ndim + 1);
  const expanded = tensors.map((t) => new Tensor(t.data, [...t.shape.slice(0, d), 1, ...t.shape.slice(d)], t.dtype));
  return catCopy(expanded, d);
}

/** Selects entries `index` along `dim` (PyTorch's index_select; negative indices count from the end). */
export function indexSelectCopy(t: Tensor, dim: number, index: ArrayLike<number | bigint>): Tensor {
  const d = normalizeDim(dim, t.ndim);
  const size = t.shape[d]!;
  let outer = 1;
  for (let i = 0; i < d; i++) outer *= t.shape[i]!;
  const inner = numel(t.shape.slice(d + 1));
  const outShape = [...t.shape];
  outShape[d] = index.length;
  const out = allocate(t.dtype, numel(outShape));
  const src = t.data as Float32Array;
  for (let j = 0; j < index.length; j++) {
    let r = Number(index[j]!);
    if (r < 0) r += size;
    if (!Number.isInteger(r) || r < 0 || r >= size) {
      throw new RangeError(`index ${Number(index[j]!)} is out of bounds for dimension ${d} with size ${size}`);
    }
    for (let p = 0; p < outer; p++) {
      const from = (p * size + r) * inner;
      (out as Float32Array).set(src.subarray(from, from + inner), (p * index.length + j) * inner);
    }
  }
  return new Tensor(out, outShape, t.dtype);
}

/** Accumulates `src` rows back into a zero tensor of `shape` at `index` along `dim` (index_add). */
export function indexAdd(shape: Shape, dim: number, index: ArrayLike<number | bigint>, src: Tensor): Tensor {
  const d = normalizeDim(dim, shape.length);
  const size = shape[d]!;
  let outer = 1;
  for (let i = 0; i < d; i++) outer *= shape[i]!;
  const inner = numel(shape.slice(d + 1));
  const out = allocate(src.dtype, numel(shape)) as Float64Array;
  const g = src.data as Float64Array;
  for (let j = 0; j < index.length; j++) {
    let r = Number(index[j]!);
    if (r < 0) r += size;
    for (let p = 0; p < outer; p++) {
      const to = (p * size + r) * inner;
      const from = (p * index.length + j) * inner;
      for (let q = 0; q < inner; q++) out[to + q]! += g[from + q]!;
    }
  }
  return new Tensor(out, shape, src.dtype);
}

/** `t` broadcast to `shape`, materialised. */
export function expandCopy(t: Tensor, shape: Shape): Tensor {
  if (sameShape(t.shape, shape)) return t;
  const nd = shape.length;
  const offset = nd - t.ndim;
  if (offset < 0) throw new RangeError(`cannot expand shape ${formatShape(t.shape)} to ${formatShape(shape)}`);
  const inStrides = contiguousStrides(t.shape);
  const strides = shape.map((s, i) => {
    const src = t.shape[i - offset];
    if (src === undefined) return 0;
    if (src !== s && src !== 1) throw new RangeError(`cannot expand shape ${formatShape(t.shape)} to ${formatShape(shape)}`);
    return src === 1 ? 0 : inStrides[i - offset]!;
  });
  const n = numel(shape);
  const out: Storage = allocate(t.dtype, n);
  if (n === 0) return new Tensor(out, shape, t.dtype);
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  const src = t.data;
  for (let o = 0; o < n; o++) {
    (out as Float32Array)[o] = src[off] as number;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      off -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return new Tensor(out, shape, t.dtype);
}
