import { allocate, kernels, normalizeDim, Tensor, type FloatStorage } from "../../tensor/index.js";
import { record } from "../node.js";

/**
 * Runs `body(base, stride)` for every line along `dim` of a tensor of `shape`. Bodies call a
 * named line function: the closures differ per call, the line functions keep their own type
 * feedback (a loop shared by every op's lines would be megamorphic).
 */
function forEachLine(shape: readonly number[], dim: number, body: (base: number, stride: number, size: number) => void): void {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i]!;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
  const size = shape.length === 0 ? 1 : shape[dim]!;
  for (let p = 0; p < outer; p++) for (let j = 0; j < inner; j++) body(p * size * inner + j, inner, size);
}

function floatInput(a: Tensor): Tensor {
  return kernels.cast(a, a.dtype === "float64" ? "float64" : "float32");
}

/** softmax along `dim`, shifted by the max for stability. */
export function softmax(a: Tensor, dim: number): Tensor {
  const x = floatInput(a);
  const d = normalizeDim(dim, x.ndim);
  const xd = x.data as FloatStorage;
  const out = allocate(x.dtype, xd.length) as FloatStorage;
  forEachLine(x.shape, d, (base, stride, size) => {
    let m = -Infinity;
    for (let k = 0; k < size; k++) m = Math.max(m, xd[base + k * stride]!);
    let s = 0;
    for (let k = 0; k < size; k++) s += Math.exp(xd[base + k * stride]! - m);
    for (let k = 0; k < size; k++) out[base + k * stride] = Math.exp(xd[base + k * stride]! - m) / s;
  });
  const y = new Tensor(out, x.shape, x.dtype);
  // dx = y · (g − Σ g·y)
  return record(y, "SoftmaxBackward0", [a], (g) => {
    const gd = g.data as FloatStorage;
    const gx = allocate(g.dtype, gd.length) as FloatStorage;
    forEachLine(x.shape, d, (base, stride, size) => {
      let dot = 0;
      for (let k = 0; k < size; k++) dot += gd[base + k * stride]! * out[base + k * stride]!;
      for (let k = 0; k < size; k++) gx[base + k * stride] = out[base + k * stride]! * (gd[base + k * stride]! - dot);
    });
    return [new Tensor(gx, x.shape, g.dtype)];
  });
}

/** log(softmax) along `dim`, computed as x − max − log Σ exp(x − max). */
export function logSoftmax(a: Tensor, dim: number): Tensor {
  const x = floatInput(a);
  const d = normalizeDim(dim, x.ndim);
  const xd = x.data as FloatStorage;
  const out = allocate(x.dtype, xd.length) as FloatStorage;
  forEachLine(x.shape, d, (base, stride, size) => logSoftmaxLine(xd, out, base, stride, size));
  const y = new Tensor(out, x.shape, x.dtype);
  // dx = g − exp(y) · Σ g
  return record(y, "LogSoftmaxBackward0", [a], (g) => {
    const gd = g.data as FloatStorage;
    const gx = allocate(g.dtype, gd.length) as FloatStorage;
    forEachLine(x.shape, d, (base, stride, size) => logSoftmaxGradLine(gd, out, gx, base, stride, size));
    return [new Tensor(gx, x.shape, g.dtype)];
  });
}

function logSoftmaxLine(xd: FloatStorage, out: FloatStorage, base: number, stride: number, size: number): void {
  let m = -Infinity;
  for (let k = 0; k < size; k++) m = Math.max(m, xd[base + k * stride]!);
  if (!Number.isFinite(m)) m = 0;
  let s = 0;
  for (let k = 0; k < size; k++) s += Math.exp(xd[base + k * stride]! - m);
  const lse = m + Math.log(s);
  for (let k = 0; k < size; k++) out[base + k * stride] = xd[base + k * stride]! - lse;
}

function logSoftmaxGradLine(gd: FloatStorage, out: FloatStorage, gx: FloatStorage, base: number, stride: number, size: number): void {
  let s = 0;
  for (let k = 0; k < size; k++) s += gd[base + k * stride]!;
  for (let k = 0; k < size; k++) gx[base + k * stride] = gd[base + k * stride]! - Math.exp(out[base + k * stride]!) * s;
}
