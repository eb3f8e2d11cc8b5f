/**
 * A small builder of ONNX graphs: unique value and node names, initializers for the state dict's
 * tensors (named by their keys) and for the graph's own constants, and typed attributes.
 */
import type { Tensor } from "../../tensor/index.js";
import { AttributeType, DataType, type AttributeValue, type NodeProto, type TensorProto } from "./encode.js";

export const attr = {
  int: (i: number): AttributeValue => ({ type: AttributeType.INT, i }),
  ints: (ints: readonly number[]): AttributeValue => ({ type: AttributeType.INTS, ints: [...ints] }),
  float: (f: number): AttributeValue => ({ type: AttributeType.FLOAT, f }),
};

const bytesOf = (values: Float32Array | BigInt64Array): Uint8Array => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

/** The nodes and initializers of one graph, as they are added. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();

  /** `stateDict`: the model's tensors, which `weight` turns into initializers named by their keys. */
  constructor(private readonly stateDict: Readonly<Record<string, Tensor>>) {}

  /** `base`, or `base_1`, `base_2`, ... when taken; taken from then on. */
  unique(base: string): string {
    let name = base;
    for (let n = 1; this.used.has(name); n++) name = `${base}_${n}`;
    this.used.add(name);
    return name;
  }

  /** The initializer of the state dict's float32 tensor `key`, named `key`. */
  weight(key: string): string {
    const t = this.stateDict[key];
    if (t === undefined) throw new RangeError(`the state dict has no tensor ${key}`);
    if (t.dtype !== "float32") throw new TypeError(`${key} is ${t.dtype}, not float32`);
    return this.initializer(this.unique(key), DataType.FLOAT, t.shape, bytesOf(t.data as Float32Array));
  }

  /** A float32 constant of the graph's own (not in the state dict), named after `hint`. */
  floats(hint: string, dims: readonly number[], values: readonly number[]): string {
    return this.initializer(this.unique(hint), DataType.FLOAT, dims, bytesOf(Float32Array.from(values)));
  }

  /** An int64 vector constant (a shape), named after `hint`. */
  int64s(hint: string, values: readonly number[]): string {
    return this.initializer(this.unique(hint), DataType.INT64, [values.length], bytesOf(BigInt64Array.from(values, BigInt)));
  }

  private initializer(name: string, data_type: DataType, dims: readonly number[], raw_data: Uint8Array): string {
    this.initializers.push({ name, dims: [...dims], data_type, raw_data });
    return name;
  }

  /**
   * Adds a node `op` named `scope/op` over `inputs`; returns its output's name, `scope/op_output_0`
   * (the names PyTorch's exporter gives).
   */
  node(scope: string, op: string, inputs: readonly string[], attributes: Readonly<Record<string, AttributeValue>> = {}): string {
    const name = this.unique(`${scope}/${op}`);
    const output = this.unique(`${name}_output_0`);
    const attribute = Object.entries(attributes).map(([key, value]) => ({ name: key, ...value }));
    this.nodes.push({ name, op_type: op, input: [...inputs], output: [output], attribute });
    return output;
  }
}

/**
 * What one layer's emission works with: its input value and the graph, scoped to the layer, so
 * that its nodes are named `layers.3/Conv` and its weights `layers.3.weight` (state-dict keys).
 */
export class LayerGraph {
  constructor(
    private readonly graph: GraphBuilder,
    /** The layer's state-dict prefix, `layers.3`. */
    readonly scope: string,
    /** The name of the value reaching the layer. */
    readonly input: string,
    /** Its element type: uint8 only for images of bytes reaching a model's first layer. */
    readonly inputType: "float32" | "uint8",
  ) {}

  /** The initializer of the layer's state-dict tensor `name` (`weight`, `running_mean`). */
  weight(name: string): string {
    return this.graph.weight(`${this.scope}.${name}`);
  }

  /** A float32 constant of the layer's, `layers.3/divisor`: named as its nodes are, apart from the state dict's keys. */
  floats(name: string, dims: readonly number[], values: readonly number[]): string {
    return this.graph.floats(`${this.scope}/${name}`, dims, values);
  }

  /** An int64 vector constant of the layer's (`layers.3/shape`). */
  int64s(name: string, values: readonly number[]): string {
    return this.graph.int64s(`${this.scope}/${name}`, values);
  }

  /** A node of the layer; returns its output's name. */
  node(op: string, inputs: readonly string[], attributes: Readonly<Record<string, AttributeValue>> = {}): string {
    return this.graph.node(this.scope, op, inputs, attributes);
  }
}
