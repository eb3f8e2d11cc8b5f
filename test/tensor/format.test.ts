import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatTensor, type Printable } from "../../src/tensor/format.js";

interface Case {
  name: string;
  shape: number[];
  dtype: Printable["dtype"];
  data: (string | boolean)[];
  requires_grad: boolean;
  grad_fn: string | null;
  repr: string;
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/format.json", import.meta.url), "utf8"),
) as { cases: Case[] };

function parseFloatStr(s: string): number {
  if (s === "nan") return NaN;
  if (s === "inf") return Infinity;
  if (s === "-inf") return -Infinity;
  return Number(s);
}

function toPrintable(c: Case): Printable {
  const { shape, dtype } = c;
  switch (dtype) {
    case "float32":
      return { shape, dtype, data: Float32Array.from(c.data as string[], parseFloatStr) };
    case "float64":
      return { shape, dtype, data: Float64Array.from(c.data as string[], parseFloatStr) };
    case "int64":
      return { shape, dtype, data: BigInt64Array.from(c.data as string[], (s) => BigInt(s)) };
    case "bool":
      return { shape, dtype, data: Uint8Array.from(c.data as boolean[], (b) => (b ? 1 : 0)) };
    case "uint8":
      return { shape, dtype, data: Uint8Array.from(c.data as string[], Number) };
  }
}

describe("formatTensor matches PyTorch 1.13 repr", () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const suffix = { requiresGrad: c.requires_grad, gradFn: c.grad_fn };
    expect(formatTensor(toPrintable(c), suffix)).toBe(c.repr);
  });
});

describe("formatTensor", () => {
  const f32 = (shape: number[], values: number[]): Printable => ({
    shape,
    dtype: "float32",
    data: Float32Array.from(values),
  });

  it("prints the documented examples", () => {
    expect(formatTensor(f32([], [3]))).toBe("tensor(3.)");
    expect(formatTensor(f32([3], [1, 2, 3]))).toBe("tensor([1., 2., 3.])");
    expect(formatTensor(f32([0], []))).toBe("tensor([])");
    expect(formatTensor(f32([0, 3], []))).toBe("tensor([], size=(0, 3))");
    expect(formatTensor({ shape: [2], dtype: "bool", data: Uint8Array.of(1, 0) })).toBe(
      "tensor([ True, False])",
    );
    expect(formatTensor(f32([2], [1e-5, 1]))).toBe("tensor([1.0000e-05, 1.0000e+00])");
  });

  it("rounds ties to even as Python does", () => {
    expect(formatTensor(f32([2], [1 / 32, 3 / 32]))).toBe("tensor([0.0312, 0.0938])");
    expect(formatTensor(f32([2], [123465, 1]))).toBe("tensor([1.2346e+05, 1.0000e+00])");
  });

  it("prints grad_fn in preference to requires_grad", () => {
    const t = f32([1, 3], [-0.1262, 0.108, -0.1792]);
    expect(formatTensor(t, { requiresGrad: true, gradFn: "AddmmBackward0" })).toBe(
      "tensor([[-0.1262,  0.1080, -0.1792]], grad_fn=<AddmmBackward0>)",
    );
    expect(formatTensor(t, { requiresGrad: true, gradFn: null })).toBe(
      "tensor([[-0.1262,  0.1080, -0.1792]], requires_grad=True)",
    );
  });
});
