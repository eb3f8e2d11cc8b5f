/** Layers of torch/nn/modules/linear.py: Linear and Identity. */
import { z } from "zod";
import * as nn from "../../nn/index.js";
import { SpecError } from "../errors.js";
import { attr } from "../onnx/graph.js";
import { identityOnnx, int, layerSchema, unchangedShape, type LayerType } from "./layer_type.js";

export const LinearSpec = layerSchema("Linear", "torch.nn.Linear: y = x·Wᵀ + b over the last dimension of its input.", {
  out_features: int().min(1).describe("Size of each output sample's last dimension (torch.nn.Linear's out_features)."),
  in_features: int()
    .min(1)
    .optional()
    .describe(
      "Size of each input sample's last dimension. Optional: inferred from the previous layer (or input_shape); " +
        "when given it must agree.",
    ),
  bias: z.boolean().default(true).describe("Whether the layer learns an additive bias (default true)."),
});
export type LinearSpec = z.infer<typeof LinearSpec>;

export const LinearLayer: LayerType<typeof LinearSpec> = {
  schema: LinearSpec,
  infer(layer, input, index) {
    const last = input[input.length - 1]!;
    if (layer.in_features !== undefined && layer.in_features !== last) {
      const source = index === 0 ? "input_shape gives" : "the previous layer gives";
      throw new SpecError(`in_features is ${layer.in_features} but ${source} ${last} features`, ["layers", index, "in_features"]);
    }
    const spec = { type: "Linear" as const, in_features: last, out_features: layer.out_features, bias: layer.bias };
    const params = last * layer.out_features + (layer.bias ? layer.out_features : 0);
    return { spec, output: [...input.slice(0, -1), layer.out_features], params };
  },
  build: (layer, _input, { generator }) => new nn.Linear(layer.in_features!, layer.out_features, { bias: layer.bias, generator }),
  onnx(layer, input, graph) {
    const weight = graph.weight("weight");
    const bias = layer.bias ? [graph.weight("bias")] : [];
    // Gemm takes matrices only: samples of more than one dimension go through MatMul
    if (input.length === 1) return graph.node("Gemm", [graph.input, weight, ...bias], { transB: attr.int(1) });
    const product = graph.node("MatMul", [graph.input, graph.node("Transpose", [weight], { perm: attr.ints([1, 0]) })]);
    return layer.bias ? graph.node("Add", [product, ...bias]) : product;
  },
};

export const IdentitySpec = layerSchema("Identity", "torch.nn.Identity: returns its input.", {});
export type IdentitySpec = z.infer<typeof IdentitySpec>;

export const IdentityLayer: LayerType<typeof IdentitySpec> = {
  schema: IdentitySpec,
  infer: unchangedShape,
  build: () => new nn.Identity(),
  onnx: identityOnnx,
};
