import { index as indexRows, isGradEnabled, reshape } from "../autograd/index.js";
import { allocate, bytesPerElement, numel, Tensor, view, type DType, type Storage } from "../tensor/index.js";
import type { Collated } from "./collate.js";

/**
 * What the DataLoader needs of a dataset: PyTorch's map-style protocol (`__len__`, `__getitem__`).
 * `getBatch`, when present, is a fast path: the already-collated batch for `indices`, equal to what
 * the default collation makes of `indices.map(getItem)`. The DataLoader uses it instead of per-sample
 * `getItem` + collation whenever no custom `collateFn` is given.
 */
export interface DatasetLike<T> {
  readonly length: number;
  getItem(index: number): T;
  getBatch?(indices: Int32Array): Collated<T>;
}

/**
 * PyTorch's `torch.utils.data.Dataset` (map-style). Subclasses provide `length` (a field or a getter)
 * and `getItem(i)`; they may add `getBatch(indices)` as a fast path (see `DatasetLike`).
 */
export abstract class Dataset<T> implements DatasetLike<T> {
  /** The number of samples: PyTorch's `__len__`. */
  abstract readonly length: number;

  /** Sample `index` (0 <= index < length): PyTorch's `__getitem__`. */
  abstract getItem(index: number): T;

  /** `len(dataset)`. */
  len(): number {
    return this.length;
  }
}

/** Resolves a possibly negative sample index against `size`, with PyTorch's IndexError text. */
function rowIndex(index: number, size: number): number {
  if (!Number.isInteger(index)) throw new TypeError(`dataset index must be an integer, got ${index}`);
  const r = index < 0 ? index + size : index;
  if (r < 0 || r >= size) throw new RangeError(`index ${index} is out of bounds for dimension 0 with size ${size}`);
  return r;
}

/** Bytes per element and the 32-bit-word (or byte) view used to copy rows bit for bit. */
function wordView(dtype: DType, buffer: ArrayBufferLike, byteOffset: number, elements: number): Int32Array | Uint8Array {
  switch (dtype) {
    case "float32":
      return new Int32Array(buffer, byteOffset, elements);
    case "float64":
    case "int64":
      return new Int32Array(buffer, byteOffset, 2 * elements);
    case "bool":
    case "uint8":
      return new Uint8Array(buffer, byteOffset, elements);
  }
}

function wordsPerElement(dtype: DType): number {
  return dtype === "float64" || dtype === "int64" ? 2 : 1;
}

/**
 * Batch storage is carved out of shared 256 KiB slabs: allocating a SharedArrayBuffer costs about
 * 1.5 us, several times the cost of gathering a typical batch. A slab lives as long as any batch cut
 * from it; batches above 32 KiB get a buffer of their own.
 */
const SLAB_BYTES = 1 << 18;
const OWN_BUFFER_BYTES = 1 << 15;
let slab: SharedArrayBuffer | null = null;
let slabUsed = 0;

function batchStorage(dtype: DType, length: number): Storage {
  const bytes = length * bytesPerElement(dtype);
  if (bytes > OWN_BUFFER_BYTES) return allocate(dtype, length);
  const need = (bytes + 7) & ~7; // keep every view 8-byte aligned
  if (slab === null || slabUsed + need > SLAB_BYTES) {
    slab = new SharedArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const storage = view(dtype, slab, slabUsed, length);
  slabUsed += need;
  return storage;
}

/** Rows of one source tensor, prepared for gathering: copies go through integer views (exact bits). */
class RowSource {
  readonly rowShape: readonly number[];
  readonly rowWords: number;
  readonly words: Int32Array | Uint8Array;

  constructor(readonly tensor: Tensor) {
    this.rowShape = tensor.shape.slice(1);
    const data = tensor.data;
    this.words = wordView(tensor.dtype, data.buffer, data.byteOffset, data.length);
    this.rowWords = numel(this.rowShape) * wordsPerElement(tensor.dtype);
  }

  /** The rows `indices` (all in range) stacked into a fresh tensor of shape [indices.length, ...rowShape]. */
  gather(indices: Int32Array): Tensor {
    const t = this.tensor;
    if (t.requiresGrad && isGradEnabled()) return indexRows(t, Array.from(indices));
    const b = indices.length;
    const storage = batchStorage(t.dtype, b * (t.data.length / Math.max(t.shape[0]!, 1)));
    const out = wordView(t.dtype, storage.buffer, storage.byteOffset, storage.length);
    const src = this.words;
    const w = this.rowWords;
    if (w === 1) {
      for (let j = 0; j < b; j++) out[j] = src[indices[j]!]!;
    } else if (w === 2) {
      for (let j = 0; j < b; j++) {
        const from = 2 * indices[j]!;
        out[2 * j] = src[from]!;
        out[2 * j + 1] = src[from + 1]!;
      }
    } else if (w < 16) {
      let o = 0;
      for (let j = 0; j < b; j++) {
        const from = indices[j]! * w;
        for (let q = 0; q < w; q++) out[o++] = src[from + q]!;
      }
    } else {
      for (let j = 0; j < b; j++) {
        const from = indices[j]! * w;
        (out as Int32Array).set((src as Int32Array).subarray(from, from + w), j * w);
      }
    }
    return new Tensor(storage, [b, ...this.rowShape], t.dtype);
  }
}

/**
 * PyTorch's `TensorDataset`: tensors that share their first dimension; sample `i` is the tuple of
 * their rows `i` (views of the same storage, as `tensor[i]` is in PyTorch). Batches from a DataLoader
 * take the `getBatch` fast path: one gather per tensor, no per-sample tensors.
 */
export class TensorDataset<T extends Tensor[] = Tensor[]> extends Dataset<T> {
  readonly tensors: Readonly<T>;
  readonly length: number;
  private readonly sources: RowSource[];

  constructor(...tensors: T) {
    super();
    if (tensors.length === 0) throw new RangeError("TensorDataset needs at least one tensor");
    for (const t of tensors) {
      if (!(t instanceof Tensor)) throw new TypeError("TensorDataset: every argument must be a Tensor");
      if (t.ndim === 0) throw new RangeError("dimension specified as 0 but tensor has no dimensions");
    }
    const n = tensors[0]!.shape[0]!;
    if (!tensors.every((t) => t.shape[0] === n)) {
      throw new RangeError("Size mismatch between tensors");
    }
    this.tensors = Object.freeze([...tensors]) as unknown as Readonly<T>;
    this.length = n;
    this.sources = tensors.map((t) => new RowSource(t));
  }

  /** `(t[index] for t in tensors)`: row views sharing the tensors' storage (negative indices count from the end). */
  getItem(index: number): T {
    const i = rowIndex(index, this.length);
    return this.tensors.map((t) => {
      if (t.requiresGrad && isGradEnabled()) return reshape(indexRows(t, [i]), t.shape.slice(1));
      const inner = t.data.length / this.length;
      return new Tensor(t.data.subarray(i * inner, (i + 1) * inner), t.shape.slice(1), t.dtype);
    }) as T;
  }

  /**
   * The collated batch of samples `indices` (each in [0, length)): per tensor, its rows gathered into
   * one fresh tensor of shape [indices.length, ...rest]: what `defaultCollate(indices.map(getItem))` gives.
   */
  getBatch(indices: Int32Array): Collated<T> {
    const n = this.length;
    for (let j = 0; j < indices.length; j++) {
      const r = indices[j]!;
      if (r < 0 || r >= n) throw new RangeError(`index ${r} is out of bounds for dimension 0 with size ${n}`);
    }
    return this.sources.map((s) => s.gather(indices)) as Collated<T>;
  }
}
