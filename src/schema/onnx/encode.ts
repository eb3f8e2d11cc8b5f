/**
 * ONNX models as protobuf bytes: the plain objects a graph is built from (field names as onnx.proto
 * spells them) and their encoding by protobufjs with ONNX's own schema.
 */
import protobuf from "protobufjs";
import { ONNX_PROTO } from "./onnx_proto.js";

/** TensorProto.DataType values this exporter writes. */
export const DataType = { FLOAT: 1, UINT8: 2, INT64: 7 } as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values this exporter writes. */
export const AttributeType = { FLOAT: 1, INT: 2, INTS: 7 } as const;

export interface TensorProto {
  name: string;
  dims: number[];
  data_type: DataType;
  /** The values as a typed array holds them: little-endian on every platform Node runs on, as ONNX wants. */
  raw_data: Uint8Array;
}

/** An attribute's value with its type (a JS number could be either an int or a float). */
export type AttributeValue =
  | { type: typeof AttributeType.FLOAT; f: number }
  | { type: typeof AttributeType.INT; i: number }
  | { type: typeof AttributeType.INTS; ints: number[] };

export type AttributeProto = { name: string } & AttributeValue;

export interface NodeProto {
  name: string;
  op_type: string;
  /** Value names, in the op's order (a trailing optional input left out, as Gemm's C). */
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}

/** A dimension: a size, or a name for one given at run time (the batch). */
export type Dimension = { dim_value: number } | { dim_param: string };

export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: DataType; shape: { dim: Dimension[] } } };
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

export interface ModelProto {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  graph: GraphProto;
}

// parsed once, when first needed; keepCase: the objects above use onnx.proto's snake_case names
let modelType: protobuf.Type | null = null;
function modelProtoType(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType("onnx.ModelProto");
  return modelType;
}

/** A model's protobuf bytes (an .onnx file). */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelProtoType();
  return type.encode(type.fromObject(model)).finish();
}

/** Decodes an .onnx file to plain objects (int64 fields as numbers), for tests and tools. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = modelProtoType();
  return type.toObject(type.decode(bytes), { longs: Number, arrays: true, defaults: false }) as ModelProto;
}
