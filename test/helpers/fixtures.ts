import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { fromTypedArray, Tensor, type DType } from "../../src/tensor/index.js";

/** A tensor as the reference files store it: shape, dtype and flat row-major data. */
export interface RefTensor {
  shape: number[];
  dtype: string;
  data: (number | string | boolean)[];
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8")) as T;
}

/** Builds a tensor from a reference; `dtype` converts floats (e.g. run a float64 case in float32). */
export function fromRef(ref: RefTensor, options: { dtype?: DType; requiresGrad?: boolean } = {}): Tensor {
  const dtype = (options.dtype && ref.dtype.startsWith("float") ? options.dtype : ref.dtype) as DType;
  const values =
    dtype === "int64"
      ? BigInt64Array.from(ref.data.map((v) => BigInt(v as number | string)))
      : dtype === "float64"
        ? Float64Array.from(ref.data as number[])
        : dtype === "bool"
          ? Uint8Array.from(ref.data.map((v) => (v ? 1 : 0)))
          : Float32Array.from(ref.data as number[]);
  return fromTypedArray(values, ref.shape, { requiresGrad: options.requiresGrad ?? false });
}

/** Asserts shape equality and |a − e| ≤ atol + rtol·|e| elementwise, reporting the worst element. */
export function expectClose(actual: Tensor, expected: RefTensor | Tensor, rtol = 1e-6, atol = 1e-7): void {
  const shape = expected instanceof Tensor ? expected.shape : expected.shape;
  expect([...actual.shape]).toEqual([...shape]);
  const exp = expected instanceof Tensor ? Array.from(expected.data as Float64Array, Number) : expected.data.map(Number);
  const act = Array.from(actual.data as Float64Array, Number);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < exp.length; i++) {
    const excess = Math.abs(act[i]! - exp[i]!) - (atol + rtol * Math.abs(exp[i]!));
    if (excess > worstExcess || (Number.isNaN(act[i]!) !== Number.isNaN(exp[i]!))) {
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    expect.fail(`element ${worst}: got ${act[worst]}, expected ${exp[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}
