import { describe, expect, it } from "vitest";
import { buildModel, decodeModel, exportOnnx, ONNX_IR_VERSION, ONNX_OPSET, parseModelSpec, resolveModel } from "../../src/schema/index.js";
import { Generator } from "../../src/tensor/index.js";

describe("exportOnnx", () => {
  const spec = resolveModel(
    parseModelSpec({
      input_shape: [1, 6, 6],
      layers: [
        { type: "Conv2d", out_channels: 2, kernel_size: 3 },
        { type: "BatchNorm2d" },
        { type: "Flatten" },
        { type: "Linear", out_features: 3, bias: false },
      ],
    }),
  ).resolvedSpec;
  const { module } = buildModel(spec, { generator: new Generator().manualSeed(1) });
  const stateDict = module.stateDict();
  const model = decodeModel(exportOnnx(spec, stateDict));

  it("writes IR version 8 and opset 17 of the default domain", () => {
    expect(model.ir_version).toBe(ONNX_IR_VERSION);
    expect(ONNX_IR_VERSION).toBe(8);
    expect(model.opset_import).toEqual([{ domain: "", version: ONNX_OPSET }]);
    expect(ONNX_OPSET).toBe(17);
  });

  it("names the weights' initializers by their state-dict keys, with their dims and bytes (num_batches_tracked left out)", () => {
    const floats = model.graph.initializer.filter((i) => !i.name.includes("/"));
    expect(floats.map((i) => [i.name, i.dims])).toEqual([
      ["layers.0.weight", [2, 1, 3, 3]],
      ["layers.0.bias", [2]],
      ["layers.1.weight", [2]],
      ["layers.1.bias", [2]],
      ["layers.1.running_mean", [2]],
      ["layers.1.running_var", [2]],
      ["layers.3.weight", [3, 32]],
    ]);
    expect(Object.keys(stateDict)).toContain("layers.1.num_batches_tracked");
    // the graph's own constants are named as its nodes are: Flatten's target shape
    expect(model.graph.initializer.filter((i) => i.name.includes("/")).map((i) => [i.name, i.dims])).toEqual([["layers.2/shape", [2]]]);
    for (const init of floats) {
      const raw = init.raw_data;
      expect(Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)))).toEqual(Array.from(stateDict[init.name]!.data as Float32Array));
    }
  });

  it("takes batches of any size: the batch dimension is a dim_param", () => {
    const [input] = model.graph.input;
    const [output] = model.graph.output;
    expect(input!.name).toBe("inputs");
    expect(input!.type.tensor_type.shape.dim).toEqual([{ dim_param: "batch" }, { dim_value: 1 }, { dim_value: 6 }, { dim_value: 6 }]);
    expect(output!.name).toBe("outputs");
    expect(output!.type.tensor_type.shape.dim).toEqual([{ dim_param: "batch" }, { dim_value: 3 }]);
    expect(model.graph.node.map((n) => [n.name, n.op_type])).toEqual([
      ["layers.0/Conv", "Conv"],
      ["layers.1/BatchNormalization", "BatchNormalization"],
      ["layers.2/Reshape", "Reshape"],
      ["layers.3/Gemm", "Gemm"],
    ]);
    expect(model.graph.node.at(-1)!.output).toEqual(["outputs"]);
  });
});
