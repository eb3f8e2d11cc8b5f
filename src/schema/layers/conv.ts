/** Layers of torch/nn/modules/conv.py: Conv1d and Conv2d. */
import { z } from "zod";
import * as nn from "../../nn/index.js";
import { SpecError } from "../errors.js";
import { attr, type LayerGraph } from "../onnx/graph.js";
import { int, layerSchema, type InferredLayer, type LayerType } from "./layer_type.js";
import { channelsOf, requireRank } from "./shapes.js";
import { checkWindowFits, convolvedSizes, pair, perDim, single } from "./windows.js";

/** The argument descriptions Conv1d and Conv2d share; `sample` names a sample's dims. */
const describe = (sample: string) => ({
  out_channels: "Channels of each output sample (torch.nn's out_channels).",
  kernel_size: "Size of the convolving kernel: an int for every spatial dimension, or one per dimension.",
  in_channels:
    `Channels of each input sample (C of ${sample}). Optional: inferred from the previous layer (or input_shape); ` +
    "when given it must agree.",
  stride: "Stride of the convolution: an int or one per spatial dimension (default 1).",
  padding:
    'Zeros added on both sides of each spatial dimension: an int or one per dimension (default 0), or "same" ' +
    '(the output keeps the input\'s size; stride 1 only) or "valid" (no padding).',
  dilation: "Spacing between kernel elements: an int or one per spatial dimension (default 1).",
  groups: "Blocked connections from input to output channels; both channel counts must be divisible by it (default 1).",
  bias: "Whether the layer learns an additive bias (default true).",
});

const PADDING_STRINGS = z.enum(["same", "valid"]);

const conv1d = describe("[C, L]");
export const Conv1dSpec = layerSchema("Conv1d", "torch.nn.Conv1d: a 1-d convolution over samples [C, L].", {
  out_channels: int().min(1).describe(conv1d.out_channels),
  kernel_size: single(1).describe(conv1d.kernel_size),
  in_channels: int().min(1).optional().describe(conv1d.in_channels),
  stride: single(1).default(1).describe(conv1d.stride),
  padding: z.union([single(0), PADDING_STRINGS]).default(0).describe(conv1d.padding),
  dilation: single(1).default(1).describe(conv1d.dilation),
  groups: int().min(1).default(1).describe(conv1d.groups),
  bias: z.boolean().default(true).describe(conv1d.bias),
});
export type Conv1dSpec = z.infer<typeof Conv1dSpec>;

const conv2d = describe("[C, H, W]");
export const Conv2dSpec = layerSchema("Conv2d", "torch.nn.Conv2d: a 2-d convolution over samples [C, H, W].", {
  out_channels: int().min(1).describe(conv2d.out_channels),
  kernel_size: pair(1).describe(conv2d.kernel_size),
  in_channels: int().min(1).optional().describe(conv2d.in_channels),
  stride: pair(1).default(1).describe(conv2d.stride),
  padding: z.union([pair(0), PADDING_STRINGS]).default(0).describe(conv2d.padding),
  dilation: pair(1).default(1).describe(conv2d.dilation),
  groups: int().min(1).default(1).describe(conv2d.groups),
  bias: z.boolean().default(true).describe(conv2d.bias),
});
export type Conv2dSpec = z.infer<typeof Conv2dSpec>;

/**
 * `infer` of both convolutions: samples of rank dims + 1, channels divisible by groups, a kernel that
 * fits the padded input; in_channels filled in.
 */
function inferConv<L extends Conv1dSpec | Conv2dSpec>(layer: L, input: readonly number[], index: number): InferredLayer<L> {
  const dims = layer.type === "Conv1d" ? 1 : 2;
  requireRank(layer.type, dims === 1 ? { 2: "[C, L]" } : { 3: "[C, H, W]" }, input, index);
  const inChannels = channelsOf(layer.in_channels, input, index, "in_channels");
  for (const [field, channels] of [["in_channels", inChannels], ["out_channels", layer.out_channels]] as const) {
    if (channels % layer.groups !== 0) {
      throw new SpecError(`${field} ${channels} is not divisible by groups ${layer.groups}`, ["layers", index, "groups"]);
    }
  }
  const spatial = input.slice(1);
  const kernel = perDim(layer.kernel_size, dims);
  const stride = perDim(layer.stride, dims);
  let output: number[];
  if (layer.padding === "same") {
    if (stride.some((s) => s !== 1)) {
      throw new SpecError('padding "same" needs stride 1: PyTorch does not support it for strided convolutions', ["layers", index, "padding"]);
    }
    output = spatial;
  } else {
    const padding = layer.padding === "valid" ? perDim(0, dims) : perDim(layer.padding, dims);
    const window = { kernel, stride, padding, dilation: perDim(layer.dilation, dims) };
    checkWindowFits(layer.kernel_size, window, spatial, index);
    output = convolvedSizes(spatial, window);
  }
  const { type, in_channels: _given, ...args } = layer;
  const kernelVolume = kernel.reduce((a, b) => a * b, 1);
  const params = layer.out_channels * (inChannels / layer.groups) * kernelVolume + (layer.bias ? layer.out_channels : 0);
  const positions = output.reduce((a, b) => a * b, 1);
  const work = layer.out_channels * (inChannels / layer.groups) * kernelVolume * positions;
  return { spec: { type, in_channels: inChannels, ...args } as L, output: [layer.out_channels, ...output], params, work };
}

const convOptions = (layer: Conv1dSpec | Conv2dSpec, generator: nn.ConvModuleOptions["generator"]): nn.ConvModuleOptions => ({
  stride: layer.stride,
  padding: layer.padding,
  dilation: layer.dilation,
  groups: layer.groups,
  bias: layer.bias,
  generator,
});

/**
 * ONNX's Conv for both convolutions; "same" as explicit pads, PyTorch's: the dilated kernel's extra
 * size split with the odd one at the end.
 */
function convOnnx(layer: Conv1dSpec | Conv2dSpec, _input: readonly number[], graph: LayerGraph): string {
  const dims = layer.type === "Conv1d" ? 1 : 2;
  const kernel = perDim(layer.kernel_size, dims);
  const dilation = perDim(layer.dilation, dims);
  let begin: number[];
  let end: number[];
  if (layer.padding === "same") {
    const total = kernel.map((k, i) => dilation[i]! * (k - 1));
    begin = total.map((t) => Math.floor(t / 2));
    end = total.map((t, i) => t - begin[i]!);
  } else {
    begin = end = perDim(layer.padding === "valid" ? 0 : layer.padding, dims);
  }
  const inputs = [graph.input, graph.weight("weight"), ...(layer.bias ? [graph.weight("bias")] : [])];
  return graph.node("Conv", inputs, {
    kernel_shape: attr.ints(kernel),
    strides: attr.ints(perDim(layer.stride, dims)),
    pads: attr.ints([...begin, ...end]),
    dilations: attr.ints(dilation),
    group: attr.int(layer.groups),
  });
}

export const Conv1dLayer: LayerType<typeof Conv1dSpec> = {
  schema: Conv1dSpec,
  infer: inferConv,
  build: (layer, _input, { generator }) => new nn.Conv1d(layer.in_channels!, layer.out_channels, layer.kernel_size, convOptions(layer, generator)),
  onnx: convOnnx,
};

export const Conv2dLayer: LayerType<typeof Conv2dSpec> = {
  schema: Conv2dSpec,
  infer: inferConv,
  build: (layer, _input, { generator }) => new nn.Conv2d(layer.in_channels!, layer.out_channels, layer.kernel_size, convOptions(layer, generator)),
  onnx: convOnnx,
};
