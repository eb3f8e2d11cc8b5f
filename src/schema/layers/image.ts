/**
 * torchvision's tensor transforms as layers (torchvision/transforms/transforms.py): ConvertImageDtype
 * first, so that a dataset of uint8 images trains as floats in [0, 1], and Normalize.
 */
import { z } from "zod";
import * as nn from "../../nn/index.js";
import { SpecError } from "../errors.js";
import { DataType } from "../onnx/encode.js";
import { attr } from "../onnx/graph.js";
import { identityOnnx, layerSchema, unchangedShape, type LayerType } from "./layer_type.js";
import { shapeString } from "./shapes.js";

export const ConvertImageDtypeSpec = layerSchema(
  "ConvertImageDtype",
  "torchvision.transforms.ConvertImageDtype(torch.float32): uint8 pixels become float32 in [0, 1] (x / 255); float input " +
    "stays float. A dataset of uint8 features needs it as the model's first layer.",
  {},
);
export type ConvertImageDtypeSpec = z.infer<typeof ConvertImageDtypeSpec>;

export const ConvertImageDtypeLayer: LayerType<typeof ConvertImageDtypeSpec> = {
  schema: ConvertImageDtypeSpec,
  infer: unchangedShape,
  build: () => new nn.ConvertImageDtype("float32"),
  onnx(layer, input, graph) {
    if (graph.inputType === "float32") return identityOnnx(layer, input, graph);
    const floats = graph.node("Cast", [graph.input], { to: attr.int(DataType.FLOAT) });
    return graph.node("Div", [floats, graph.floats("max_value", [], [255])]);
  },
};

const perChannel = (what: string) =>
  z
    .array(z.number())
    .min(1)
    .describe(`The ${what} of each channel (dim -3 of the batched input, torchvision's (..., C, H, W)); one value serves every channel.`);

export const NormalizeSpec = layerSchema(
  "Normalize",
  "torchvision.transforms.Normalize(mean, std): (x − mean[c]) / std[c] for each channel c of float images (…, C, H, W).",
  { mean: perChannel("mean"), std: perChannel("standard deviation (none 0)") },
);
export type NormalizeSpec = z.infer<typeof NormalizeSpec>;

/** Checks mean or std of layer `index` against the channels (null: samples without a channel dim). */
function checkPerChannel(layer: NormalizeSpec, field: "mean" | "std", channels: number | null, input: readonly number[], index: number): void {
  const values = layer[field];
  if (values.length !== 1 && values.length !== channels) {
    const has =
      channels === null
        ? `samples of shape ${shapeString(input)} have no channel dimension (dim -3 is the batch): give one value`
        : channels === 1
          ? `the input has 1 channel (dim -3 of ${shapeString(input)}): give one value`
          : `the input has ${channels} channels (dim -3 of ${shapeString(input)}): give ${channels} values or one`;
    throw new SpecError(`${field} has ${values.length} values but ${has}`, ["layers", index, field]);
  }
  values.forEach((v, j) => {
    const f = Math.fround(v);
    if (!Number.isFinite(f)) throw new SpecError(`${v} is outside float32's range`, ["layers", index, field, j]);
    if (field === "std" && f === 0) throw new SpecError(`std ${v} is 0 in float32: division by zero`, ["layers", index, field, j]);
  });
}

export const NormalizeLayer: LayerType<typeof NormalizeSpec> = {
  schema: NormalizeSpec,
  infer(layer, input, index) {
    if (input.length < 2) {
      throw new SpecError(
        `Normalize needs images (…, C, H, W): samples of at least 2 dimensions, not ${shapeString(input)}`,
        ["layers", index],
      );
    }
    const channels = input.length >= 3 ? input[input.length - 3]! : null;
    checkPerChannel(layer, "mean", channels, input, index);
    checkPerChannel(layer, "std", channels, input, index);
    return unchangedShape(layer, input);
  },
  build: (layer) => new nn.Normalize(layer.mean, layer.std),
  onnx(layer, _input, graph) {
    // viewed [C, 1, 1] as torchvision does, so the channels are dim -3
    const perChannel = (name: string, values: number[]) => graph.floats(name, [values.length, 1, 1], values);
    return graph.node("Div", [graph.node("Sub", [graph.input, perChannel("mean", layer.mean)]), perChannel("std", layer.std)]);
  },
};
