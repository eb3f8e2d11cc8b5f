import { describe, expect, it } from "vitest";
import { F, fromTypedArray, Generator, manualSeed, nn, rand, type Tensor } from "../../src/index.js";
import { expectClose, fromRef, loadFixture, type RefTensor } from "../helpers/fixtures.js";

interface PoolCase {
  name: string;
  fn: string;
  input: RefTensor;
  options: {
    kernel_size?: number | [number, number];
    stride?: number | [number, number];
    padding?: number | [number, number];
    dilation?: number | [number, number];
    ceil_mode?: boolean;
    count_include_pad?: boolean;
    divisor_override?: number;
    output_size?: number | [number | null, number | null];
  };
  output: RefTensor;
}

const pooling = loadFixture<{ cases: PoolCase[]; reprs: Record<string, string> }>("pooling.json");

/** The module PyTorch's functional call of a fixture case corresponds to. */
function moduleFor(c: PoolCase): nn.Module {
  const o = c.options;
  switch (c.fn) {
    case "max_pool1d":
      return new nn.MaxPool1d(o.kernel_size as number, {
        stride: o.stride as number | undefined,
        padding: o.padding as number | undefined,
        dilation: o.dilation as number | undefined,
        ceilMode: o.ceil_mode,
      });
    case "max_pool2d":
      return new nn.MaxPool2d(o.kernel_size!, { stride: o.stride, padding: o.padding, dilation: o.dilation, ceilMode: o.ceil_mode });
    case "avg_pool2d":
      return new nn.AvgPool2d(o.kernel_size!, {
        stride: o.stride,
        padding: o.padding,
        ceilMode: o.ceil_mode,
        countIncludePad: o.count_include_pad,
        divisorOverride: o.divisor_override,
      });
    default:
      return new nn.AdaptiveAvgPool2d(o.output_size!);
  }
}

describe("pooling modules", () => {
  for (const c of pooling.cases.filter((c) => !c.name.includes("nan"))) {
    it(`${c.name} as a module computes PyTorch's output`, () => {
      expectClose(moduleFor(c).forward(fromRef(c.input, { dtype: "float32" })), c.output, 1e-6, 1e-6);
    });
  }

  it("print PyTorch 1.13's reprs", () => {
    const modules: Record<string, nn.Module> = {
      "MaxPool2d(2)": new nn.MaxPool2d(2),
      "MaxPool2d((2, 3), padding=1)": new nn.MaxPool2d([2, 3], { padding: 1 }),
      "MaxPool2d(3, stride=2, padding=1, dilation=2, ceil_mode=True)": new nn.MaxPool2d(3, { stride: 2, padding: 1, dilation: 2, ceilMode: true }),
      "MaxPool1d(3, 2)": new nn.MaxPool1d(3, { stride: 2 }),
      "AvgPool2d(2)": new nn.AvgPool2d(2),
      "AvgPool2d(3, stride=(2, 1), padding=1, ceil_mode=True, count_include_pad=False, divisor_override=2)": new nn.AvgPool2d(3, {
        stride: [2, 1],
        padding: 1,
        ceilMode: true,
        countIncludePad: false,
        divisorOverride: 2,
      }),
      "AdaptiveAvgPool2d(5)": new nn.AdaptiveAvgPool2d(5),
      "AdaptiveAvgPool2d((None, 7))": new nn.AdaptiveAvgPool2d([null, 7]),
    };
    expect(Object.keys(modules).sort()).toEqual(Object.keys(pooling.reprs).sort());
    for (const [call, repr] of Object.entries(pooling.reprs)) expect(String(modules[call]), call).toBe(repr);
  });

  it("hold no parameters or buffers", () => {
    expect(Object.keys(new nn.MaxPool2d(2).stateDict())).toEqual([]);
    expect(new nn.AdaptiveAvgPool2d(1).parameters()).toEqual([]);
  });
});

interface Dropout2dCase {
  seed: number;
  shape: number[];
  p: number;
  module: boolean;
  outputs: number[][];
  rand_after: number[];
}

const dropout2d = loadFixture<{ cases: Dropout2dCase[] }>("dropout2d.json").cases;

/** 0.7 + i/7 in float32, as the generator script builds its input. */
function values(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromTypedArray(Float32Array.from({ length: n }, (_, i) => Math.fround(0.7) + Math.fround(i / 7)), shape);
}

describe("Dropout2d", () => {
  for (const c of dropout2d) {
    it(`${c.module ? "nn.Dropout2d" : "F.dropout2d"}(p=${c.p}) on ${JSON.stringify(c.shape)} after manualSeed(${c.seed}): PyTorch's channels, bit for bit`, () => {
      manualSeed(c.seed);
      const module = new nn.Dropout2d(c.p);
      const x = values(c.shape);
      const outputs = c.outputs.map(() => (c.module ? module.forward(x) : F.dropout2d(x, c.p)));
      outputs.forEach((y, i) => expect(Array.from(y.data as Float32Array)).toEqual(c.outputs[i]));
      expect(Array.from(rand([3]).data as Float32Array)).toEqual(c.rand_after);
    });
  }

  it("zeroes whole channels", () => {
    const y = F.dropout2d(fromTypedArray(new Float32Array(2 * 8 * 5).fill(1), [2, 8, 5]), 0.5, true, new Generator().manualSeed(1));
    const d = y.data as Float32Array;
    for (let ch = 0; ch < 16; ch++) expect(new Set(d.subarray(ch * 5, ch * 5 + 5)).size).toBe(1);
    expect(new Set(d)).toEqual(new Set([0, 2]));
  });

  it("is the identity in eval mode, and draws from the generator it is given", () => {
    const x = values([2, 3, 2, 2]);
    const module = new nn.Dropout2d(0.5, { generator: new Generator().manualSeed(9) });
    expect(module.eval().forward(x)).toBe(x);
    module.train();
    manualSeed(0);
    const y = module.forward(x);
    expect(Array.from(y.data as Float32Array)).toEqual(Array.from(F.dropout2d(x, 0.5, true, new Generator().manualSeed(9)).data as Float32Array));
    expect(String(module)).toBe("Dropout2d(p=0.5, inplace=False)");
  });

  it("checks its arguments with PyTorch's messages", () => {
    expect(() => new nn.Dropout2d(1.5)).toThrow("dropout probability has to be between 0 and 1, but got 1.5");
    expect(() => F.dropout2d(values([3]), 0.5)).toThrow("Feature dropout requires at least 2 dimensions in the input");
  });
});
