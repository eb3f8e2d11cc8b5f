import { broadcastShapes, isFloating, kernels, promoteTypes, Tensor } from "../../tensor/index.js";
import { record } from "../node.js";

/** A tensor or a JavaScript number, which PyTorch treats as a wrapped scalar. */
export type Operand = Tensor | number;

/** Lifts a number operand to a 0-d tensor of the dtype PyTorch would compute in. */
function lift(x: Operand, other: Operand): Tensor {
  if (x instanceof Tensor) return x;
  if (!(other instanceof Tensor)) return kernels.scalarTensor(x, kernels.scalarType(x));
  return kernels.scalarTensor(x, kernels.promoteWithScalar(other.dtype, x));
}

const reduceTo = kernels.sumToShape;

const ADD: kernels.BinaryRule = { float: (x, y) => x + y, int: (x, y) => x + y };
const SUB: kernels.BinaryRule = { float: (x, y) => x - y, int: (x, y) => x - y };
const MUL: kernels.BinaryRule = { float: (x, y) => x * y, int: (x, y) => x * y };
const DIV: kernels.BinaryRule = { float: (x, y) => x / y, int: (x, y) => x / y, floatOnly: true };

function checkSubtractable(a: Tensor, b: Tensor): void {
  if (a.dtype === "bool" && b.dtype === "bool") {
    throw new TypeError("Subtraction, the `-` operator, with two bool tensors is not supported");
  }
}

/** a + alpha·b with broadcasting. */
export function add(a: Operand, b: Operand, alpha = 1): Tensor {
  const x = lift(a, b);
  const y = lift(b, a);
  const out = alpha === 1 ? kernels.binary(x, y, ADD) : kernels.binary(x, kernels.binary(y, lift(alpha, y), MUL), ADD);
  return record(out, "AddBackward0", [x, y], (g, needs) => [
    needs[0] ? reduceTo(g, x.shape) : null,
    needs[1] ? reduceTo(alpha === 1 ? g : mul(g, alpha), y.shape) : null,
  ]);
}

/** a − alpha·b with broadcasting. */
export function sub(a: Operand, b: Operand, alpha = 1): Tensor {
  const x = lift(a, b);
  const y = lift(b, a);
  checkSubtractable(x, y);
  const out = alpha === 1 ? kernels.binary(x, y, SUB) : kernels.binary(x, kernels.binary(y, lift(alpha, y), MUL), SUB);
  return record(out, "SubBackward0", [x, y], (g, needs) => [
    needs[0] ? reduceTo(g, x.shape) : null,
    needs[1] ? reduceTo(mul(g, -alpha), y.shape) : null,
  ]);
}

export function mul(a: Operand, b: Operand): Tensor {
  const x = lift(a, b);
  const y = lift(b, a);
  const out = kernels.binary(x, y, MUL);
  return record(out, "MulBackward0", [x, y], (g, needs) => [
    needs[0] ? reduceTo(mul(g, y), x.shape) : null,
    needs[1] ? reduceTo(mul(g, x), y.shape) : null,
  ]);
}

/** True division: integer inputs give a float32 result, as in PyTorch. */
export function div(a: Operand, b: Operand): Tensor {
  const x = lift(a, b);
  const y = lift(b, a);
  const out = kernels.binary(x, y, DIV);
  return record(out, "DivBackward0", [x, y], (g, needs) => [
    needs[0] ? reduceTo(div(g, y), x.shape) : null,
    needs[1] ? reduceTo(neg(div(mul(g, out), y)), y.shape) : null,
  ]);
}

export function neg(a: Tensor): Tensor {
  if (a.dtype === "bool") throw new TypeError("Negation, the `-` operator, on a bool tensor is not supported");
  const out = kernels.binary(kernels.scalarTensor(0, a.dtype), a, SUB);
  return record(out, "NegBackward0", [a], (g) => [neg(g)]);
}

/** a ** exponent for a number exponent. */
export function pow(a: Tensor, exponent: number): Tensor {
  const x = isFloating(a.dtype) || Number.isInteger(exponent) ? a : kernels.cast(a, "float32");
  const out = isFloating(x.dtype)
    ? kernels.unaryFloat(x, (v) => Math.pow(v, exponent))
    : kernels.binary(x, kernels.scalarTensor(exponent, "int64"), { float: Math.pow, int: (p, q) => p ** q });
  return record(out, "PowBackward0", [x], (g) => [
    exponent === 0 ? kernels.binary(g, kernels.scalarTensor(0, g.dtype), MUL) : mul(g, mul(pow(x, exponent - 1), exponent)),
  ]);
}

const cmp = (f: (x: number, y: number) => boolean, i: (x: bigint, y: bigint) => boolean): kernels.BinaryRule => ({
  float: (x, y) => (f(x, y) ? 1 : 0),
  int: i,
  resultType: () => "bool",
});
const EQ = cmp((x, y) => x === y, (x, y) => x === y);
const NE = cmp((x, y) => x !== y, (x, y) => x !== y);
const LT = cmp((x, y) => x < y, (x, y) => x < y);
const LE = cmp((x, y) => x <= y, (x, y) => x <= y);
const GT = cmp((x, y) => x > y, (x, y) => x > y);
const GE = cmp((x, y) => x >= y, (x, y) => x >= y);

/** Elementwise comparisons with broadcasting; bool results, never differentiable. */
export const eq = (a: Operand, b: Operand): Tensor => kernels.binary(lift(a, b), lift(b, a), EQ);
export const ne = (a: Operand, b: Operand): Tensor => kernels.binary(lift(a, b), lift(b, a), NE);
export const lt = (a: Operand, b: Operand): Tensor => kernels.binary(lift(a, b), lift(b, a), LT);
export const le = (a: Operand, b: Operand): Tensor => kernels.binary(lift(a, b), lift(b, a), LE);
export const gt = (a: Operand, b: Operand): Tensor => kernels.binary(lift(a, b), lift(b, a), GT);
export const ge = (a: Operand, b: Operand): Tensor => kernels.binary(lift(a, b), lift(b, a), GE);

/** `where(condition, x, y)`: x where condition holds, else y, with broadcasting. */
export function where(condition: Tensor, a: Operand, b: Operand): Tensor {
  if (condition.dtype !== "bool") {
    throw new TypeError(`where expected condition to be a boolean tensor, but got ${condition.dtype}`);
  }
  const x = lift(a, b);
  const y = lift(b, a);
  const dtype = promoteTypes(x.dtype, y.dtype);
  const shape = broadcastShapes(broadcastShapes(condition.shape, x.shape), y.shape);
  const cond = kernels.expandCopy(condition, shape).data;
  const xs = kernels.expandCopy(kernels.cast(x, dtype), shape).data as Float32Array;
  const ys = kernels.expandCopy(kernels.cast(y, dtype), shape).data as Float32Array;
  const out = Tensor.empty(shape, dtype);
  const o = out.data as Float32Array;
  for (let i = 0; i < o.length; i++) o[i] = cond[i] ? xs[i]! : ys[i]!;
  return record(out, "WhereBackward0", [x, y], (g, needs) => {
    const zero = kernels.scalarTensor(0, g.dtype);
    return [
      needs[0] ? reduceTo(where(condition, g, zero), x.shape) : null,
      needs[1] ? reduceTo(where(condition, zero, g), y.shape) : null,
    ];
  });
}
