import { allocate, isFloating, promoteTypes, type DType, type FloatStorage } from "../dtype.js";
import { broadcastShapes, contiguousStrides, numel, sameShape, type Shape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { cast } from "./cast.js";
import { VectorKernel } from "./wasm/vector.js";

/** A binary elementwise rule: one function on floats, one on exact int64 values. */
export interface BinaryRule {
  readonly float: (x: number, y: number) => number;
  readonly int: (x: bigint, y: bigint) => bigint | boolean;
  /** The result dtype for a given computation dtype (e.g. comparisons give bool). */
  readonly resultType?: (computeType: DType) => DType;
  /** Whether integer inputs compute in float32 (true division). */
  readonly floatOnly?: boolean;
}

/** A JavaScript number taken as a PyTorch "wrapped scalar": integers are int64-like, others float. */
export function scalarType(value: number | boolean): DType {
  if (typeof value === "boolean") return "bool";
  return Number.isInteger(value) ? "int64" : "float32";
}

/**
 * PyTorch's promotion when one side is a wrapped scalar: the tensor's dtype wins unless the scalar
 * is of a higher category (a float scalar makes an integer tensor float32).
 */
export function promoteWithScalar(tensorType: DType, value: number | boolean): DType {
  const s = scalarType(value);
  if (isFloating(tensorType)) return tensorType;
  if (s === "float32") return "float32";
  if (tensorType === "bool" && s === "int64") return "int64";
  return tensorType;
}

/** For each output position, the offsets into a and b under broadcasting, by the innermost loop. */
function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = contiguousStrides(shape);
  const out = new Array<number>(outShape.length).fill(0);
  const offset = outShape.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[i + offset] = shape[i] === 1 ? 0 : strides[i]!;
  return out;
}

/**
 * Calls `body(outStart, aStart, aStep, bStart, bStep, count)` for every innermost row of the
 * broadcast of shapes a and b, so kernels run tight loops over rows.
 */
export function forEachBroadcastRow(
  aShape: Shape,
  bShape: Shape,
  outShape: Shape,
  body: (o: number, ai: number, as: number, bi: number, bs: number, n: number) => void,
): void {
  const nd = outShape.length;
  if (nd === 0) {
    body(0, 0, 0, 0, 0, 1);
    return;
  }
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const inner = outShape[nd - 1]!;
  const rows = numel(outShape) / Math.max(inner, 1);
  if (inner === 0) return;
  const idx = new Array<number>(nd - 1).fill(0);
  let ai = 0;
  let bi = 0;
  for (let r = 0; r < rows; r++) {
    body(r * inner, ai, sa[nd - 1]!, bi, sb[nd - 1]!, inner);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      ai += sa[d]!;
      bi += sb[d]!;
      if (idx[d]! < outShape[d]!) break;
      ai -= sa[d]! * outShape[d]!;
      bi -= sb[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

/** Applies a binary rule with broadcasting and PyTorch's type promotion. */
export function binary(a: Tensor, b: Tensor, rule: BinaryRule): Tensor {
  let compute = promoteTypes(a.dtype, b.dtype);
  if (rule.floatOnly && !isFloating(compute)) compute = "float32";
  if (compute === "bool" && !rule.resultType) compute = "int64";
  const resultType = rule.resultType ? rule.resultType(compute) : compute;
  const ac = cast(a, compute);
  const bc = cast(b, compute);
  const outShape = sameShape(a.shape, b.shape) ? a.shape : broadcastShapes(a.shape, b.shape);
  const out = allocate(resultType, numel(outShape));
  if (compute === "int64" || compute === "bool" || compute === "uint8") {
    const x = ac.data as BigInt64Array | Uint8Array;
    const y = bc.data as BigInt64Array | Uint8Array;
    const toBig = (v: bigint | number): bigint => (typeof v === "bigint" ? v : BigInt(v));
    // uint8 arithmetic wraps modulo 256, as in C++; a bool result is whether it is nonzero
    const byte = resultType === "uint8" ? (r: bigint) => Number(BigInt.asUintN(8, r)) : (r: bigint) => Number(r !== 0n);
    forEachBroadcastRow(a.shape, b.shape, outShape, (o, ai, as, bi, bs, n) => {
      for (let i = 0; i < n; i++) {
        const r = rule.int(toBig(x[ai + i * as]!), toBig(y[bi + i * bs]!));
        if (out instanceof BigInt64Array) out[o + i] = typeof r === "bigint" ? r : r ? 1n : 0n;
        else out[o + i] = typeof r === "bigint" ? byte(r) : r ? 1 : 0;
      }
    });
  } else {
    const x = ac.data as FloatStorage;
    const y = bc.data as FloatStorage;
    const f = rule.float;
    const o32 = out as FloatStorage | Uint8Array;
    forEachBroadcastRow(a.shape, b.shape, outShape, (o, ai, as, bi, bs, n) => {
      for (let i = 0; i < n; i++) o32[o + i] = f(x[ai + i * as]!, y[bi + i * bs]!);
    });
  }
  return new Tensor(out, outShape, resultType);
}

/** Applies `f` to every element of a float tensor (ints and bools compute in float32). */
export function unaryFloat(a: Tensor, f: (x: number) => number): Tensor {
  const dtype = isFloating(a.dtype) ? a.dtype : "float32";
  const src = cast(a, dtype).data as FloatStorage;
  const out = allocate(dtype, src.length) as FloatStorage;
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]!);
  return new Tensor(out, a.shape, dtype);
}

/** Applies `f` element by element to same-shaped float tensors a and b (no broadcasting). */
export function zipFloat(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const x = a.data as FloatStorage;
  const y = b.data as FloatStorage;
  const out = allocate(a.dtype, x.length) as FloatStorage;
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!, y[i]!);
  return new Tensor(out, a.shape, a.dtype);
}

/** A 0-d tensor holding a wrapped scalar in `dtype`. */
export function scalarTensor(value: number | boolean, dtype: DType): Tensor {
  const out = allocate(dtype, 1);
  if (out instanceof BigInt64Array) out[0] = BigInt(Math.trunc(Number(value)));
  else out[0] = Number(value);
  return new Tensor(out, [], dtype);
}

let simdMinElements = 512;

/**
 * From how many elements relu and its gradient run in WebAssembly SIMD (wasm/vector.ts; the same
 * bits as the JavaScript loops: a select, no arithmetic). A JavaScript loop costs ~1.5 ns an
 * element here; the SIMD pass with its copies in and out ~0.5 ns plus ~0.3 µs per call. Tests set
 * 1 (every size) or Infinity (never); returns the threshold before.
 */
export function setElementwiseSimdMin(n: number): number {
  const previous = simdMinElements;
  simdMinElements = n;
  return previous;
}

/** undefined: not compiled yet; null: no WebAssembly SIMD here */
let reluSimd: VectorKernel | null | undefined;
let reluGradSimd: VectorKernel | null | undefined;

function simd(which: "relu" | "grad", n: number): VectorKernel | null {
  if (n < simdMinElements) return null;
  if (which === "relu") {
    if (reluSimd === undefined) {
      // out = x > 0 || x !== x ? x : 0
      reluSimd = VectorKernel.compile({
        arrays: [{ read: true, write: false }, { read: false, write: true }],
        scalars: 0,
        body: (v) => {
          const x = v.load(0);
          const zero = v.zero();
          v.store(1, v.select(v.or(v.gt(x, zero), v.ne(x, x)), x, zero));
        },
      });
    }
    return reluSimd;
  }
  if (reluGradSimd === undefined) {
    // out = y > 0 ? g : 0
    reluGradSimd = VectorKernel.compile({
      arrays: [{ read: true, write: false }, { read: true, write: false }, { read: false, write: true }],
      scalars: 0,
      body: (v) => {
        const zero = v.zero();
        v.store(2, v.select(v.gt(v.load(1), zero), v.load(0), zero));
      },
    });
  }
  return reluGradSimd;
}

/**
 * relu(a) (ints and bools compute in float32): v > 0 ? v : 0, NaN staying NaN. A loop of its own,
 * not `unaryFloat`: called through one shared loop, every op's function makes the call
 * megamorphic (about 10 ns an element instead of 1.5); from a few hundred float32 elements, in
 * WebAssembly SIMD.
 */
export function reluForward(a: Tensor): Tensor {
  const dtype = isFloating(a.dtype) ? a.dtype : "float32";
  const src = cast(a, dtype).data as FloatStorage;
  const out = allocate(dtype, src.length) as FloatStorage;
  if (src instanceof Float32Array) {
    const k = simd("relu", src.length);
    if (k) k.run(src.length, [src, out as Float32Array]);
    else reluLoop32(src, out as Float32Array);
  } else reluLoop64(src, out as Float64Array);
  return new Tensor(out, a.shape, dtype);
}

function reluLoop32(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = v > 0 || v !== v ? v : 0;
  }
}

function reluLoop64(x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = v > 0 || v !== v ? v : 0;
  }
}

/** The gradient of relu given its output y: g where y > 0, else 0 (in g's dtype). */
export function reluBackward(g: Tensor, y: Tensor): Tensor {
  const gd = g.data as FloatStorage;
  const yd = y.data as FloatStorage;
  const out = allocate(g.dtype, gd.length) as FloatStorage;
  if (gd instanceof Float32Array && yd instanceof Float32Array) {
    const k = simd("grad", gd.length);
    if (k) k.run(gd.length, [gd, yd, out as Float32Array]);
    else reluGradLoop32(gd, yd, out as Float32Array);
  } else for (let i = 0; i < gd.length; i++) out[i] = yd[i]! > 0 ? gd[i]! : 0;
  return new Tensor(out, g.shape, g.dtype);
}

function reluGradLoop32(g: Float32Array, y: Float32Array, out: Float32Array): void {
  for (let i = 0; i < g.length; i++) out[i] = y[i]! > 0 ? g[i]! : 0;
}
