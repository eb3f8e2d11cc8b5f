/**
 * PyTorch's method-style API (`x.add(y)`, `loss.backward()`, `w.T`), added to the tensor class
 * here because the math lives in this layer and the tensor layer below must not import it.
 */
import { Tensor, type DType } from "../tensor/index.js";
import type { BackwardOptions } from "./engine.js";
import { backward } from "./functional.js";
import * as ops from "./ops/index.js";
import type { Operand } from "./ops/arithmetic.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    add(other: Operand, alpha?: number): Tensor;
    sub(other: Operand, alpha?: number): Tensor;
    mul(other: Operand): Tensor;
    div(other: Operand): Tensor;
    neg(): Tensor;
    pow(exponent: number): Tensor;
    eq(other: Operand): Tensor;
    ne(other: Operand): Tensor;
    lt(other: Operand): Tensor;
    le(other: Operand): Tensor;
    gt(other: Operand): Tensor;
    ge(other: Operand): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    sum(dim?: number, keepdim?: boolean): Tensor;
    mean(dim?: number, keepdim?: boolean): Tensor;
    max(): Tensor;
    max(dim: number, keepdim?: boolean): ops.ValuesIndices;
    min(): Tensor;
    min(dim: number, keepdim?: boolean): ops.ValuesIndices;
    argmax(dim?: number, keepdim?: boolean): Tensor;
    argmin(dim?: number, keepdim?: boolean): Tensor;
    logsumexp(dim: number, keepdim?: boolean): Tensor;
    softmax(dim: number): Tensor;
    logSoftmax(dim: number): Tensor;
    matmul(other: Tensor): Tensor;
    reshape(...shape: number[] | [readonly number[]]): Tensor;
    view(...shape: number[] | [readonly number[]]): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    permute(...dims: number[] | [readonly number[]]): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    t(): Tensor;
    /** All dimensions reversed (PyTorch's `.T`). */
    readonly T: Tensor;
    squeeze(dim?: number): Tensor;
    unsqueeze(dim: number): Tensor;
    expand(...shape: number[] | [readonly number[]]): Tensor;
    indexSelect(dim: number, index: Tensor | readonly number[]): Tensor;
    /** `a[index]`: rows selected by an int64 tensor or a list of indices. */
    index(index: Tensor | readonly number[]): Tensor;
    to(dtype: DType): Tensor;
    float(): Tensor;
    double(): Tensor;
    long(): Tensor;
    bool(): Tensor;
    byte(): Tensor;
    clone(): Tensor;
    detach(): Tensor;
    /** Accumulates gradients into the leaves' `.grad`; needs `gradient` unless this is a scalar. */
    backward(gradient?: Tensor | null, options?: BackwardOptions): void;
  }
}

/** Accepts both `reshape(2, 3)` and `reshape([2, 3])`. */
function dimsOf(args: number[] | [readonly number[]]): readonly number[] {
  return Array.isArray(args[0]) ? args[0] : (args as number[]);
}

const methods: ThisType<Tensor> & Record<string, unknown> = {
  add(this: Tensor, other: Operand, alpha?: number) { return ops.add(this, other, alpha); },
  sub(this: Tensor, other: Operand, alpha?: number) { return ops.sub(this, other, alpha); },
  mul(this: Tensor, other: Operand) { return ops.mul(this, other); },
  div(this: Tensor, other: Operand) { return ops.div(this, other); },
  neg(this: Tensor) { return ops.neg(this); },
  pow(this: Tensor, exponent: number) { return ops.pow(this, exponent); },
  eq(this: Tensor, other: Operand) { return ops.eq(this, other); },
  ne(this: Tensor, other: Operand) { return ops.ne(this, other); },
  lt(this: Tensor, other: Operand) { return ops.lt(this, other); },
  le(this: Tensor, other: Operand) { return ops.le(this, other); },
  gt(this: Tensor, other: Operand) { return ops.gt(this, other); },
  ge(this: Tensor, other: Operand) { return ops.ge(this, other); },
  exp(this: Tensor) { return ops.exp(this); },
  log(this: Tensor) { return ops.log(this); },
  sqrt(this: Tensor) { return ops.sqrt(this); },
  abs(this: Tensor) { return ops.abs(this); },
  tanh(this: Tensor) { return ops.tanh(this); },
  sigmoid(this: Tensor) { return ops.sigmoid(this); },
  relu(this: Tensor) { return ops.relu(this); },
  sum(this: Tensor, dim?: number, keepdim?: boolean) { return ops.sum(this, dim, keepdim); },
  mean(this: Tensor, dim?: number, keepdim?: boolean) { return ops.mean(this, dim, keepdim); },
  max(this: Tensor, dim?: number, keepdim?: boolean) { return dim === undefined ? ops.max(this) : ops.max(this, dim, keepdim); },
  min(this: Tensor, dim?: number, keepdim?: boolean) { return dim === undefined ? ops.min(this) : ops.min(this, dim, keepdim); },
  argmax(this: Tensor, dim?: number, keepdim?: boolean) { return ops.argmax(this, dim, keepdim); },
  argmin(this: Tensor, dim?: number, keepdim?: boolean) { return ops.argmin(this, dim, keepdim); },
  logsumexp(this: Tensor, dim: number, keepdim?: boolean) { return ops.logsumexp(this, dim, keepdim); },
  softmax(this: Tensor, dim: number) { return ops.softmax(this, dim); },
  logSoftmax(this: Tensor, dim: number) { return ops.logSoftmax(this, dim); },
  matmul(this: Tensor, other: Tensor) { return ops.matmul(this, other); },
  reshape(this: Tensor, ...shape: number[] | [readonly number[]]) { return ops.reshape(this, dimsOf(shape)); },
  view(this: Tensor, ...shape: number[] | [readonly number[]]) { return ops.view(this, dimsOf(shape)); },
  flatten(this: Tensor, startDim?: number, endDim?: number) { return ops.flatten(this, startDim, endDim); },
  permute(this: Tensor, ...dims: number[] | [readonly number[]]) { return ops.permute(this, dimsOf(dims)); },
  transpose(this: Tensor, dim0: number, dim1: number) { return ops.transpose(this, dim0, dim1); },
  t(this: Tensor) { return ops.t(this); },
  squeeze(this: Tensor, dim?: number) { return ops.squeeze(this, dim); },
  unsqueeze(this: Tensor, dim: number) { return ops.unsqueeze(this, dim); },
  expand(this: Tensor, ...shape: number[] | [readonly number[]]) { return ops.expand(this, dimsOf(shape)); },
  indexSelect(this: Tensor, dim: number, index: Tensor | readonly number[]) { return ops.indexSelect(this, dim, index); },
  index(this: Tensor, index: Tensor | readonly number[]) { return ops.index(this, index); },
  to(this: Tensor, dtype: DType) { return ops.to(this, dtype); },
  float(this: Tensor) { return ops.to(this, "float32"); },
  double(this: Tensor) { return ops.to(this, "float64"); },
  long(this: Tensor) { return ops.to(this, "int64"); },
  bool(this: Tensor) { return ops.to(this, "bool"); },
  byte(this: Tensor) { return ops.to(this, "uint8"); },
  clone(this: Tensor) { return ops.clone(this); },
  detach(this: Tensor) { return ops.detach(this); },
  backward(this: Tensor, gradient?: Tensor | null, options?: BackwardOptions) { backward(this, gradient, options); },
};

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}
Object.defineProperty(Tensor.prototype, "T", {
  get(this: Tensor) {
    return ops.reverseDims(this);
  },
  configurable: true,
});
