/** Shapes are plain arrays of non-negative integers; a 0-d tensor has shape []. */
export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Row-major (C-contiguous) strides, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The broadcast of two shapes under NumPy/PyTorch rules, or an error naming both. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast: ` +
          `size ${da} and size ${db} differ at dimension ${i}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Resolves a possibly negative dimension index against `ndim`, PyTorch-style. */
export function normalizeDim(dim: number, ndim: number): number {
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new RangeError(`Dimension out of range (expected to be in range of [${lo}, ${hi}], but got ${dim})`);
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** Checks a user-given shape and resolves one `-1` entry against `total` elements. */
export function inferShape(shape: Shape, total: number): number[] {
  let unknown = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === -1) {
      if (unknown >= 0) throw new RangeError("only one dimension can be inferred");
      unknown = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`invalid shape dimension ${d} in ${formatShape(shape)}`);
    } else {
      known *= d;
    }
  }
  const out = [...shape];
  if (unknown >= 0) {
    if (known === 0 || total % known !== 0) {
      throw new RangeError(`shape '${formatShape(shape)}' is invalid for input of size ${total}`);
    }
    out[unknown] = total / known;
  } else if (known !== total) {
    throw new RangeError(`shape '${formatShape(shape)}' is invalid for input of size ${total}`);
  }
  return out;
}
