import { allocate, dtypeOfStorage, isFloating, view, type DType, type Storage } from "./dtype.js";
import { formatTensor } from "./format.js";
import { formatShape, numel, type Shape } from "./shape.js";

/** What the autograd layer hangs on a tensor it produced: PyTorch's `grad_fn`. */
export interface GradFn {
  /** PyTorch's class name of the backward node, e.g. `AddmmBackward0`. */
  readonly name: string;
}

/** Nested JavaScript arrays as `tolist()` returns them. */
export type NestedValue = number | bigint | boolean | NestedArray;
export interface NestedArray extends Array<NestedValue> {}

/**
 * What a tensor becomes to cross a thread boundary: its SharedArrayBuffer plus the metadata to
 * rebuild a view of it. Posting this object to a worker copies only the few metadata fields.
 */
export interface SharedTensor {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/**
 * An n-dimensional array: contiguous row-major storage plus shape and dtype, and the autograd
 * fields PyTorch keeps on a tensor (`requiresGrad`, `grad`, `gradFn`). Every storage is a view of a
 * SharedArrayBuffer. The math lives in the autograd layer, which adds the methods (`add`, `matmul`,
 * `backward`, ...) to this class; this layer only holds data.
 */
export class Tensor {
  readonly data: Storage;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The accumulated gradient, once `backward()` reached this leaf. */
  grad: Tensor | null = null;
  /** The node that produced this tensor in the autograd graph; null for leaves. */
  gradFn: GradFn | null = null;
  private requiresGradFlag = false;

  constructor(data: Storage, shape: Shape, dtype: DType = dtypeOfStorage(data)) {
    if (data.length !== numel(shape)) {
      throw new RangeError(`storage of ${data.length} elements does not fit shape ${formatShape(shape)}`);
    }
    this.data = data;
    // a frozen shape (another tensor's) is shared as is: copying and freezing costs more than the
    // rest of the constructor, and most tensors are built from another's shape
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
    this.dtype = dtype;
  }

  /** True for leaves that asked for gradients and for every result computed from one. */
  get requiresGrad(): boolean {
    return this.requiresGradFlag || this.gradFn !== null;
  }

  set requiresGrad(value: boolean) {
    if (value && !isFloating(this.dtype)) {
      throw new TypeError(`only tensors of floating point dtype can require gradients, not ${this.dtype}`);
    }
    if (!value && this.gradFn !== null) {
      throw new Error("you can only change requiresGrad flags of leaf variables");
    }
    this.requiresGradFlag = value;
  }

  /** PyTorch's `requires_grad_()`: sets the flag in place and returns this tensor. */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.shape.length;
  }

  numel(): number {
    return this.data.length;
  }

  /** `size()` is the shape; `size(d)` one dimension (negative counts from the end). */
  size(): readonly number[];
  size(dim: number): number;
  size(dim?: number): number | readonly number[] {
    if (dim === undefined) return this.shape;
    const d = dim < 0 ? dim + this.ndim : dim;
    const s = this.shape[d];
    if (s === undefined) throw new RangeError(`dimension ${dim} out of range for a ${this.ndim}-d tensor`);
    return s;
  }

  /** The single value of a one-element tensor. int64 comes back as a number when it is exact. */
  item(): number {
    if (this.data.length !== 1) {
      throw new RangeError(`a Tensor with ${this.data.length} elements cannot be converted to Scalar`);
    }
    return readNumber(this.data, 0);
  }

  /** The single value of a one-element int64 tensor, exactly. */
  itemBigInt(): bigint {
    if (this.data.length !== 1) {
      throw new RangeError(`a Tensor with ${this.data.length} elements cannot be converted to Scalar`);
    }
    const v = this.data[0]!;
    return typeof v === "bigint" ? v : BigInt(Math.trunc(v));
  }

  /**
   * Nested arrays of the values. Floats are numbers, bools booleans; int64 values are numbers when
   * they are exactly representable (|v| <= 2^53) and bigints otherwise.
   */
  tolist(): NestedValue {
    const { data, shape, dtype } = this;
    const leaf = (i: number): NestedValue => {
      if (dtype === "bool") return data[i] !== 0;
      if (dtype === "int64") {
        const v = data[i] as bigint;
        return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
      }
      return data[i] as number;
    };
    if (shape.length === 0) return leaf(0);
    let offset = 0;
    const build = (axis: number): NestedArray => {
      const out: NestedArray = [];
      const n = shape[axis]!;
      for (let i = 0; i < n; i++) out.push(axis === shape.length - 1 ? leaf(offset++) : build(axis + 1));
      return out;
    };
    return build(0);
  }

  /** The metadata and buffer to post to a worker; rebuild there with `Tensor.fromShared`. */
  toShared(): SharedTensor {
    const buffer = this.data.buffer;
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new TypeError("tensor storage is not a SharedArrayBuffer");
    }
    return { buffer, byteOffset: this.data.byteOffset, shape: [...this.shape], dtype: this.dtype };
  }

  /** Rebuilds, without copying, a tensor that `toShared()` produced in another thread. */
  static fromShared(shared: SharedTensor): Tensor {
    const storage = view(shared.dtype, shared.buffer, shared.byteOffset, numel(shared.shape));
    return new Tensor(storage, shared.shape, shared.dtype);
  }

  /** PyTorch's repr: `tensor([[-0.1262,  0.1080]], grad_fn=<AddmmBackward0>)`. */
  toString(): string {
    return formatTensor(this, { requiresGrad: this.requiresGrad, gradFn: this.gradFn?.name ?? null });
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** A tensor of `dtype` and `shape` with zeroed, freshly allocated storage. */
  static empty(shape: Shape, dtype: DType = "float32"): Tensor {
    return new Tensor(allocate(dtype, numel(shape)), shape, dtype);
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Element `i` of any storage as a JavaScript number (bools as 0/1). */
export function readNumber(data: Storage, i: number): number {
  const v = data[i]!;
  return typeof v === "bigint" ? Number(v) : v;
}
