import { describe, expect, it } from "vitest";
import { noGrad } from "../../src/autograd/index.js";
import { buildModel, parseModelSpec, type ModelSpecInput } from "../../src/schema/index.js";
import { tensor } from "../../src/tensor/index.js";
import { specError } from "../helpers/spec_error.js";

const modelError = (spec: ModelSpecInput) => specError(() => buildModel(parseModelSpec(spec)));

const FASHION: ModelSpecInput = {
  input_shape: [1, 28, 28],
  layers: [{ type: "ConvertImageDtype" }, { type: "Normalize", mean: [0.286], std: [0.353] }, { type: "Flatten" }, { type: "Linear", out_features: 10 }],
  seed: 0,
};

describe("ConvertImageDtype and Normalize layer specs", () => {
  it("build torchvision's modules, without weights of their own", () => {
    const built = buildModel(parseModelSpec(FASHION));
    expect(built.layers.map((l) => l.output_shape)).toEqual([[1, 28, 28], [1, 28, 28], [784], [10]]);
    expect(built.numParams).toBe(7850);
    expect(Object.keys(built.module.stateDict())).toEqual(["layers.3.weight", "layers.3.bias"]);
    expect(built.repr.split("\n").slice(1, 3)).toEqual(["  (layers): Sequential(", "    (0): ConvertImageDtype()"]);
    expect(built.repr).toContain("(1): Normalize(mean=[0.286], std=[0.353])");
  });

  it("run uint8 images through to float outputs", () => {
    const built = buildModel(parseModelSpec(FASHION));
    const x = tensor(Array.from({ length: 2 * 784 }, (_, i) => i % 256), { dtype: "uint8" }).reshape([2, 1, 28, 28]);
    const out = noGrad(() => built.module.forward(x));
    expect(out.dtype).toBe("float32");
    expect([...out.shape]).toEqual([2, 10]);
  });

  it("accept one value for every channel, or one per channel", () => {
    const layers = [{ type: "Normalize" as const, mean: [0.485, 0.456, 0.406], std: [0.5] }];
    expect(buildModel(parseModelSpec({ input_shape: [3, 4, 4], layers })).layers[0]!.output_shape).toEqual([3, 4, 4]);
  });

  it("check Normalize's channels against the input, naming the field", () => {
    const e = modelError({ input_shape: [1, 28, 28], layers: [{ type: "Normalize", mean: [0.5, 0.5, 0.5], std: [0.5] }] });
    expect(e.path).toEqual(["layers", 0, "mean"]);
    expect(e.message).toBe("mean has 3 values but the input has 1 channel (dim -3 of [N, 1, 28, 28]): give one value");
    const std = modelError({ input_shape: [3, 2, 2], layers: [{ type: "Normalize", mean: [0.5], std: [1, 2] }] });
    expect(std.path).toEqual(["layers", 0, "std"]);
    expect(std.message).toBe("std has 2 values but the input has 3 channels (dim -3 of [N, 3, 2, 2]): give 3 values or one");
    const flat = modelError({ input_shape: [28, 28], layers: [{ type: "Normalize", mean: [0.5, 0.5], std: [0.5] }] });
    expect(flat.message).toContain("samples of shape [N, 28, 28] have no channel dimension (dim -3 is the batch): give one value");
  });

  it("refuse Normalize on samples of one dimension, and a std of zero", () => {
    const e = modelError({ input_shape: [784], layers: [{ type: "Normalize", mean: [0.5], std: [0.5] }] });
    expect(e.path).toEqual(["layers", 0]);
    expect(e.message).toContain("Normalize needs images");
    const zero = modelError({ input_shape: [1, 2, 2], layers: [{ type: "Normalize", mean: [0.5], std: [1e-50] }] });
    expect(zero.path).toEqual(["layers", 0, "std", 0]);
    expect(zero.message).toBe("std 1e-50 is 0 in float32: division by zero");
  });

  it("refuse Normalize without mean or std, and fields ConvertImageDtype does not have", () => {
    expect(modelError({ input_shape: [1, 2, 2], layers: [{ type: "Normalize", mean: [0.5] } as never] }).path).toEqual(["layers", 0, "std"]);
    expect(modelError({ input_shape: [1, 2, 2], layers: [{ type: "Normalize", mean: [], std: [1] }] }).path).toEqual(["layers", 0, "mean"]);
    expect(modelError({ input_shape: [1, 2, 2], layers: [{ type: "ConvertImageDtype", dtype: "float64" } as never] }).path).toEqual(["layers", 0]);
  });
});
