/** Layers of torch/nn/modules/activation.py: elementwise functions and the softmaxes. */
import { z } from "zod";
import * as nn from "../../nn/index.js";
import { attr, type LayerGraph } from "../onnx/graph.js";
import { int, layerSchema, unchangedShape, type InferredLayer, type LayerType } from "./layer_type.js";
import { sampleDim } from "./shapes.js";

export const ReLUSpec = layerSchema("ReLU", "torch.nn.ReLU: max(0, x) elementwise.", {});
export type ReLUSpec = z.infer<typeof ReLUSpec>;

export const ReLULayer: LayerType<typeof ReLUSpec> = {
  schema: ReLUSpec,
  infer: unchangedShape,
  build: () => new nn.ReLU(),
  onnx: (_layer, _input, graph) => graph.node("Relu", [graph.input]),
};

export const LeakyReLUSpec = layerSchema("LeakyReLU", "torch.nn.LeakyReLU: x for x ≥ 0, negative_slope·x otherwise.", {
  negative_slope: z.number().default(0.01).describe("Slope for negative inputs (default 0.01)."),
});
export type LeakyReLUSpec = z.infer<typeof LeakyReLUSpec>;

export const LeakyReLULayer: LayerType<typeof LeakyReLUSpec> = {
  schema: LeakyReLUSpec,
  infer: unchangedShape,
  build: (layer) => new nn.LeakyReLU(layer.negative_slope),
  onnx: (layer, _input, graph) => graph.node("LeakyRelu", [graph.input], { alpha: attr.float(layer.negative_slope) }),
};

export const SigmoidSpec = layerSchema("Sigmoid", "torch.nn.Sigmoid: 1 / (1 + e^−x) elementwise.", {});
export type SigmoidSpec = z.infer<typeof SigmoidSpec>;

export const SigmoidLayer: LayerType<typeof SigmoidSpec> = {
  schema: SigmoidSpec,
  infer: unchangedShape,
  build: () => new nn.Sigmoid(),
  onnx: (_layer, _input, graph) => graph.node("Sigmoid", [graph.input]),
};

export const TanhSpec = layerSchema("Tanh", "torch.nn.Tanh: tanh(x) elementwise.", {});
export type TanhSpec = z.infer<typeof TanhSpec>;

export const TanhLayer: LayerType<typeof TanhSpec> = {
  schema: TanhSpec,
  infer: unchangedShape,
  build: () => new nn.Tanh(),
  onnx: (_layer, _input, graph) => graph.node("Tanh", [graph.input]),
};

export const GELUSpec = layerSchema("GELU", "torch.nn.GELU: x·Φ(x) elementwise.", {
  approximate: z
    .enum(["none", "tanh"])
    .default("none")
    .describe('"none" for the exact erf form (default), "tanh" for the tanh approximation.'),
});
export type GELUSpec = z.infer<typeof GELUSpec>;

export const GELULayer: LayerType<typeof GELUSpec> = {
  schema: GELUSpec,
  infer: unchangedShape,
  build: (layer) => new nn.GELU(layer.approximate),
  onnx: (layer, _input, graph) => geluOnnx(layer.approximate, graph),
};

/**
 * GELU from opset 17's ops (Gelu itself came in opset 20): 0.5·x·(1 + erf(x/√2)), or with the tanh
 * approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 */
function geluOnnx(approximate: GELUSpec["approximate"], graph: LayerGraph): string {
  const x = graph.input;
  const scalar = (name: string, value: number) => graph.floats(name, [], [value]);
  let inner: string;
  if (approximate === "tanh") {
    const cube = graph.node("Mul", [x, graph.node("Mul", [x, x])]);
    const sum = graph.node("Add", [x, graph.node("Mul", [cube, scalar("kappa", 0.044715)])]);
    inner = graph.node("Tanh", [graph.node("Mul", [sum, scalar("beta", Math.sqrt(2 / Math.PI))])]);
  } else {
    inner = graph.node("Erf", [graph.node("Mul", [x, scalar("sqrt1_2", Math.SQRT1_2)])]);
  }
  const half = graph.node("Mul", [x, scalar("half", 0.5)]);
  return graph.node("Mul", [half, graph.node("Add", [inner, scalar("one", 1)])]);
}

const DIM_DESCRIPTION =
  "The dimension to normalise over, as PyTorch counts it: dimensions of the batched tensor, dim 0 being the batch " +
  "(which may not be chosen), negative values counting from the end. Default -1, the last dimension " +
  "(PyTorch's own default, dim=None, picks a dimension from the input's rank and is deprecated).";

/** `infer` of the softmaxes: `dim` must name a dimension of a sample; the shape is kept. */
function inferSoftmax<L extends { dim: number }>(layer: L, input: readonly number[], index: number): InferredLayer<L> {
  sampleDim(layer.dim, input, index, "dim");
  return unchangedShape(layer, input);
}

export const SoftmaxSpec = layerSchema("Softmax", "torch.nn.Softmax: e^x / Σ e^x along dim.", {
  dim: int().default(-1).describe(DIM_DESCRIPTION),
});
export type SoftmaxSpec = z.infer<typeof SoftmaxSpec>;

export const SoftmaxLayer: LayerType<typeof SoftmaxSpec> = {
  schema: SoftmaxSpec,
  infer: inferSoftmax,
  build: (layer) => new nn.Softmax(layer.dim),
  onnx: (layer, _input, graph) => graph.node("Softmax", [graph.input], { axis: attr.int(layer.dim) }),
};

export const LogSoftmaxSpec = layerSchema("LogSoftmax", "torch.nn.LogSoftmax: log(softmax(x)) along dim.", {
  dim: int().default(-1).describe(DIM_DESCRIPTION),
});
export type LogSoftmaxSpec = z.infer<typeof LogSoftmaxSpec>;

export const LogSoftmaxLayer: LayerType<typeof LogSoftmaxSpec> = {
  schema: LogSoftmaxSpec,
  infer: inferSoftmax,
  build: (layer) => new nn.LogSoftmax(layer.dim),
  onnx: (layer, _input, graph) => graph.node("LogSoftmax", [graph.input], { axis: attr.int(layer.dim) }),
};
