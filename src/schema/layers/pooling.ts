/** Layers of torch/nn/modules/pooling.py: MaxPool1d, MaxPool2d, AvgPool2d and AdaptiveAvgPool2d. */
import { z } from "zod";
import * as nn from "../../nn/index.js";
import { attr, type LayerGraph } from "../onnx/graph.js";
import { int, layerSchema, type InferredLayer, type LayerType } from "./layer_type.js";
import { requireRank } from "./shapes.js";
import { pair, poolingWindow, pooledSizes, type Window } from "./windows.js";

const KERNEL = "Size of the window to pool over: an int for every spatial dimension, or one per dimension.";
const STRIDE = "Step of the window: an int or one per spatial dimension; default null, the kernel_size (PyTorch's None).";
const PADDING = "Implicit padding on both sides of each spatial dimension, at most half the kernel_size (default 0).";
const DILATION = "Spacing between the window's elements (default 1).";
const CEIL_MODE = "Whether the output size rounds up rather than down, so a last partial window counts (default false).";

export const MaxPool1dSpec = layerSchema("MaxPool1d", "torch.nn.MaxPool1d: the maximum of each window over samples [C, L].", {
  kernel_size: int().min(1).describe("Size of the window to pool over."),
  stride: int().min(1).nullable().default(null).describe(STRIDE),
  padding: int().min(0).default(0).describe(PADDING),
  dilation: int().min(1).default(1).describe(DILATION),
  ceil_mode: z.boolean().default(false).describe(CEIL_MODE),
});
export type MaxPool1dSpec = z.infer<typeof MaxPool1dSpec>;

export const MaxPool1dLayer: LayerType<typeof MaxPool1dSpec> = {
  schema: MaxPool1dSpec,
  infer(layer, input, index) {
    requireRank("MaxPool1d", { 2: "[C, L]" }, input, index);
    return pooled(layer, input, pooledSizes(layer, poolingWindow(layer, 1), input.slice(1), index), [layer.kernel_size]);
  },
  build: (layer) =>
    new nn.MaxPool1d(layer.kernel_size, { stride: layer.stride, padding: layer.padding, dilation: layer.dilation, ceilMode: layer.ceil_mode }),
  onnx: (layer, _input, graph) => maxPoolOnnx(layer, poolingWindow(layer, 1), graph),
};

/** ONNX's MaxPool, which takes PyTorch's arguments as they are. */
function maxPoolOnnx(layer: { ceil_mode: boolean }, { kernel, stride, padding, dilation }: Window, graph: LayerGraph): string {
  return graph.node("MaxPool", [graph.input], {
    kernel_shape: attr.ints(kernel),
    strides: attr.ints(stride),
    pads: attr.ints([...padding, ...padding]),
    dilations: attr.ints(dilation),
    ceil_mode: attr.int(layer.ceil_mode ? 1 : 0),
  });
}

export const MaxPool2dSpec = layerSchema("MaxPool2d", "torch.nn.MaxPool2d: the maximum of each window over samples [C, H, W].", {
  kernel_size: pair(1).describe(KERNEL),
  stride: pair(1).nullable().default(null).describe(STRIDE),
  padding: pair(0).default(0).describe(PADDING),
  dilation: pair(1).default(1).describe(DILATION),
  ceil_mode: z.boolean().default(false).describe(CEIL_MODE),
});
export type MaxPool2dSpec = z.infer<typeof MaxPool2dSpec>;

export const MaxPool2dLayer: LayerType<typeof MaxPool2dSpec> = {
  schema: MaxPool2dSpec,
  infer(layer, input, index) {
    requireRank("MaxPool2d", { 3: "[C, H, W]" }, input, index);
    const window = poolingWindow(layer, 2);
    return pooled(layer, input, pooledSizes(layer, window, input.slice(1), index), window.kernel);
  },
  build: (layer) =>
    new nn.MaxPool2d(layer.kernel_size, { stride: layer.stride, padding: layer.padding, dilation: layer.dilation, ceilMode: layer.ceil_mode }),
  onnx: (layer, _input, graph) => maxPoolOnnx(layer, poolingWindow(layer, 2), graph),
};

export const AvgPool2dSpec = layerSchema("AvgPool2d", "torch.nn.AvgPool2d: the mean of each window over samples [C, H, W].", {
  kernel_size: pair(1).describe(KERNEL),
  stride: pair(1).nullable().default(null).describe(STRIDE),
  padding: pair(0).default(0).describe(PADDING),
  ceil_mode: z.boolean().default(false).describe(CEIL_MODE),
  count_include_pad: z.boolean().default(true).describe("Whether the zero padding counts in a window's divisor (default true)."),
  divisor_override: int()
    .min(1)
    .nullable()
    .default(null)
    .describe("Divide every window's sum by this instead of its size (default null: the window's size)."),
});
export type AvgPool2dSpec = z.infer<typeof AvgPool2dSpec>;

export const AvgPool2dLayer: LayerType<typeof AvgPool2dSpec> = {
  schema: AvgPool2dSpec,
  infer(layer, input, index) {
    requireRank("AvgPool2d", { 3: "[C, H, W]" }, input, index);
    const window = poolingWindow(layer, 2);
    return pooled(layer, input, pooledSizes(layer, window, input.slice(1), index), window.kernel);
  },
  build: (layer) =>
    new nn.AvgPool2d(layer.kernel_size, {
      stride: layer.stride,
      padding: layer.padding,
      ceilMode: layer.ceil_mode,
      countIncludePad: layer.count_include_pad,
      divisorOverride: layer.divisor_override,
    }),
  onnx(layer, input, graph) {
    const window = poolingWindow(layer, 2);
    if (layer.divisor_override !== null) return windowSumOnnx(window, input, pooledSizes(layer, window, input.slice(1), 0), graph, layer.divisor_override);
    return graph.node("AveragePool", [graph.input], {
      kernel_shape: attr.ints(window.kernel),
      strides: attr.ints(window.stride),
      pads: attr.ints([...window.padding, ...window.padding]),
      ceil_mode: attr.int(layer.ceil_mode ? 1 : 0),
      count_include_pad: attr.int(layer.count_include_pad ? 1 : 0),
    });
  },
};

/**
 * Each window's sum over samples [C, ...spatial] divided by `divisor` (AvgPool2d's divisor_override,
 * which ONNX's AveragePool lacks): a per-channel convolution with a kernel of ones over the input
 * padded with zeros, at the end as far as the `output` sizes (ceil_mode's) need.
 */
function windowSumOnnx({ kernel, stride, padding }: Window, input: readonly number[], output: readonly number[], graph: LayerGraph, divisor: number): string {
  const channels = input[0]!;
  const end = output.map((o, i) => Math.max(padding[i]!, (o - 1) * stride[i]! + kernel[i]! - input[i + 1]! - padding[i]!));
  const volume = kernel.reduce((a, b) => a * b, 1);
  const ones = graph.floats("ones", [channels, 1, ...kernel], new Array<number>(channels * volume).fill(1));
  const sums = graph.node("Conv", [graph.input, ones], {
    kernel_shape: attr.ints(kernel),
    strides: attr.ints(stride),
    pads: attr.ints([...padding, ...end]),
    group: attr.int(channels),
  });
  return graph.node("Div", [sums, graph.floats("divisor", [], [divisor])]);
}

const outputSide = int().min(1);

export const AdaptiveAvgPool2dSpec = layerSchema(
  "AdaptiveAvgPool2d",
  "torch.nn.AdaptiveAvgPool2d: averages samples [C, H, W] down to [C, output height, output width] with windows sized to fit.",
  {
    output_size: z
      .union([outputSide, z.tuple([outputSide.nullable(), outputSide.nullable()])])
      .describe("The output's height and width: an int for both, or [height, width] where null keeps the input's size."),
  },
);
export type AdaptiveAvgPool2dSpec = z.infer<typeof AdaptiveAvgPool2dSpec>;

export const AdaptiveAvgPool2dLayer: LayerType<typeof AdaptiveAvgPool2dSpec> = {
  schema: AdaptiveAvgPool2dSpec,
  infer(layer, input, index) {
    requireRank("AdaptiveAvgPool2d", { 3: "[C, H, W]" }, input, index);
    const size = typeof layer.output_size === "number" ? [layer.output_size, layer.output_size] : layer.output_size;
    const output = size.map((s, i) => s ?? input[i + 1]!);
    // each output averages a window of about input/output rows and columns
    return pooled(layer, input, output, output.map((o, i) => Math.ceil(input[i + 1]! / o)));
  },
  build: (layer) => new nn.AdaptiveAvgPool2d(layer.output_size),
  onnx(layer, input, graph) {
    const output = AdaptiveAvgPool2dLayer.infer(layer, input, 0).output;
    const [rows, columns] = [averaging(input[1]!, output[1]!), averaging(input[2]!, output[2]!)];
    // a window's mean is the mean of its rows' means: rows · x · columnsᵀ
    const pooledRows = graph.node("MatMul", [graph.floats("rows", [output[1]!, input[1]!], rows), graph.input]);
    const columnsT = transposed(columns, output[2]!, input[2]!);
    return graph.node("MatMul", [pooledRows, graph.floats("columns", [input[2]!, output[2]!], columnsT)]);
  },
};

/**
 * The [output, input] matrix of adaptive average pooling along one dim: row i averages PyTorch's
 * window floor(i·n/out) .. ceil((i+1)·n/out).
 */
function averaging(n: number, out: number): number[] {
  const m = new Array<number>(out * n).fill(0);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * n) / out);
    const end = Math.ceil(((i + 1) * n) / out);
    for (let j = start; j < end; j++) m[i * n + j] = 1 / (end - start);
  }
  return m;
}

/** A row-major [rows, columns] matrix transposed. */
function transposed(m: readonly number[], rows: number, columns: number): number[] {
  return Array.from({ length: rows * columns }, (_, k) => m[(k % rows) * columns + Math.floor(k / rows)]!);
}

/** A pooling's inferred layer: the channels kept, the spatial sizes pooled, no weights, a window read per output. */
function pooled<L>(layer: L, input: readonly number[], sizes: number[], window: readonly number[]): InferredLayer<L> {
  const output = [input[0]!, ...sizes];
  const work = [...output, ...window].reduce((a, b) => a * b, 1);
  return { spec: layer, output, params: 0, work };
}
