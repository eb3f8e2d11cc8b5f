import { describe, expect, it } from "vitest";
import { noGrad } from "../../src/autograd/index.js";
import * as nn from "../../src/nn/index.js";
import { Generator, manualSeed, ones, rand } from "../../src/tensor/index.js";
import {
  buildModel,
  parseModelSpec,
  formatPath,
  LAYER_TYPES,
  ModelSpec,
  NeuralNetwork,
  resolveModel,
  weightsGenerator,
  type LayerSpecInput,
  type ModelSpecInput,
} from "../../src/schema/index.js";
import { expectClose } from "../helpers/fixtures.js";
import { SEED_MODEL, seedMlp } from "../helpers/seed.js";
import { specError } from "../helpers/spec_error.js";

/** A tensor's elements as numbers. */
function values(t: { data: ArrayLike<number> | BigInt64Array }): number[] {
  return Array.from(t.data as ArrayLike<number>, Number);
}

const mlp = seedMlp();

const seedSpec = SEED_MODEL;

function expectWeights(module: nn.Module): void {
  const sd = module.stateDict();
  expect(Object.keys(sd)).toEqual(Object.keys(mlp.state_dict));
  for (const [key, ref] of Object.entries(mlp.state_dict)) {
    expect(sd[key]!.shape, key).toEqual(ref.shape);
    expect(Array.from(sd[key]!.data as Float32Array), key).toEqual(ref.data);
  }
}

describe("buildModel: the seed's NeuralNetwork(50, 3)", () => {
  const built = buildModel(parseModelSpec(seedSpec));

  it("counts 2213 parameters, all trainable", () => {
    expect(built.numParams).toBe(2213);
    expect(built.numParams).toBe(mlp.num_params);
    expect(built.trainableParams).toBe(2213);
    expect(built.module.parameters().reduce((n, p) => n + p.numel(), 0)).toBe(2213);
  });

  it("prints PyTorch's repr", () => {
    expect(built.module).toBeInstanceOf(NeuralNetwork);
    expect(String(built.module)).toBe(mlp.repr);
    expect(built.repr).toBe(mlp.repr);
  });

  it("draws PyTorch's initial weights for the spec's seed, bit for bit", () => {
    expectWeights(built.module);
  });

  it("draws them from the global generator after manualSeed(123) when the spec has no seed", () => {
    const { seed: _seed, ...unseeded } = seedSpec;
    manualSeed(123);
    expectWeights(buildModel(parseModelSpec(unseeded)).module);
  });

  it("draws them from a generator given in the options", () => {
    const g = new Generator().manualSeed(123);
    manualSeed(0); // the global generator is not used
    expectWeights(buildModel(parseModelSpec({ ...seedSpec, seed: 999 }), { generator: g }).module);
    // the generator advanced past the weights: 1500 + 30 + 600 + 20 + 60 + 3 draws
    const fresh = new Generator().manualSeed(123);
    buildModel(parseModelSpec(seedSpec), { generator: fresh });
    expect(values(rand([3], { generator: g }))).toEqual(values(rand([3], { generator: fresh })));
  });

  it("draws nothing and leaves the weights zero with generator null (weights loaded next)", () => {
    manualSeed(5);
    const { seed: _seed, ...unseeded } = seedSpec;
    const model = buildModel(parseModelSpec(unseeded), { generator: null });
    expect(model.generator).toBeNull();
    for (const p of model.module.parameters()) expect((p.data as Float32Array).every((v) => v === 0)).toBe(true);
    // the global generator was not touched
    const drawn = values(rand([3]));
    manualSeed(5);
    expect(drawn).toEqual(values(rand([3])));
  });

  it("computes the seed's logits", () => {
    const module = buildModel(parseModelSpec(seedSpec)).module;
    manualSeed(123);
    const X = rand([1, 50]);
    expectClose(noGrad(() => module.forward(X)), mlp.logits, 1e-5, 1e-7);
  });

  it("reports each layer's output shape per sample and parameter count", () => {
    expect(built.layers).toEqual([
      { index: 0, type: "Linear", output_shape: [30], num_params: 1530 },
      { index: 1, type: "ReLU", output_shape: [30], num_params: 0 },
      { index: 2, type: "Linear", output_shape: [20], num_params: 620 },
      { index: 3, type: "ReLU", output_shape: [20], num_params: 0 },
      { index: 4, type: "Linear", output_shape: [3], num_params: 63 },
    ]);
    expect(built.inputShape).toEqual([50]);
    expect(built.outputShape).toEqual([3]);
  });

  it("fills in every Linear's in_features and every default in the resolved spec", () => {
    expect(built.resolvedSpec).toEqual({
      input_shape: [50],
      layers: [
        { type: "Linear", in_features: 50, out_features: 30, bias: true },
        { type: "ReLU" },
        { type: "Linear", in_features: 30, out_features: 20, bias: true },
        { type: "ReLU" },
        { type: "Linear", in_features: 20, out_features: 3, bias: true },
      ],
      seed: 123,
    });
    // the resolved spec is itself a valid spec and builds the same model
    expect(ModelSpec.parse(built.resolvedSpec)).toEqual(built.resolvedSpec);
    expectWeights(buildModel(parseModelSpec(built.resolvedSpec)).module);
  });

  it("prints a summary table", () => {
    expect(built.summary).toBe(
      [
        "Layer (type)  Output shape  Param #",
        "===================================",
        "input         [N, 50]",
        "0: Linear     [N, 30]         1,530",
        "1: ReLU       [N, 30]             0",
        "2: Linear     [N, 20]           620",
        "3: ReLU       [N, 20]             0",
        "4: Linear     [N, 3]             63",
        "===================================",
        "Total params: 2,213",
        "Trainable params: 2,213",
        "Non-trainable params: 0",
      ].join("\n"),
    );
  });
});

describe("buildModel: every layer type", () => {
  const spec: ModelSpecInput = {
    name: "everything",
    input_shape: [2, 3, 4],
    layers: [
      { type: "Flatten" },
      { type: "Linear", out_features: 8, bias: false },
      { type: "LeakyReLU", negative_slope: 0.2 },
      { type: "LayerNorm" },
      { type: "GELU", approximate: "tanh" },
      { type: "Dropout", p: 0.25 },
      { type: "Sigmoid" },
      { type: "Tanh" },
      { type: "Identity" },
      { type: "LayerNorm", eps: 0.001, elementwise_affine: false },
      { type: "Linear", in_features: 8, out_features: 4 },
      { type: "Softmax", dim: 1 },
      { type: "LogSoftmax" },
    ],
  };

  it("prints PyTorch's repr for each", () => {
    expect(buildModel(parseModelSpec(spec)).repr).toBe(
      [
        "NeuralNetwork(",
        "  (layers): Sequential(",
        "    (0): Flatten(start_dim=1, end_dim=-1)",
        "    (1): Linear(in_features=24, out_features=8, bias=False)",
        "    (2): LeakyReLU(negative_slope=0.2)",
        "    (3): LayerNorm((8,), eps=1e-05, elementwise_affine=True)",
        "    (4): GELU(approximate='tanh')",
        "    (5): Dropout(p=0.25, inplace=False)",
        "    (6): Sigmoid()",
        "    (7): Tanh()",
        "    (8): Identity()",
        "    (9): LayerNorm((8,), eps=0.001, elementwise_affine=False)",
        "    (10): Linear(in_features=8, out_features=4, bias=True)",
        "    (11): Softmax(dim=1)",
        "    (12): LogSoftmax(dim=-1)",
        "  )",
        ")",
      ].join("\n"),
    );
  });

  it("infers shapes and counts parameters (state-dict keys as PyTorch's)", () => {
    const built = buildModel(parseModelSpec(spec));
    expect(built.layers.map((l) => l.output_shape)).toEqual([[24], [8], [8], [8], [8], [8], [8], [8], [8], [8], [4], [4], [4]]);
    expect(built.layers.map((l) => l.num_params)).toEqual([0, 192, 0, 16, 0, 0, 0, 0, 0, 0, 36, 0, 0]);
    expect(built.numParams).toBe(244);
    expect(Object.keys(built.module.stateDict())).toEqual(["layers.1.weight", "layers.3.weight", "layers.3.bias", "layers.10.weight", "layers.10.bias"]);
    expect(built.resolvedSpec.name).toBe("everything");
    const out = noGrad(() => built.module.eval().forward(rand([5, 2, 3, 4])));
    expect(out.shape).toEqual([5, 4]);
  });

  it("applies Linear and LayerNorm to the last dimension of a multi-dimensional sample", () => {
    const built = buildModel(parseModelSpec({ input_shape: [3, 4], layers: [{ type: "Linear", out_features: 5 }, { type: "LayerNorm" }] }));
    expect(built.layers.map((l) => l.output_shape)).toEqual([[3, 5], [3, 5]]);
    expect(built.numParams).toBe(4 * 5 + 5 + 10);
    expect(noGrad(() => built.module.forward(rand([2, 3, 4]))).shape).toEqual([2, 3, 5]);
  });
});

describe("Flatten shapes (dims count the batched tensor, as in PyTorch)", () => {
  const out = (layer: Record<string, unknown>, input_shape = [2, 3, 4]) =>
    resolveModel(parseModelSpec({ input_shape, layers: [{ type: "Flatten", ...layer } as ModelSpecInput["layers"][number]] })).outputShape;

  it("merges start_dim..end_dim of the per-sample shape shifted by one", () => {
    expect(out({})).toEqual([24]);
    expect(out({ start_dim: 1, end_dim: 2 })).toEqual([6, 4]);
    expect(out({ start_dim: 2 })).toEqual([2, 12]);
    expect(out({ start_dim: -2, end_dim: -1 })).toEqual([2, 12]);
    expect(out({ start_dim: 3, end_dim: 3 })).toEqual([2, 3, 4]);
    expect(out({}, [7])).toEqual([7]);
  });

  it("agrees with the module's forward", () => {
    for (const layer of [{}, { start_dim: 2 }, { start_dim: 1, end_dim: -2 }]) {
      const built = buildModel(parseModelSpec({ input_shape: [2, 3, 4], layers: [{ type: "Flatten", ...layer }] }));
      expect(built.module.forward(ones([5, 2, 3, 4])).shape).toEqual([5, ...built.outputShape]);
    }
  });

  it("refuses the batch dimension and dims out of range", () => {
    let e = specError(() => out({ start_dim: 0 }));
    expect(e.path).toEqual(["layers", 0, "start_dim"]);
    expect(e.message).toBe("dim 0 is the batch dimension for this layer's input of shape [N, 2, 3, 4]: use 1..3 or -3..-1 (dim 0 is the batch)");
    e = specError(() => out({ end_dim: -4 }));
    expect(e.path).toEqual(["layers", 0, "end_dim"]);
    e = specError(() => out({ end_dim: 4 }));
    expect(e.path).toEqual(["layers", 0, "end_dim"]);
    expect(e.message).toMatch(/^end_dim 4 is out of range/);
    e = specError(() => out({ start_dim: 3, end_dim: 2 }));
    expect(e.path).toEqual(["layers", 0, "start_dim"]);
    expect(e.message).toBe("start_dim 3 comes after end_dim 2 for this layer's input of shape [N, 2, 3, 4]");
  });
});

describe("shape errors name the field", () => {
  it("in_features disagreeing with the previous layer", () => {
    const spec = structuredClone(seedSpec) as ModelSpecInput;
    spec.layers[2] = { type: "Linear", in_features: 40, out_features: 20 };
    const e = specError(() => buildModel(parseModelSpec(spec)));
    expect(e.path).toEqual(["layers", 2, "in_features"]);
    expect(e.message).toBe("in_features is 40 but the previous layer gives 30 features");
    expect(formatPath(e.path)).toBe("layers[2].in_features");
  });

  it("in_features disagreeing with input_shape", () => {
    const e = specError(() => buildModel(parseModelSpec({ input_shape: [50], layers: [{ type: "Linear", in_features: 49, out_features: 3 }] })));
    expect(e.path).toEqual(["layers", 0, "in_features"]);
    expect(e.message).toBe("in_features is 49 but input_shape gives 50 features");
  });

  it("in_features that agrees is accepted", () => {
    expect(buildModel(parseModelSpec({ input_shape: [50], layers: [{ type: "Linear", in_features: 50, out_features: 3 }] })).numParams).toBe(153);
  });

  it("Softmax and LogSoftmax dims", () => {
    const layers = (dim: number) => [{ type: "Linear" as const, out_features: 3 }, { type: "Softmax" as const, dim }];
    expect(resolveModel(parseModelSpec({ input_shape: [4], layers: layers(1) })).outputShape).toEqual([3]);
    expect(resolveModel(parseModelSpec({ input_shape: [4], layers: layers(-1) })).outputShape).toEqual([3]);
    let e = specError(() => resolveModel(parseModelSpec({ input_shape: [4], layers: layers(2) })));
    expect(e.path).toEqual(["layers", 1, "dim"]);
    expect(e.message).toBe("dim 2 is out of range for this layer's input of shape [N, 3]: use 1 or -1 (dim 0 is the batch)");
    e = specError(() => resolveModel(parseModelSpec({ input_shape: [4], layers: layers(-2) })));
    expect(e.message).toMatch(/^dim -2 is the batch dimension/);
    e = specError(() => resolveModel(parseModelSpec({ input_shape: [4, 3], layers: [{ type: "LogSoftmax", dim: 3 }] })));
    expect(e.path).toEqual(["layers", 0, "dim"]);
    expect(resolveModel(parseModelSpec({ input_shape: [4, 3], layers: [{ type: "LogSoftmax", dim: 2 }] })).outputShape).toEqual([4, 3]);
  });

  it("too many parameters, before any weight is allocated", () => {
    const huge = { input_shape: [100_000], layers: [{ type: "Linear" as const, out_features: 100_000 }] };
    let e = specError(() => buildModel(parseModelSpec(huge)));
    expect(e.path).toEqual(["layers"]);
    expect(e.message).toBe("the model has 10,000,100,000 parameters, more than the limit of 10,000,000");
    e = specError(() => buildModel(parseModelSpec(seedSpec), { maxParams: 2212 }));
    expect(e.path).toEqual(["layers"]);
    expect(buildModel(parseModelSpec(seedSpec), { maxParams: 2213 }).numParams).toBe(2213);
  });
});

describe("Zod rejects bad values with their paths", () => {
  const issues = (body: unknown) => ModelSpec.safeParse(body).error?.issues.map((i) => ({ path: i.path, code: i.code })) ?? [];
  const withLayer = (layer: unknown) => ({ input_shape: [4], layers: [layer] });

  it("an unknown layer type, also through buildModel as a SpecError", () => {
    const body = { input_shape: [4], layers: [{ type: "ReLU" }, { type: "Conv3d", out_channels: 3 }] };
    const issue = ModelSpec.safeParse(body).error!.issues[0]!;
    expect(issue.path).toEqual(["layers", 1, "type"]);
    expect(issue.message).toMatch(/^unknown layer type "Conv3d"; expected one of Linear, Conv1d, Conv2d, ReLU, /);
    const e = specError(() => buildModel(parseModelSpec(body as ModelSpecInput)));
    expect(e.path).toEqual(["layers", 1, "type"]);
    expect(e.message).toBe(issue.message);
    expect(ModelSpec.safeParse(withLayer({ out_features: 3 })).error!.issues[0]!.message).toMatch(/^missing layer type/);
  });

  it("negative or fractional out_features, p outside [0, 1], an unknown field", () => {
    expect(issues(withLayer({ type: "Linear", out_features: -3 }))).toEqual([{ path: ["layers", 0, "out_features"], code: "too_small" }]);
    expect(issues(withLayer({ type: "Linear", out_features: 2.5 }))).toEqual([{ path: ["layers", 0, "out_features"], code: "invalid_type" }]);
    expect(issues(withLayer({ type: "Dropout", p: 1.5 }))).toEqual([{ path: ["layers", 0, "p"], code: "too_big" }]);
    expect(issues(withLayer({ type: "Dropout", p: -0.1 }))).toEqual([{ path: ["layers", 0, "p"], code: "too_small" }]);
    expect(issues(withLayer({ type: "Linear", out_features: 3, outFeatures: 3 }))).toEqual([{ path: ["layers", 0], code: "unrecognized_keys" }]);
    expect(issues(withLayer({ type: "ReLU", inplace: true }))).toEqual([{ path: ["layers", 0], code: "unrecognized_keys" }]);
    expect(issues({ ...withLayer({ type: "ReLU" }), extra: 1 })).toEqual([{ path: [], code: "unrecognized_keys" }]);
  });

  it("other layer arguments", () => {
    expect(issues(withLayer({ type: "GELU", approximate: "erf" }))).toEqual([{ path: ["layers", 0, "approximate"], code: "invalid_value" }]);
    expect(issues(withLayer({ type: "LayerNorm", eps: 0 }))).toEqual([{ path: ["layers", 0, "eps"], code: "too_small" }]);
    expect(issues(withLayer({ type: "Softmax", dim: 0.5 }))).toEqual([{ path: ["layers", 0, "dim"], code: "invalid_type" }]);
    expect(issues(withLayer({ type: "Linear", out_features: 3, bias: "yes" }))).toEqual([{ path: ["layers", 0, "bias"], code: "invalid_type" }]);
    expect(issues(withLayer({ type: "LeakyReLU", negative_slope: Infinity }))).toEqual([{ path: ["layers", 0, "negative_slope"], code: "invalid_type" }]);
  });

  it("input_shape, layers, name and seed", () => {
    const relu = [{ type: "ReLU" }];
    expect(issues({ input_shape: [], layers: relu })).toEqual([{ path: ["input_shape"], code: "too_small" }]);
    expect(issues({ input_shape: [1, 2, 3, 4, 5], layers: relu })).toEqual([{ path: ["input_shape"], code: "too_big" }]);
    expect(issues({ input_shape: [4, 0], layers: relu })).toEqual([{ path: ["input_shape", 1], code: "too_small" }]);
    expect(issues({ input_shape: [4], layers: [] })).toEqual([{ path: ["layers"], code: "too_small" }]);
    expect(issues({ input_shape: [4], layers: Array(101).fill({ type: "ReLU" }) })).toEqual([{ path: ["layers"], code: "too_big" }]);
    expect(issues({ input_shape: [4], layers: relu, name: "" })).toEqual([{ path: ["name"], code: "too_small" }]);
    expect(issues({ input_shape: [4], layers: relu, name: "x".repeat(201) })).toEqual([{ path: ["name"], code: "too_big" }]);
    expect(issues({ input_shape: [4], layers: relu, seed: -1 })).toEqual([{ path: ["seed"], code: "too_small" }]);
    expect(issues({ input_shape: [4], layers: relu, seed: 1.5 })).toEqual([{ path: ["seed"], code: "invalid_type" }]);
    expect(issues({ input_shape: [4], layers: relu, seed: 2 ** 53 })).toEqual([{ path: ["seed"], code: "too_big" }]);
    expect(issues({ input_shape: [4], layers: relu, seed: 2 ** 53 - 1 })).toEqual([]);
    expect(issues({ input_shape: [4], layers: relu, seed: "1" })).toEqual([{ path: ["seed"], code: "invalid_type" }]);
  });
});

describe("Dropout in a built model", () => {
  const spec: ModelSpecInput = { input_shape: [1000], layers: [{ type: "Dropout", p: 0.3 }] };

  it("draws from the global generator by default, as PyTorch", () => {
    const model = buildModel(parseModelSpec(spec)).module;
    const x = ones([2, 1000]);
    manualSeed(5);
    const a = model.forward(x);
    manualSeed(5);
    const b = nn.functional.dropout(x, 0.3);
    expect(values(a)).toEqual(values(b));
    expect(values(a).some((v) => v === 0)).toBe(true);
  });

  it("draws from dropoutGenerator when given, and from setDropoutGenerator's afterwards", () => {
    const model = buildModel(parseModelSpec(spec), { dropoutGenerator: new Generator().manualSeed(5) }).module;
    const x = ones([2, 1000]);
    manualSeed(77);
    const a = model.forward(x);
    const b = nn.functional.dropout(x, 0.3, true, new Generator().manualSeed(5));
    expect(values(a)).toEqual(values(b));
    model.setDropoutGenerator(new Generator().manualSeed(9));
    const c = model.forward(x);
    const d = nn.functional.dropout(x, 0.3, true, new Generator().manualSeed(9));
    expect(values(c)).toEqual(values(d));
  });

  it("is the identity in eval mode", () => {
    const model = buildModel(parseModelSpec(spec)).module.eval();
    const x = rand([2, 1000]);
    expect(model.forward(x)).toBe(x);
  });
});

describe("formatPath", () => {
  it("prints paths as accessors", () => {
    expect(formatPath(["layers", 2, "out_features"])).toBe("layers[2].out_features");
    expect(formatPath(["csv", "row", 7, "column", "x3"])).toBe("csv.row[7].column.x3");
    expect(formatPath(["csv", "row", 7, "column", "petal width"])).toBe('csv.row[7].column["petal width"]');
    expect(formatPath([3, "a"])).toBe("[3].a");
    expect(formatPath(["features", 0, 1])).toBe("features[0][1]");
    expect(formatPath([])).toBe("");
  });
});

describe("the layer registry", () => {
  /** One layer of every type with an input shape it takes; a new type fails to compile until it has one. */
  const EXAMPLES: { [T in LayerSpecInput["type"]]: { input: number[]; layer: Extract<LayerSpecInput, { type: T }> } } = {
    Linear: { input: [4], layer: { type: "Linear", out_features: 4 } },
    Conv1d: { input: [2, 6], layer: { type: "Conv1d", out_channels: 3, kernel_size: 3 } },
    Conv2d: { input: [2, 6, 6], layer: { type: "Conv2d", out_channels: 3, kernel_size: 3 } },
    ReLU: { input: [4], layer: { type: "ReLU" } },
    LeakyReLU: { input: [4], layer: { type: "LeakyReLU" } },
    Sigmoid: { input: [4], layer: { type: "Sigmoid" } },
    Tanh: { input: [4], layer: { type: "Tanh" } },
    GELU: { input: [4], layer: { type: "GELU" } },
    Softmax: { input: [4], layer: { type: "Softmax" } },
    LogSoftmax: { input: [4], layer: { type: "LogSoftmax" } },
    MaxPool1d: { input: [2, 6], layer: { type: "MaxPool1d", kernel_size: 2 } },
    MaxPool2d: { input: [2, 6, 6], layer: { type: "MaxPool2d", kernel_size: 2 } },
    AvgPool2d: { input: [2, 6, 6], layer: { type: "AvgPool2d", kernel_size: 2 } },
    AdaptiveAvgPool2d: { input: [2, 6, 6], layer: { type: "AdaptiveAvgPool2d", output_size: 1 } },
    Dropout: { input: [4], layer: { type: "Dropout" } },
    Dropout2d: { input: [2, 6, 6], layer: { type: "Dropout2d" } },
    Flatten: { input: [4], layer: { type: "Flatten" } },
    LayerNorm: { input: [4], layer: { type: "LayerNorm" } },
    BatchNorm1d: { input: [4], layer: { type: "BatchNorm1d" } },
    BatchNorm2d: { input: [2, 6, 6], layer: { type: "BatchNorm2d" } },
    Identity: { input: [4], layer: { type: "Identity" } },
    ConvertImageDtype: { input: [1, 4, 4], layer: { type: "ConvertImageDtype" } },
    Normalize: { input: [1, 4, 4], layer: { type: "Normalize", mean: [0.5], std: [0.5] } },
  };

  it("builds every layer type as the torch.nn class of its name", () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...LAYER_TYPES].sort());
    for (const { input, layer } of Object.values(EXAMPLES)) {
      const built = buildModel(parseModelSpec({ input_shape: input, layers: [layer] }));
      expect(built.layers[0]!.type).toBe(layer.type);
      expect(built.module.layers.at(0).constructor.name).toBe(layer.type);
    }
  });
});

describe("weightsGenerator", () => {
  it("gives a seeded spec a generator of its own and an unseeded one the fallback", () => {
    const fallback = new Generator();
    const seeded = weightsGenerator(123, () => fallback);
    expect(seeded).not.toBe(fallback);
    expect(seeded.getState()).toEqual(new Generator().manualSeed(123).getState());
    expect(weightsGenerator(undefined, () => fallback)).toBe(fallback);
  });
});
