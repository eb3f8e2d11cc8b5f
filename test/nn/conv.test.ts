import { describe, expect, it } from "vitest";
import * as nn from "../../src/nn/index.js";
import * as F from "../../src/nn/functional/index.js";
import { defaultGenerator, Generator, manualSeed, rand, type FloatStorage, type Tensor } from "../../src/tensor/index.js";
import { expectClose, fromRef, loadFixture, type RefTensor } from "../helpers/fixtures.js";

type Kwargs = Record<string, number | number[] | string | boolean>;

interface InitCase {
  module: "Conv1d" | "Conv2d";
  args: [number, number, number | number[]];
  kwargs: Kwargs;
  seed: number;
  weight: RefTensor;
  bias: RefTensor | null;
}

interface ReprCase {
  module: "Conv1d" | "Conv2d";
  args: [number, number, number | number[]];
  kwargs: Kwargs;
  repr: string;
}

interface ConvCase {
  name: string;
  fn: "conv1d" | "conv2d";
  input: RefTensor;
  weight: RefTensor;
  bias: RefTensor | null;
  options: { stride?: number | number[]; padding?: F.ConvPadding; dilation?: number | number[]; groups?: number };
  output: RefTensor;
}

const fixture = loadFixture<{ cases: ConvCase[]; init: InitCase[]; reprs: ReprCase[] }>("conv.json");
const MODULES = { Conv1d: nn.Conv1d, Conv2d: nn.Conv2d };

function values(t: Tensor): number[] {
  return Array.from(t.data as FloatStorage);
}

/** PyTorch's keyword arguments as Kiln's options. */
function options(kwargs: Kwargs, extra: nn.ConvModuleOptions = {}): nn.ConvModuleOptions {
  const names: Record<string, string> = { padding_mode: "paddingMode" };
  return { ...Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [names[k] ?? k, v])), ...extra };
}

function build(c: { module: "Conv1d" | "Conv2d"; args: InitCase["args"]; kwargs: Kwargs }, extra: nn.ConvModuleOptions = {}) {
  const [inChannels, outChannels, kernelSize] = c.args;
  return new MODULES[c.module](inChannels, outChannels, kernelSize, options(c.kwargs, extra));
}

describe("nn.Conv1d and nn.Conv2d initial weights", () => {
  for (const c of fixture.init) {
    it(`${c.module}(${c.args.join(", ")}, ${JSON.stringify(c.kwargs)}) after manualSeed(${c.seed}) is PyTorch's, bit for bit`, () => {
      manualSeed(c.seed);
      const m = build(c);
      expect([...m.weight.shape]).toEqual(c.weight.shape);
      expect(m.weight.dtype).toBe(c.weight.dtype);
      expect(values(m.weight)).toEqual(c.weight.data);
      if (c.bias) expect(values(m.bias!)).toEqual(c.bias.data);
      else expect(m.bias).toBeNull();
      expect(Object.keys(m.stateDict())).toEqual(c.bias ? ["weight", "bias"] : ["weight"]);
    });
  }

  it("draws from its own generator when given one, and leaves zeros without drawing when it is null", () => {
    const c = fixture.init[0]!;
    const m = build(c, { generator: new Generator().manualSeed(c.seed) });
    expect(values(m.weight)).toEqual(c.weight.data);
    manualSeed(3);
    const expected = rand([4]).tolist();
    manualSeed(3);
    const skipped = build(c, { generator: null });
    expect(values(skipped.weight).every((v) => v === 0)).toBe(true);
    expect(values(skipped.bias!).every((v) => v === 0)).toBe(true);
    expect(rand([4]).tolist()).toEqual(expected);
    skipped.resetParameters(new Generator().manualSeed(c.seed));
    expect(values(skipped.weight)).toEqual(c.weight.data);
  });

  it("draws nothing for an empty weight, as PyTorch's kaiming_uniform_ does", () => {
    const before = defaultGenerator.getState();
    const m = new nn.Conv2d(0, 4, 3);
    expect([...m.weight.shape]).toEqual([4, 0, 3, 3]);
    expect(values(m.bias!)).toEqual([0, 0, 0, 0]);
    expect(defaultGenerator.getState()).toEqual(before);
  });
});

describe("nn.Conv1d and nn.Conv2d reprs", () => {
  for (const c of fixture.reprs) {
    it(c.repr, () => {
      expect(build(c, { generator: null }).toString()).toBe(c.repr);
    });
  }
});

describe("nn.Conv1d and nn.Conv2d forward", () => {
  for (const c of fixture.cases) {
    it(`${c.name}: the module with these weights gives F.${c.fn}'s output`, () => {
      const [outChannels, groupChannels, ...kernel] = c.weight.shape as [number, number, ...number[]];
      const groups = c.options.groups ?? 1;
      const Module = c.fn === "conv1d" ? nn.Conv1d : nn.Conv2d;
      const m = new Module(groupChannels * groups, outChannels, kernel, {
        ...c.options,
        bias: c.bias !== null,
        dtype: "float64",
        generator: null,
      });
      const state: Record<string, Tensor> = { weight: fromRef(c.weight) };
      if (c.bias) state["bias"] = fromRef(c.bias);
      m.loadStateDict(state);
      const out = m.forward(fromRef(c.input));
      expectClose(out, c.output, 1e-10, 1e-12);
      expect(out.gradFn?.name).toBe(c.input.shape.length === kernel.length + 1 ? "SqueezeBackward1" : "ConvolutionBackward0");
    });
  }

  it("is exported as nn.Conv1d / nn.Conv2d and F.conv1d / F.conv2d", () => {
    expect(typeof F.conv1d).toBe("function");
    expect(typeof F.conv2d).toBe("function");
    expect(new nn.Conv2d(1, 32, 3, { generator: null }).parameters().map((p) => [...p.shape])).toEqual([[32, 1, 3, 3], [32]]);
  });
});

describe("nn.Conv1d and nn.Conv2d argument checks", () => {
  const cases: [string, () => unknown, string][] = [
    ["groups 0", () => new nn.Conv2d(3, 8, 3, { groups: 0 }), "groups must be a positive integer"],
    ["in_channels not divisible", () => new nn.Conv2d(3, 8, 3, { groups: 2 }), "in_channels must be divisible by groups"],
    ["out_channels not divisible", () => new nn.Conv2d(4, 7, 3, { groups: 2 }), "out_channels must be divisible by groups"],
    [
      "a padding string",
      () => new nn.Conv2d(4, 8, 3, { padding: "foo" as "same" }),
      "Invalid padding string 'foo', should be one of {'valid', 'same'}",
    ],
    [
      "same with stride 2",
      () => new nn.Conv2d(4, 8, 3, { padding: "same", stride: 2 }),
      "padding='same' is not supported for strided convolutions",
    ],
    [
      "an unknown padding mode",
      () => new nn.Conv2d(4, 8, 3, { paddingMode: "foo" as "zeros" }),
      "padding_mode must be one of {'zeros', 'replicate', 'reflect', 'circular'}, but got padding_mode='foo'",
    ],
    [
      "reflect padding",
      () => new nn.Conv2d(4, 8, 3, { paddingMode: "reflect" }),
      "Conv2d: padding_mode='reflect' is not supported yet, only 'zeros'",
    ],
    [
      "a 3-d kernel",
      () => new nn.Conv2d(4, 8, [3, 3, 3]),
      "Conv2d: kernel_size must be a positive integer or a list of 2, got [3, 3, 3]",
    ],
    ["kernel 0", () => new nn.Conv1d(4, 8, 0), "Conv1d: kernel_size must be a positive integer or a list of one, got 0"],
    ["stride 0", () => new nn.Conv2d(4, 8, 3, { stride: [1, 0] }), "Conv2d: stride must be a positive integer or a list of 2, got [1, 0]"],
    ["negative padding", () => new nn.Conv1d(4, 8, 3, { padding: -1 }), "Conv1d: padding must be a non-negative integer or a list of one, got -1"],
    ["fractional channels", () => new nn.Conv2d(2.5, 8, 3), "Conv2d: in_channels must be a non-negative integer, got 2.5"],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => {
      expect(make).toThrow(message);
    });
  }

  it("a forward through a module checks its input as F.conv2d does", () => {
    const m = new nn.Conv2d(3, 8, 3, { generator: null });
    expect(() => m.forward(fromRef({ shape: [1, 4, 5, 5], dtype: "float32", data: new Array<number>(100).fill(0) }))).toThrow(
      "Given groups=1, weight of size [8, 3, 3, 3], expected input[1, 4, 5, 5] to have 3 channels, but got 4 channels instead",
    );
  });
});
