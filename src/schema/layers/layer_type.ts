/**
 * What one layer type of a model spec is: its Zod schema, its shape inference, the module it
 * builds and its ONNX nodes, kept together so that a new layer type is one definition (plus its nn
 * module).
 */
import { z } from "zod";
import type { Module } from "../../nn/index.js";
import type { Generator } from "../../tensor/index.js";
import type { LayerGraph } from "../onnx/graph.js";

/** What shape inference makes of one layer. */
export interface InferredLayer<L> {
  /** The layer with everything the builder needs filled in (e.g. Linear's in_features). */
  spec: L;
  /** Shape of one sample's output, without the batch dimension. */
  output: number[];
  /** How many weights the built module has (its parameters, as PyTorch's `numel` over `parameters()`). */
  params: number;
  /**
   * How many values its buffers hold (BatchNorm's running statistics): saved in the state dict with
   * the weights, but not parameters. Default 0.
   */
  buffers?: number;
  /**
   * Multiply-adds (or comparisons) one sample's forward pass takes, where that is not about its
   * parameter count: a convolution applies each weight at every output position, a pooling reads
   * each window. Default: `params`.
   */
  work?: number;
}

/** What building a layer's module may draw from. */
export interface BuildContext {
  /** Where initial weights are drawn from, in construction order; null leaves them zero. */
  generator: Generator | null;
  /** Where Dropout layers draw their masks when training. */
  dropoutGenerator: Generator;
}

/** One layer type: its schema (a member of the LayerSpec union), its shape inference, its builder and its ONNX export. */
export interface LayerType<S extends z.ZodType> {
  schema: S;
  /**
   * Checks layer `index` against the shape of one sample reaching it (no batch dimension);
   * throws SpecError with the path of the field at fault, e.g. `["layers", index, "dim"]`.
   */
  infer(layer: z.output<S>, input: readonly number[], index: number): InferredLayer<z.output<S>>;
  /** The layer's module, for the spec `infer` resolved and the same input shape. */
  build(layer: z.output<S>, input: readonly number[], context: BuildContext): Module;
  /**
   * The module in eval mode as ONNX nodes (opset 17) over `graph.input`, batches of samples of
   * shape `input`, for the spec `infer` resolved; returns the name of the output value. Emits at
   * least one node, even for a layer that changes nothing (Identity), so every layer has its output.
   */
  onnx(layer: z.output<S>, input: readonly number[], graph: LayerGraph): string;
}

/** A layer's schema: PyTorch's class name as the literal `type`, its arguments in snake_case. */
export function layerSchema<T extends string, S extends z.ZodRawShape>(type: T, description: string, shape: S) {
  return z
    .object({ type: z.literal(type).describe(`The layer's class, as in torch.nn: "${type}".`), ...shape })
    .strict()
    .meta({ title: type, description });
}

export const int = () => z.number().int();

/** `onnx` of a layer that returns its input in eval mode (Identity, the dropouts). */
export const identityOnnx = (_layer: unknown, _input: readonly number[], graph: LayerGraph): string => graph.node("Identity", [graph.input]);

/** `infer` of a layer without weights whose output has its input's shape. */
export function unchangedShape<L>(layer: L, input: readonly number[]): InferredLayer<L> {
  return { spec: layer, output: [...input], params: 0 };
}
