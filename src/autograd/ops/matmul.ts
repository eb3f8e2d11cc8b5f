import {
  allocate,
  broadcastShapes,
  contiguousStrides,
  formatShape,
  isFloating,
  kernels,
  numel,
  promoteTypes,
  scalarTypeName,
  Tensor,
  type FloatStorage,
} from "../../tensor/index.js";
import { isGradEnabled } from "../grad_mode.js";
import { record } from "../node.js";
import { relu } from "./unary.js";

/**
 * PyTorch refuses a product of uint8 with another dtype (`expected scalar type Byte but found
 * Float`): images must be converted to float first (ConvertImageDtype). Other mixes promote here.
 */
function checkByteOperands(a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype && (a.dtype === "uint8" || b.dtype === "uint8")) {
    throw new TypeError(`expected scalar type ${scalarTypeName(a.dtype)} but found ${scalarTypeName(b.dtype)}`);
  }
}

/**
 * Batched op(A)·op(B) over broadcast batch dimensions. A is [...batchA, m, k] (or [..., k, m] with
 * transA), B is [...batchB, k, n] (or [..., n, k] with transB). Returns [...batch, m, n].
 */
function batchedGemm(a: Tensor, transA: boolean, b: Tensor, transB: boolean): Tensor {
  const ra = a.ndim;
  const rb = b.ndim;
  const m = a.shape[ra - (transA ? 1 : 2)]!;
  const k = a.shape[ra - (transA ? 2 : 1)]!;
  const n = b.shape[rb - (transB ? 2 : 1)]!;
  const batchA = a.shape.slice(0, ra - 2);
  const batchB = b.shape.slice(0, rb - 2);
  const batch = broadcastShapes(batchA, batchB);
  checkByteOperands(a, b);
  const dtype = promoteTypes(a.dtype, b.dtype);
  const out = Tensor.empty([...batch, m, n], dtype);
  if (!isFloating(dtype)) return integerMatmul(a, b, out, m, n, k);
  const ad = kernels.cast(a, dtype).data as FloatStorage;
  const bd = kernels.cast(b, dtype).data as FloatStorage;
  const od = out.data as FloatStorage;
  const count = numel(batch);
  const stridesA = batchStrides(batchA, batch, m * k);
  const stridesB = batchStrides(batchB, batch, k * n);
  const outStrides = contiguousStrides(batch);
  for (let t = 0; t < count; t++) {
    let offA = 0;
    let offB = 0;
    let rest = t;
    for (let d = 0; d < batch.length; d++) {
      const i = Math.floor(rest / outStrides[d]!);
      rest -= i * outStrides[d]!;
      offA += i * stridesA[d]!;
      offB += i * stridesB[d]!;
    }
    kernels.gemm(m, n, k, ad, offA, transA, bd, offB, transB, od, t * m * n, false);
  }
  return out;
}

/** Element strides of each batch dimension of an operand, 0 where it broadcasts. */
function batchStrides(own: readonly number[], batch: readonly number[], matrixSize: number): number[] {
  const strides = contiguousStrides(own).map((s) => s * matrixSize);
  const offset = batch.length - own.length;
  return batch.map((_, d) => (d < offset || own[d - offset] === 1 ? 0 : strides[d - offset]!));
}

/** Exact integer products for integer matmul (no gradients), 2-d only. */
function integerMatmul(a: Tensor, b: Tensor, out: Tensor, m: number, n: number, k: number): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) throw new TypeError("integer matmul supports 2-d operands only");
  const x = kernels.cast(a, "int64").data as BigInt64Array;
  const y = kernels.cast(b, "int64").data as BigInt64Array;
  // uint8 products wrap modulo 256, as in C++
  const write =
    out.dtype === "uint8"
      ? (at: number, s: bigint) => ((out.data as Uint8Array)[at] = Number(BigInt.asUintN(8, s)))
      : (at: number, s: bigint) => ((out.data as BigInt64Array)[at] = BigInt.asIntN(64, s));
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0n;
      for (let p = 0; p < k; p++) s += x[i * k + p]! * y[p * n + j]!;
      write(i * n + j, s);
    }
  return out;
}

function mismatch(a: Tensor, b: Tensor): RangeError {
  const rows = (t: Tensor): string => (t.ndim === 1 ? `1x${t.shape[0]}` : t.shape.slice(-2).join("x"));
  return new RangeError(
    `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied ` +
      `(mat1 and mat2 shapes cannot be multiplied (${rows(a)} and ${b.ndim === 1 ? `${b.shape[0]}x1` : b.shape.slice(-2).join("x")}))`,
  );
}

/** PyTorch's matmul: dot, matrix-vector, matrix-matrix and batched with broadcasting. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(`both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`);
  }
  // promote vectors to matrices, as PyTorch does, and drop the added dims afterwards
  const a2 = a.ndim === 1 ? new Tensor(a.data, [1, a.shape[0]!], a.dtype) : a;
  const b2 = b.ndim === 1 ? new Tensor(b.data, [b.shape[0]!, 1], b.dtype) : b;
  if (a2.shape[a2.ndim - 1] !== b2.shape[b2.ndim - 2]) throw mismatch(a, b);
  let batched: Tensor;
  try {
    batched = batchedGemm(a2, false, b2, false);
  } catch (e) {
    if (e instanceof RangeError && e.message.includes("broadcast")) throw mismatch(a, b);
    throw e;
  }
  const shape = [...batched.shape];
  if (b.ndim === 1) shape.pop();
  if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
  const out = new Tensor(batched.data, shape, batched.dtype);
  const name = a.ndim === 1 && b.ndim === 1 ? "DotBackward0" : a.ndim <= 2 && b.ndim <= 2 ? (b.ndim === 1 ? "MvBackward0" : "MmBackward0") : "BmmBackward0";
  return record(out, name, [a, b], (g, needs) => {
    const g2 = new Tensor(g.data, batched.shape, g.dtype);
    // dA = g·Bᵀ and dB = Aᵀ·g, summed over the batch dims each operand was broadcast along
    const ga = needs[0] ? kernels.sumToShape(batchedGemm(g2, false, b2, true), a2.shape) : null;
    const gb = needs[1] ? kernels.sumToShape(batchedGemm(a2, true, g2, false), b2.shape) : null;
    return [ga && new Tensor(ga.data, a.shape, ga.dtype), gb && new Tensor(gb.data, b.shape, gb.dtype)];
  });
}

/** y = x·Wᵀ + b over the last dim of x, as `F.linear`; W is [out, in]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return linearOp(x, weight, bias ?? null, false);
}

/**
 * relu(linear(x, W, b)), what `nn.Sequential` runs for a Linear followed by a ReLU. When no graph
 * is recorded (inference) it is one product whose epilogue adds the bias and applies the ReLU in
 * registers; otherwise it is exactly `relu(linear(x, W, b))`, with its AddmmBackward0 and
 * ReluBackward0 nodes. Either way the values are those of the two ops.
 */
export function linearRelu(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (recording(x, weight, bias ?? null)) return relu(linearOp(x, weight, bias ?? null, false));
  return linearOp(x, weight, bias ?? null, true);
}

/** Whether `record` would attach a node to an op of these inputs. */
function recording(x: Tensor, weight: Tensor, bias: Tensor | null): boolean {
  return isGradEnabled() && (x.requiresGrad || weight.requiresGrad || (bias !== null && bias.requiresGrad));
}

function linearOp(x: Tensor, weight: Tensor, bias: Tensor | null, fuseRelu: boolean): Tensor {
  const inFeatures = weight.shape[1]!;
  if (weight.ndim !== 2 || x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    const rows = numel(x.shape.slice(0, -1));
    throw new RangeError(
      `linear: input of shape ${formatShape(x.shape)} and weight of shape ${formatShape(weight.shape)} cannot be ` +
        `multiplied (mat1 and mat2 shapes cannot be multiplied (${rows}x${x.shape[x.ndim - 1]} and ${weight.shape[1]}x${weight.shape[0]}))`,
    );
  }
  const outFeatures = weight.shape[0]!;
  checkByteOperands(x, weight);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outFeatures)) {
    throw new RangeError(`linear: bias of shape ${formatShape(bias.shape)} does not match ${outFeatures} output features`);
  }
  // shapes are frozen arrays, whose slice() is slow in V8: plain loops
  const outShape = new Array<number>(x.ndim);
  let rows = 1;
  for (let d = 0; d < x.ndim - 1; d++) rows *= outShape[d] = x.shape[d]!;
  outShape[x.ndim - 1] = outFeatures;
  const dtype = promoteTypes(x.dtype, weight.dtype);
  const xd = kernels.cast(x, dtype).data as FloatStorage;
  const wd = kernels.cast(weight, dtype).data as FloatStorage;
  const out = allocate(dtype, rows * outFeatures) as FloatStorage;
  const recorded = recording(x, weight, bias);
  // the bias goes in through the product's epilogue: C = bias + x·Wᵀ, as a pre-filled C would
  // give; the weight's packed panels are kept across calls when no graph is recorded (inference)
  kernels.gemm(rows, outFeatures, inFeatures, xd, 0, false, wd, 0, true, out, 0, false, {
    bias: bias ? (kernels.cast(bias, dtype).data as FloatStorage) : null,
    relu: fuseRelu,
    cacheB: !recorded && wd === weight.data,
  });
  const result = new Tensor(out, outShape, dtype);
  if (!recorded) return result;
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(result, bias ? "AddmmBackward0" : "MmBackward0", inputs, (g, needs) => {
    const gd = g.data as FloatStorage;
    let gx: Tensor | null = null;
    if (needs[0]) {
      gx = Tensor.empty(x.shape, dtype);
      kernels.gemm(rows, inFeatures, outFeatures, gd, 0, false, wd, 0, false, gx.data as FloatStorage, 0, false);
    }
    let gw: Tensor | null = null;
    if (needs[1]) {
      gw = Tensor.empty(weight.shape, dtype);
      kernels.gemm(outFeatures, inFeatures, rows, gd, 0, true, xd, 0, false, gw.data as FloatStorage, 0, false);
    }
    const gb = bias && needs[2] ? kernels.sumDim(new Tensor(g.data, [rows, outFeatures], dtype), 0, false) : null;
    return [gx, gw, gb];
  });
}
