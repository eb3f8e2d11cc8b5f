import { describe, expect, it } from "vitest";
import { adaptiveAvgPool2d, avgPool2d, grad, maxPool1d, maxPool2d, type AdaptiveSize, type IntOrPair } from "../../src/autograd/index.js";
import { Tensor, type FloatStorage } from "../../src/tensor/index.js";
import { fromRef, loadFixture, type RefTensor } from "../helpers/fixtures.js";
import { gradcheck, sample } from "../helpers/gradcheck.js";

/** PyTorch's keyword arguments, as generate_pooling.py wrote them. */
interface Options {
  kernel_size?: number | [number, number];
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  ceil_mode?: boolean;
  count_include_pad?: boolean;
  divisor_override?: number;
  output_size?: number | [number | null, number | null];
}

interface PoolCase {
  name: string;
  fn: string;
  input: RefTensor;
  options: Options;
  output: RefTensor;
  grad_fn: string;
  grad_output: RefTensor;
  grad_input: RefTensor;
}

interface Fixture {
  cases: PoolCase[];
  errors: { fn: string; shape: number[]; options: Options; message: string }[];
}

const fixture = loadFixture<Fixture>("pooling.json");

/** The engine's call for a fixture's function and options. */
function call(fn: string, x: Tensor, o: Options): Tensor {
  switch (fn) {
    case "max_pool2d":
      return maxPool2d(x, o.kernel_size as IntOrPair, { stride: o.stride, padding: o.padding, dilation: o.dilation, ceilMode: o.ceil_mode });
    case "max_pool1d":
      return maxPool1d(x, o.kernel_size as number, {
        stride: o.stride as number | undefined,
        padding: o.padding as number | undefined,
        dilation: o.dilation as number | undefined,
        ceilMode: o.ceil_mode,
      });
    case "avg_pool2d":
      return avgPool2d(x, o.kernel_size as IntOrPair, {
        stride: o.stride,
        padding: o.padding,
        ceilMode: o.ceil_mode,
        countIncludePad: o.count_include_pad,
        divisorOverride: o.divisor_override,
      });
    case "adaptive_avg_pool2d":
      return adaptiveAvgPool2d(x, o.output_size as AdaptiveSize);
  }
  throw new Error(`no such pooling: ${fn}`);
}

function num(v: number | string | boolean): number {
  return v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v);
}

/** |a − e| ≤ atol + rtol·|e| elementwise; NaN must meet NaN. */
function expectClose(actual: Tensor, expected: RefTensor, rtol: number, atol: number): void {
  expect([...actual.shape]).toEqual(expected.shape);
  const a = actual.data as FloatStorage;
  expected.data.forEach((v, i) => {
    const e = num(v);
    if (Number.isNaN(e) ? !Number.isNaN(a[i]!) : !(Math.abs(a[i]! - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`element ${i}: got ${a[i]}, expected ${e}`);
    }
  });
}

function build(ref: RefTensor, dtype: "float32" | "float64"): Tensor {
  return fromRef({ ...ref, data: ref.data.map(num) }, { dtype, requiresGrad: true });
}

const TOL = { float64: [1e-12, 1e-14], float32: [1e-6, 1e-6] } as const;

describe("pooling matches PyTorch (values and input gradients)", () => {
  for (const c of fixture.cases) {
    for (const dtype of ["float64", "float32"] as const) {
      it(`${c.name} (${dtype})`, () => {
        const x = build(c.input, dtype);
        const out = call(c.fn, x, c.options);
        const [rtol, atol] = TOL[dtype];
        expectClose(out, c.output, rtol, atol);
        expect(out.gradFn?.name).toBe(c.grad_fn);
        const [gx] = grad(out, [x], { gradOutputs: [build(c.grad_output, dtype)] });
        expectClose(gx!, c.grad_input, rtol, atol);
      });
    }
  }
});

describe("pooling checks its arguments with PyTorch's messages", () => {
  for (const e of fixture.errors) {
    it(`${e.fn} ${JSON.stringify(e.options)} on ${JSON.stringify(e.shape)}`, () => {
      expect(() => call(e.fn, Tensor.empty(e.shape), e.options)).toThrow(e.message);
    });
  }
});

describe("pooling's own argument checks", () => {
  it("names a size that is not an int or a pair of ints", () => {
    const x = Tensor.empty([1, 1, 4, 4]);
    expect(() => maxPool2d(x, [2, 2, 2] as unknown as IntOrPair)).toThrow("max_pool2d: kernel_size must either be a single int, or a tuple of two ints, got [2,2,2]");
    expect(() => avgPool2d(x, 2, { stride: 1.5 })).toThrow("avg_pool2d: stride must either be a single int, or a tuple of two ints, got 1.5");
    expect(() => maxPool1d(Tensor.empty([1, 4]), 2, { padding: 0.5 })).toThrow("max_pool1d(): padding must be an int, got 0.5");
    expect(() => adaptiveAvgPool2d(x, [2, 2, 2] as unknown as AdaptiveSize)).toThrow("adaptive_avg_pool2d: output_size must be 2");
  });

  it("refuses integer inputs", () => {
    expect(() => maxPool2d(Tensor.empty([1, 4, 4], "int64"), 2)).toThrow("max_pool2d: expected a floating point input, got int64");
  });
});

describe("pooling gradients against finite differences", () => {
  it("avg_pool2d with padding, ceil_mode and count_include_pad=False", () => {
    gradcheck((x) => avgPool2d(x!, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [sample([1, 2, 6, 7])]);
  });

  it("adaptive_avg_pool2d to a size that does not divide the input", () => {
    gradcheck((x) => adaptiveAvgPool2d(x!, [3, 4]), [sample([2, 1, 7, 5])]);
  });

  it("max_pool2d with dilation (distinct values: the argmax is stable under a small step)", () => {
    gradcheck((x) => maxPool2d(x!, 2, { stride: 1, dilation: 2, padding: 1 }), [sample([1, 2, 5, 5])]);
  });
});
