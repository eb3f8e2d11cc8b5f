import { describe, expect, it } from "vitest";
import { noGrad } from "../../src/autograd/index.js";
import { buildModel, formatPath, parseModelSpec, resolveModel, type LayerSpecInput } from "../../src/schema/index.js";
import { rand } from "../../src/tensor/index.js";
import { loadFixture, type RefTensor } from "../helpers/fixtures.js";
import { specError } from "../helpers/spec_error.js";

interface Case {
  name: string;
  input_shape: number[];
  layers: LayerSpecInput[];
  output_shapes: number[][];
  params: number[];
  num_params: number;
  state_dict: Record<string, { shape: number[]; dtype: string }>;
  repr: string;
  seed?: number;
  weights?: Record<string, RefTensor>;
}

const { cases } = loadFixture<{ cases: Case[] }>("layer_specs.json");

const resolve = (input_shape: number[], layers: LayerSpecInput[]) => resolveModel(parseModelSpec({ input_shape, layers }));
const errorOf = (input_shape: number[], layers: LayerSpecInput[]) => specError(() => resolve(input_shape, layers));

describe.each(cases)("the $name model spec, against PyTorch", (c) => {
  const built = buildModel(parseModelSpec({ input_shape: c.input_shape, layers: c.layers, ...(c.seed === undefined ? {} : { seed: c.seed }) }));

  it("infers each layer's output shape and parameter count as PyTorch's modules have them", () => {
    expect(built.layers.map((l) => l.output_shape)).toEqual(c.output_shapes);
    expect(built.layers.map((l) => l.num_params)).toEqual(c.params);
    expect(built.numParams).toBe(c.num_params);
    expect(built.trainableParams).toBe(c.num_params);
    expect(built.module.parameters().reduce((n, p) => n + p.numel(), 0)).toBe(c.num_params);
  });

  it("builds PyTorch's modules: the same repr and state-dict keys, shapes and dtypes (buffers too)", () => {
    expect(built.repr).toBe(c.repr);
    const state = built.module.stateDict();
    expect(Object.keys(state)).toEqual(Object.keys(c.state_dict));
    for (const [key, t] of Object.entries(state)) expect({ shape: t.shape, dtype: t.dtype }, key).toEqual(c.state_dict[key]);
    const bufferValues = built.module.buffers().reduce((n, b) => n + b.numel(), 0);
    expect(built.numBufferValues).toBe(bufferValues);
  });

  it("computes the inferred shapes in a forward pass, training and evaluating", () => {
    const x = rand([3, ...c.input_shape]);
    for (const mode of [true, false]) {
      built.module.train(mode);
      expect(noGrad(() => built.module.forward(x)).shape).toEqual([3, ...built.outputShape]);
    }
  });

  it.runIf(c.weights !== undefined)("draws PyTorch's initial weights for the seed, bit for bit", () => {
    const fresh = buildModel(parseModelSpec({ input_shape: c.input_shape, layers: c.layers, seed: c.seed! }));
    for (const [key, t] of Object.entries(fresh.module.stateDict())) {
      expect(Array.from(t.data as ArrayLike<number | bigint>, Number), key).toEqual(c.weights![key]!.data);
    }
  });
});

describe("pytorch/examples' MNIST Net", () => {
  it("has PyTorch's 1,199,882 parameters, 9216 of them reaching the first Linear", () => {
    const mnist = cases.find((c) => c.name === "mnist")!;
    const resolved = resolve(mnist.input_shape, mnist.layers);
    expect(resolved.numParams).toBe(1_199_882);
    expect(resolved.resolvedSpec.layers[7]).toEqual({ type: "Linear", in_features: 9216, out_features: 128, bias: true });
  });
});

describe("resolved specs", () => {
  it("fill in in_channels and num_features and every default, in PyTorch's argument order", () => {
    const { resolvedSpec } = resolve([3, 8, 8], [{ type: "Conv2d", out_channels: 4, kernel_size: 3 }, { type: "BatchNorm2d" }, { type: "MaxPool2d", kernel_size: 2 }]);
    expect(resolvedSpec.layers).toEqual([
      { type: "Conv2d", in_channels: 3, out_channels: 4, kernel_size: 3, stride: 1, padding: 0, dilation: 1, groups: 1, bias: true },
      { type: "BatchNorm2d", num_features: 4, eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true },
      { type: "MaxPool2d", kernel_size: 2, stride: null, padding: 0, dilation: 1, ceil_mode: false },
    ]);
    expect(Object.keys(resolvedSpec.layers[0]!)).toEqual(["type", "in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias"]);
  });

  it("take in_channels and num_features that agree, and resolve to the same spec again", () => {
    const layers: LayerSpecInput[] = [{ type: "Conv1d", in_channels: 2, out_channels: 4, kernel_size: [3] }, { type: "BatchNorm1d", num_features: 4 }];
    const { resolvedSpec } = resolve([2, 10], layers);
    expect(resolve([2, 10], resolvedSpec.layers).resolvedSpec).toEqual(resolvedSpec);
  });

  it("count BatchNorm's running statistics as buffer values, not parameters", () => {
    const resolved = resolve([3, 4, 4], [{ type: "BatchNorm2d" }, { type: "BatchNorm2d", affine: false }, { type: "BatchNorm2d", track_running_stats: false }]);
    expect(resolved.layers.map((l) => l.num_params)).toEqual([6, 0, 6]);
    expect(resolved.numBufferValues).toBe(2 * 7);
  });

  it("count a forward pass's multiply-adds: a convolution's weights at every output position, a pooling's windows", () => {
    const resolved = resolve([1, 5, 5], [{ type: "Conv2d", out_channels: 2, kernel_size: 3 }, { type: "MaxPool2d", kernel_size: 3 }, { type: "Flatten" }, { type: "Linear", out_features: 4 }]);
    expect(resolved.layers.map((l) => l.output_shape)).toEqual([[2, 3, 3], [2, 1, 1], [2], [4]]);
    expect(resolved.forwardWork).toBe(2 * 9 * 9 + 2 * 9 + 0 + 12);
    expect(resolve([50], [{ type: "Linear", out_features: 3 }]).forwardWork).toBe(153);
  });

  it("keep a size given as a list, and null output sizes of AdaptiveAvgPool2d keep the input's", () => {
    expect(resolve([1, 5, 9], [{ type: "Conv2d", out_channels: 2, kernel_size: [1, 3], stride: [1, 2] }]).outputShape).toEqual([2, 5, 4]);
    expect(resolve([1, 5, 9], [{ type: "AdaptiveAvgPool2d", output_size: [null, 3] }]).outputShape).toEqual([1, 5, 3]);
    expect(resolve([1, 5, 9], [{ type: "AdaptiveAvgPool2d", output_size: 7 }]).outputShape).toEqual([1, 7, 7]);
  });
});

describe("shape errors name the layer's field", () => {
  it("a kernel larger than its input", () => {
    const layers: LayerSpecInput[] = [
      { type: "Conv2d", out_channels: 4, kernel_size: 3 },
      { type: "ReLU" },
      { type: "MaxPool2d", kernel_size: 2 },
      { type: "Conv2d", out_channels: 4, kernel_size: 5 },
    ];
    const e = errorOf([1, 10, 10], layers);
    expect(formatPath(e.path)).toBe("layers[3].kernel_size");
    expect(e.message).toBe("kernel_size 5 does not fit a 4×4 input");
    layers[3] = { type: "Conv2d", out_channels: 4, kernel_size: [3, 3], padding: 1, dilation: [1, 3] };
    expect(errorOf([1, 10, 10], layers).message).toBe("kernel_size [3, 3] does not fit a 4×4 input, padded to 6×6 (with dilation [1, 3] it spans 3×7)");
    expect(errorOf([2, 4], [{ type: "Conv1d", out_channels: 1, kernel_size: 7, padding: 1 }]).message).toBe(
      "kernel_size 7 does not fit an input of length 4, padded to length 6",
    );
    const pool = errorOf([2, 3, 3], [{ type: "AvgPool2d", kernel_size: [2, 4] }]);
    expect(pool.path).toEqual(["layers", 0, "kernel_size"]);
    expect(pool.message).toBe("kernel_size [2, 4] does not fit a 3×3 input");
    expect(errorOf([2, 3], [{ type: "MaxPool1d", kernel_size: 2, dilation: 3 }]).path).toEqual(["layers", 0, "kernel_size"]);
  });

  it("a kernel that fits once padded, or with padding 'same' whatever its size", () => {
    expect(resolve([1, 4, 4], [{ type: "Conv2d", out_channels: 1, kernel_size: 5, padding: 1 }]).outputShape).toEqual([1, 2, 2]);
    expect(resolve([1, 4, 4], [{ type: "Conv2d", out_channels: 1, kernel_size: 9, padding: "same" }]).outputShape).toEqual([1, 4, 4]);
  });

  it("padding 'same' with a stride, and pooling padding over half the kernel", () => {
    let e = errorOf([1, 8, 8], [{ type: "Conv2d", out_channels: 1, kernel_size: 3, stride: [1, 2], padding: "same" }]);
    expect(e.path).toEqual(["layers", 0, "padding"]);
    expect(e.message).toBe('padding "same" needs stride 1: PyTorch does not support it for strided convolutions');
    e = errorOf([1, 8, 8], [{ type: "MaxPool2d", kernel_size: 3, padding: [1, 2] }]);
    expect(e.path).toEqual(["layers", 0, "padding"]);
    expect(e.message).toBe("padding [1, 2] should be at most half of kernel_size 3");
  });

  it("channels not divisible by groups", () => {
    let e = errorOf([6, 8], [{ type: "Conv1d", out_channels: 4, kernel_size: 3, groups: 4 }]);
    expect(e.path).toEqual(["layers", 0, "groups"]);
    expect(e.message).toBe("in_channels 6 is not divisible by groups 4");
    e = errorOf([6, 8], [{ type: "Conv1d", out_channels: 4, kernel_size: 3, groups: 3 }]);
    expect(e.message).toBe("out_channels 4 is not divisible by groups 3");
  });

  it("in_channels and num_features that disagree with what reaches the layer", () => {
    let e = errorOf([3, 8, 8], [{ type: "Conv2d", in_channels: 1, out_channels: 4, kernel_size: 3 }]);
    expect(e.path).toEqual(["layers", 0, "in_channels"]);
    expect(e.message).toBe("in_channels is 1 but input_shape gives 3 channels");
    e = errorOf([3, 8, 8], [{ type: "Conv2d", out_channels: 4, kernel_size: 3 }, { type: "BatchNorm2d", num_features: 3 }]);
    expect(e.path).toEqual(["layers", 1, "num_features"]);
    expect(e.message).toBe("num_features is 3 but the previous layer gives 4 channels");
  });

  it("a rank the layer does not take", () => {
    let e = errorOf([50], [{ type: "Conv2d", out_channels: 4, kernel_size: 3 }]);
    expect(e.path).toEqual(["layers", 0, "type"]);
    expect(e.message).toBe("Conv2d takes input of shape [N, C, H, W], but input_shape gives [N, 50]");
    e = errorOf([1, 8, 8], [{ type: "Flatten" }, { type: "MaxPool1d", kernel_size: 2 }]);
    expect(e.message).toBe("MaxPool1d takes input of shape [N, C, L], but the previous layer gives [N, 64]");
    e = errorOf([4, 8], [{ type: "BatchNorm2d" }]);
    expect(e.message).toBe("BatchNorm2d takes input of shape [N, C, H, W], but input_shape gives [N, 4, 8]");
    e = errorOf([4, 8, 8], [{ type: "BatchNorm1d" }]);
    expect(e.message).toBe("BatchNorm1d takes input of shape [N, C] or [N, C, L], but input_shape gives [N, 4, 8, 8]");
    for (const layer of [
      { type: "Conv1d", out_channels: 1, kernel_size: 1 },
      { type: "MaxPool2d", kernel_size: 1 },
      { type: "AvgPool2d", kernel_size: 1 },
      { type: "AdaptiveAvgPool2d", output_size: 1 },
      { type: "Dropout2d" },
    ] as LayerSpecInput[]) {
      expect(errorOf([4], [layer]).path, layer.type).toEqual(["layers", 0, "type"]);
    }
  });
});

describe("Zod rejects bad arguments with their paths", () => {
  const pathOf = (layer: unknown) => formatPath(specError(() => parseModelSpec({ input_shape: [1, 8, 8], layers: [layer as LayerSpecInput] })).path);

  it("sizes below their minimum, lists of the wrong length, unknown padding strings and fields", () => {
    expect(pathOf({ type: "Conv2d", out_channels: 4 })).toBe("layers[0].kernel_size");
    expect(pathOf({ type: "Conv2d", out_channels: 4, kernel_size: 0 })).toBe("layers[0].kernel_size");
    expect(pathOf({ type: "Conv2d", out_channels: 4, kernel_size: [3, 3, 3] })).toBe("layers[0].kernel_size");
    expect(pathOf({ type: "Conv1d", out_channels: 4, kernel_size: [3, 3] })).toBe("layers[0].kernel_size");
    expect(pathOf({ type: "Conv2d", out_channels: 4, kernel_size: 3, padding: "full" })).toBe("layers[0].padding");
    expect(pathOf({ type: "Conv2d", out_channels: 4, kernel_size: 3, padding: -1 })).toBe("layers[0].padding");
    expect(pathOf({ type: "Conv2d", out_channels: 4, kernel_size: 3, groups: 0 })).toBe("layers[0].groups");
    expect(pathOf({ type: "MaxPool2d", kernel_size: 2, stride: 0 })).toBe("layers[0].stride");
    expect(pathOf({ type: "AdaptiveAvgPool2d", output_size: [0, 1] })).toBe("layers[0].output_size[0]");
    expect(pathOf({ type: "BatchNorm2d", momentum: 2 })).toBe("layers[0].momentum");
    expect(pathOf({ type: "BatchNorm2d", eps: 0 })).toBe("layers[0].eps");
    expect(pathOf({ type: "Dropout2d", p: 1.5 })).toBe("layers[0].p");
  });
});
