import { afterEach, describe, expect, it } from "vitest";
import { conv1d, conv2d, grad, type ConvOptions, type ConvPadding } from "../../src/autograd/index.js";
import { gemmBackend, setGemmBackend, type GemmBackend } from "../../src/tensor/kernels/gemm.js";
import { Tensor, type FloatStorage } from "../../src/tensor/index.js";
import { expectClose, fromRef, loadFixture, type RefTensor } from "../helpers/fixtures.js";
import { FLOAT32_GEMM_BACKENDS } from "../helpers/gemm_backends.js";
import { gradcheck, sample } from "../helpers/gradcheck.js";

interface ConvCase {
  name: string;
  fn: "conv1d" | "conv2d";
  input: RefTensor;
  weight: RefTensor;
  bias: RefTensor | null;
  options: { stride?: number | number[]; padding?: ConvPadding; dilation?: number | number[]; groups?: number };
  output: RefTensor;
  grad_fn: string;
  grad_output: RefTensor;
  grads: RefTensor[];
}

interface ErrorCase {
  fn: "conv1d" | "conv2d";
  input_shape: number[];
  weight_shape: number[];
  bias_shape: number[] | null;
  options: ConvCase["options"];
  message: string;
}

const fixture = loadFixture<{ cases: ConvCase[]; errors: ErrorCase[] }>("conv.json");
const FNS = { conv1d, conv2d };

const TOL = {
  float64: { rtol: 1e-10, atol: 1e-12 },
  float32: { rtol: 1e-5, atol: 1e-6 },
};

/** float32 runs on every product kernel that works here: TypeScript, WebAssembly SIMD, native. */
const RUNS: { dtype: "float32" | "float64"; backend: GemmBackend }[] = [
  { dtype: "float64", backend: "ts" },
  ...FLOAT32_GEMM_BACKENDS.map((backend) => ({ dtype: "float32" as const, backend })),
];

const initialBackend = gemmBackend();
afterEach(() => {
  setGemmBackend(initialBackend);
});

describe("conv1d and conv2d match PyTorch (conv.json)", () => {
  it("has the generated cases", () => {
    expect(fixture.cases.filter((c) => c.fn === "conv2d").length).toBeGreaterThan(15);
    expect(fixture.cases.filter((c) => c.fn === "conv1d").length).toBeGreaterThan(5);
  });

  for (const c of fixture.cases) {
    for (const { dtype, backend } of RUNS) {
      it(`${c.name} in ${dtype} (${backend} kernel)`, () => {
        setGemmBackend(backend);
        const x = fromRef(c.input, { dtype, requiresGrad: true });
        const w = fromRef(c.weight, { dtype, requiresGrad: true });
        const b = c.bias && fromRef(c.bias, { dtype, requiresGrad: true });
        const out = FNS[c.fn](x, w, b, c.options as ConvOptions);
        expect(out.dtype).toBe(dtype);
        expect(out.gradFn?.name).toBe(c.grad_fn);
        const { rtol, atol } = TOL[dtype];
        expectClose(out, c.output, rtol, atol);
        const wrt = b ? [x, w, b] : [x, w];
        const grads = grad(out, wrt, { gradOutputs: [fromRef(c.grad_output, { dtype })] });
        expect(grads.length).toBe(c.grads.length);
        c.grads.forEach((g, i) => {
          expect(grads[i]!.dtype).toBe(dtype);
          expectClose(grads[i]!, g, rtol, atol);
        });
      });
    }
  }
});

describe("conv argument checks", () => {
  for (const e of fixture.errors) {
    it(`${e.fn} ${JSON.stringify(e.input_shape)} ${JSON.stringify(e.weight_shape)} ${JSON.stringify(e.options)}: ${e.message}`, () => {
      const x = Tensor.empty(e.input_shape);
      const w = Tensor.empty(e.weight_shape);
      const b = e.bias_shape ? Tensor.empty(e.bias_shape) : null;
      expect(() => FNS[e.fn](x, w, b, e.options as ConvOptions)).toThrow(e.message);
    });
  }

  it("names the weight's expected dims when it has the wrong rank", () => {
    expect(() => conv2d(Tensor.empty([1, 3, 5, 5]), Tensor.empty([8, 3, 3]))).toThrow(
      "conv2d: expected a 4-dimensional weight [out_channels, in_channels / groups, kH, kW], but got weight of size [8, 3, 3]",
    );
  });

  it("wants a weight's out channels divisible by groups", () => {
    expect(() => conv2d(Tensor.empty([1, 4, 5, 5]), Tensor.empty([3, 2, 3, 3]), null, { groups: 2 })).toThrow(
      "Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [3, 2, 3, 3] instead",
    );
  });

  it("wants input, weight and bias of one floating dtype, as PyTorch says", () => {
    const x = Tensor.empty([1, 3, 5, 5]);
    const w = Tensor.empty([8, 3, 3, 3]);
    expect(() => conv2d(x, Tensor.empty([8, 3, 3, 3], "float64"))).toThrow("expected scalar type Float but found Double");
    expect(() => conv2d(Tensor.empty([1, 3, 5, 5], "float64"), w)).toThrow("expected scalar type Double but found Float");
    expect(() => conv2d(x, w, Tensor.empty([8], "float64"))).toThrow("Input type (float) and bias type (double) should be the same");
    expect(() => conv2d(Tensor.empty([1, 3, 5, 5], "int64"), Tensor.empty([8, 3, 3, 3], "int64"))).toThrow(
      "conv2d: expected a floating point input, but got int64",
    );
  });

  it("rejects non-integer arguments", () => {
    const x = Tensor.empty([1, 3, 5, 5]);
    const w = Tensor.empty([8, 3, 3, 3]);
    expect(() => conv2d(x, w, null, { stride: 1.5 })).toThrow("conv2d: stride must be integers, got [1.5, 1.5]");
    expect(() => conv2d(x, w, null, { groups: 0.5 })).toThrow("conv2d: groups must be an integer, got 0.5");
  });
});

describe("conv shapes", () => {
  it("takes an empty batch: no output, zero weight gradient", () => {
    const x = sample([0, 3, 5, 5]);
    const w = sample([8, 3, 3, 3], 2);
    const b = sample([8], 3);
    const out = conv2d(x, w, b);
    expect([...out.shape]).toEqual([0, 8, 3, 3]);
    const [gx, gw, gb] = grad(out, [x, w, b], { gradOutputs: [Tensor.empty([0, 8, 3, 3], "float64")] });
    expect([...gx!.shape]).toEqual([0, 3, 5, 5]);
    expect(Array.from(gw!.data as FloatStorage).every((v) => v === 0)).toBe(true);
    expect(Array.from(gb!.data as FloatStorage).every((v) => v === 0)).toBe(true);
  });

  it("records nothing when no input wants a gradient, and computes only the gradients asked for", () => {
    const x = sample([2, 3, 5, 5]);
    x.requiresGrad = false;
    const w = sample([4, 3, 3, 3], 2);
    w.requiresGrad = false;
    expect(conv2d(x, w).gradFn).toBeNull();
    w.requiresGrad = true;
    const out = conv2d(x, w, null, { padding: 1 });
    const [gw] = grad(out, [w], { gradOutputs: [sample(out.shape, 4)] });
    expect([...gw!.shape]).toEqual([4, 3, 3, 3]);
  });
});

describe("conv gradients against finite differences (float64)", () => {
  const CASES: [string, (x: Tensor, w: Tensor, b: Tensor) => Tensor, number[], number[]][] = [
    ["conv2d stride 2 padding 1", (x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1 }), [2, 2, 5, 6], [3, 2, 3, 3]],
    ["conv2d same even kernel, dilation", (x, w, b) => conv2d(x, w, b, { padding: "same", dilation: [1, 2] }), [1, 2, 4, 5], [2, 2, 2, 2]],
    ["conv2d groups 2", (x, w, b) => conv2d(x, w, b, { groups: 2, padding: [0, 1] }), [2, 4, 4, 3], [4, 2, 2, 3]],
    ["conv2d 1x1", (x, w, b) => conv2d(x, w, b), [2, 3, 3, 2], [2, 3, 1, 1]],
    ["conv1d depthwise stride 2", (x, w, b) => conv1d(x, w, b, { groups: 3, stride: 2, padding: 1 }), [2, 3, 7], [6, 1, 3]],
    ["conv1d unbatched same", (x, w, b) => conv1d(x, w, b, { padding: "same" }), [2, 6], [3, 2, 4]],
  ];
  for (const [name, f, xShape, wShape] of CASES) {
    it(name, () => {
      gradcheck((x, w, b) => f(x!, w!, b!), [sample(xShape, 1), sample(wShape, 2), sample([wShape[0]!], 3)]);
    });
  }
});
