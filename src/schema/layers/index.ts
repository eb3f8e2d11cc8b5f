/**
 * The registry of the layers a model spec may list, with PyTorch's class names (`type`) and
 * argument names (snake_case, as `torch.nn` spells them). Each layer type (layer_type.ts) is one
 * definition in the file of its torch.nn family: schema, shape inference and builder together.
 * Shapes are checked when the model is resolved (`resolveModel` in ../model.ts), since they depend
 * on the layers before.
 *
 * Dimension arguments (`Softmax.dim`, `Flatten.start_dim`, ...) follow PyTorch: they index the
 * batched tensor, whose dim 0 is the batch, and negative values count from the end.
 */
import { z } from "zod";
import type { Module } from "../../nn/index.js";
import type { LayerGraph } from "../onnx/graph.js";
import { GELULayer, LeakyReLULayer, LogSoftmaxLayer, ReLULayer, SigmoidLayer, SoftmaxLayer, TanhLayer } from "./activation.js";
import { Conv1dLayer, Conv2dLayer } from "./conv.js";
import { Dropout2dLayer, DropoutLayer } from "./dropout.js";
import { FlattenLayer } from "./flatten.js";
import { ConvertImageDtypeLayer, NormalizeLayer } from "./image.js";
import type { BuildContext, InferredLayer, LayerType } from "./layer_type.js";
import { IdentityLayer, LinearLayer } from "./linear.js";
import { BatchNorm1dLayer, BatchNorm2dLayer, LayerNormLayer } from "./normalization.js";
import { AdaptiveAvgPool2dLayer, AvgPool2dLayer, MaxPool1dLayer, MaxPool2dLayer } from "./pooling.js";

export { LinearSpec, IdentitySpec } from "./linear.js";
export { ReLUSpec, LeakyReLUSpec, SigmoidSpec, TanhSpec, GELUSpec, SoftmaxSpec, LogSoftmaxSpec } from "./activation.js";
export { Conv1dSpec, Conv2dSpec } from "./conv.js";
export { DropoutSpec, Dropout2dSpec } from "./dropout.js";
export { FlattenSpec } from "./flatten.js";
export { LayerNormSpec, BatchNorm1dSpec, BatchNorm2dSpec } from "./normalization.js";
export { MaxPool1dSpec, MaxPool2dSpec, AvgPool2dSpec, AdaptiveAvgPool2dSpec } from "./pooling.js";
export { ConvertImageDtypeSpec, NormalizeSpec } from "./image.js";
export type { BuildContext } from "./layer_type.js";
export { shapeString } from "./shapes.js";

/** Every layer type, in the order the union (and so the OpenAPI document and LAYER_TYPES) lists them. */
const LAYER_KINDS = [
  LinearLayer,
  Conv1dLayer,
  Conv2dLayer,
  ReLULayer,
  LeakyReLULayer,
  SigmoidLayer,
  TanhLayer,
  GELULayer,
  SoftmaxLayer,
  LogSoftmaxLayer,
  MaxPool1dLayer,
  MaxPool2dLayer,
  AvgPool2dLayer,
  AdaptiveAvgPool2dLayer,
  DropoutLayer,
  Dropout2dLayer,
  ConvertImageDtypeLayer,
  NormalizeLayer,
  FlattenLayer,
  LayerNormLayer,
  BatchNorm1dLayer,
  BatchNorm2dLayer,
  IdentityLayer,
] as const;

type SchemasOf<Kinds extends readonly LayerType<z.ZodType>[]> = { -readonly [K in keyof Kinds]: Kinds[K]["schema"] };

// map() forgets that it keeps a tuple's length and order, which the union's type is built from
const LAYER_SCHEMAS = LAYER_KINDS.map((kind) => kind.schema) as SchemasOf<typeof LAYER_KINDS>;

/** Every layer `type` a spec may use. */
export const LAYER_TYPES = LAYER_SCHEMAS.map((s) => s.shape.type.value);

/** One layer of a model spec, told apart by `type` (PyTorch's class name). */
export const LayerSpec = z
  .discriminatedUnion("type", LAYER_SCHEMAS, {
    error: (issue) =>
      issue.code === "invalid_union" ? `${describeType(typeField(issue.input))}; expected one of ${LAYER_TYPES.join(", ")}` : undefined,
  })
  .describe("A layer, with torch.nn's class name as `type` and its constructor arguments in snake_case.");
export type LayerSpec = z.infer<typeof LayerSpec>;
/** A layer as a request may give it (defaults not yet applied). */
export type LayerSpecInput = z.input<typeof LayerSpec>;

function typeField(input: unknown): unknown {
  return typeof input === "object" && input !== null ? (input as { type?: unknown }).type : input;
}

function describeType(type: unknown): string {
  if (type === undefined) return "missing layer type";
  return `unknown layer type ${typeof type === "string" ? JSON.stringify(type) : String(type)}`;
}

const KIND_OF_TYPE: ReadonlyMap<LayerSpec["type"], LayerType<z.ZodType<LayerSpec>>> = new Map(
  LAYER_KINDS.map((kind) => [kind.schema.shape.type.value, kind]),
);

/** The per-sample output shape of layer `index` for `input`, its parameter and buffer counts and its resolved spec. */
export function inferLayer(layer: LayerSpec, input: readonly number[], index: number): InferredLayer<LayerSpec> {
  return KIND_OF_TYPE.get(layer.type)!.infer(layer, input, index);
}

/** The module of a layer `inferLayer` resolved, for the same input shape. */
export function buildLayer(layer: LayerSpec, input: readonly number[], context: BuildContext): Module {
  return KIND_OF_TYPE.get(layer.type)!.build(layer, input, context);
}

/** The ONNX nodes of a layer `inferLayer` resolved, over `graph.input` (see LayerType.onnx); returns its output's name. */
export function layerOnnx(layer: LayerSpec, input: readonly number[], graph: LayerGraph): string {
  return KIND_OF_TYPE.get(layer.type)!.onnx(layer, input, graph);
}
