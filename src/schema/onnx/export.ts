/**
 * A model as an ONNX file: the network in eval mode (what a prediction computes), IR version 8,
 * opset 17, its weights as initializers named by their state-dict keys, the batch dimension given
 * at run time.
 */
import type { Tensor } from "../../tensor/index.js";
import { layerOnnx } from "../layers/index.js";
import { resolveModel, type ModelSpec } from "../model.js";
import { DataType, encodeModel, type ValueInfoProto } from "./encode.js";
import { GraphBuilder, LayerGraph } from "./graph.js";

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;
/** The graph's input and output, a batch of samples and the model's outputs for it. */
export const ONNX_INPUT = "inputs";
export const ONNX_OUTPUT = "outputs";
/** The name of the batch dimension (its dim_param). */
export const ONNX_BATCH = "batch";

const valueInfo = (name: string, elemType: DataType, sample: readonly number[]): ValueInfoProto => ({
  name,
  type: { tensor_type: { elem_type: elemType, shape: { dim: [{ dim_param: ONNX_BATCH }, ...sample.map((n) => ({ dim_value: n }))] } } },
});

/**
 * The .onnx bytes of a model: `spec` as stored (parsed), `stateDict` its weights by state-dict key.
 * A model starting with ConvertImageDtype takes uint8 inputs (as its predictions do), any other
 * float32. num_batches_tracked, used by training only, is left out.
 */
export function exportOnnx(spec: ModelSpec, stateDict: Readonly<Record<string, Tensor>>, name = "kiln_model"): Uint8Array {
  const resolved = resolveModel(spec);
  const graph = new GraphBuilder(stateDict);
  const inputType = spec.layers[0]!.type === "ConvertImageDtype" ? "uint8" : "float32";
  let value = graph.unique(ONNX_INPUT);
  graph.unique(ONNX_OUTPUT);
  let shape = resolved.inputShape;
  resolved.resolvedSpec.layers.forEach((layer, index) => {
    value = layerOnnx(layer, shape, new LayerGraph(graph, `layers.${index}`, value, index === 0 ? inputType : "float32"));
    shape = resolved.layers[index]!.output_shape;
  });
  // every layer ends in a node of its own: the last one's output is the graph's
  graph.nodes.at(-1)!.output[0] = ONNX_OUTPUT;
  return encodeModel({
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: "", version: ONNX_OPSET }],
    producer_name: "kiln",
    graph: {
      name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [valueInfo(ONNX_INPUT, inputType === "uint8" ? DataType.UINT8 : DataType.FLOAT, resolved.inputShape)],
      output: [valueInfo(ONNX_OUTPUT, DataType.FLOAT, resolved.outputShape)],
    },
  });
}
