/**
 * Model weights as JSON: the schema of `PUT /v1/models/{id}/weights` bodies (and of what `GET`
 * answers), and a reader of such a body's bytes that puts each float32 tensor's `data` straight
 * into a float32 array, where JSON.parse would build a JavaScript number per value and Zod check
 * each. int64 tensors (BatchNorm's num_batches_tracked) are a value or so each, read as values.
 *
 * The reader answers what JSON.parse + WeightsJson + the values-for-the-shape check answer, first
 * problem first: a syntax error anywhere (JsonSyntaxError), then Zod's issues (ZodError, for the
 * body's outline: its keys, each tensor's shape and dtype, and each `data` the fast path did not
 * take), then a tensor whose values do not fill its shape (SpecError).
 */
import { z } from "zod";
import { allocate, formatShape, Tensor } from "../tensor/index.js";
import { SpecError } from "./errors.js";
import { Growing } from "./growing.js";
import { JsonCursor, OPEN_ARRAY, OPEN_OBJECT } from "./json_cursor.js";
import { fastNumber, DEVIATION } from "./json_fast.js";
import { JsonNumber, numbersIssues, partIssues, type Issue } from "./json_parts.js";

const Shape = z.array(z.number().int().min(0)).describe("The tensor's shape.");

const Float32TensorJson = z
  .object({
    shape: Shape,
    dtype: z.literal("float32").describe("The element type: float32 for parameters and float buffers."),
    data: z.array(JsonNumber).describe("The values, flat, row-major."),
  })
  .strict()
  .meta({ title: "Float32TensorJson" });

const Int64TensorJson = z
  .object({
    shape: Shape,
    dtype: z.literal("int64").describe("The element type: int64 for integer buffers (BatchNorm's num_batches_tracked)."),
    data: z
      .array(z.number().int())
      .describe("The values, flat, row-major: integers, exact in JSON up to 2^53 − 1 in magnitude."),
  })
  .strict()
  .meta({ title: "Int64TensorJson" });

/** One tensor of a state dict, by its dtype (PyTorch's, as its state dict holds it). */
export const TensorJson = z.discriminatedUnion("dtype", [Float32TensorJson, Int64TensorJson]);

export const WeightsJson = z
  .object({
    tensors: z
      .record(z.string(), TensorJson)
      .describe(
        "Every tensor of the state dict by PyTorch's key: parameters (`layers.0.weight`, `layers.0.bias`, ...) and " +
          "buffers (`layers.1.running_mean`, `layers.1.num_batches_tracked`, ...).",
      ),
  })
  .strict()
  .describe("A model's weights as JSON: every tensor with its shape, dtype and values.");
export type WeightsJson = z.infer<typeof WeightsJson>;

/**
 * One entry of `tensors` as read: its outline for Zod (`data` stood in for by []) and its values,
 * float32 or (for dtype int64) integers.
 */
interface TensorRead {
  outline: unknown;
  data?: Growing<Float32Array>;
  integers?: number[];
  issues: Issue[];
}

/**
 * The tensors of a JSON weights body's bytes, by key (in an object without a prototype: a key
 * `__proto__` is just a key), or the error the standard parsing would give for it (see above).
 */
export function readJsonWeights(bytes: Uint8Array): Record<string, Tensor> {
  const cursor = new JsonCursor(bytes);
  if (cursor.peek() !== OPEN_OBJECT) {
    const body = cursor.value();
    cursor.end();
    throw new z.ZodError(partIssues(WeightsJson, body, []));
  }
  const outline = new Map<string, unknown>();
  let entries: Map<string, TensorRead> | undefined;
  // a key given twice counts with its last value, as in JSON.parse
  cursor.members((key) => {
    if (key === "tensors" && cursor.peek() === OPEN_OBJECT) {
      const read = new Map<string, TensorRead>();
      cursor.members((name) => read.set(name, readTensor(cursor, name)));
      entries = read;
      outline.set(key, Object.fromEntries([...read].map(([name, t]) => [name, t.outline])));
    } else if (key === "tensors") {
      entries = undefined;
      outline.set(key, cursor.value());
    } else {
      cursor.skip();
      outline.set(key, null);
    }
  });
  cursor.end();
  const issues = [...partIssues(WeightsJson, Object.fromEntries(outline), []), ...[...(entries?.values() ?? [])].flatMap((t) => t.issues)];
  if (issues.length > 0) throw new z.ZodError(issues);

  const tensors = Object.create(null) as Record<string, Tensor>;
  for (const [name, t] of entries!) {
    // WeightsJson took the outline: a shape of integers ≥ 0, and data read as numbers
    const shape = (t.outline as { shape: number[] }).shape;
    const length = t.integers?.length ?? t.data!.length;
    const expected = shape.reduce((p, q) => p * q, 1);
    if (length !== expected) {
      throw new SpecError(`"${name}" has ${length} values for shape ${formatShape(shape)}: expected ${expected}`, ["tensors", name, "data"]);
    }
    tensors[name] = t.integers ? int64Tensor(t.integers, shape) : new Tensor(t.data!.toFloat32(), shape, "float32");
  }
  return tensors;
}

function int64Tensor(values: readonly number[], shape: number[]): Tensor {
  const storage = allocate("int64", values.length) as BigInt64Array;
  values.forEach((v, i) => (storage[i] = BigInt(v)));
  return new Tensor(storage, shape, "int64");
}

function readTensor(cursor: JsonCursor, name: string): TensorRead {
  if (cursor.peek() !== OPEN_OBJECT) return { outline: cursor.value(), issues: [] };
  const fields = new Map<string, unknown>();
  const read: TensorRead = { outline: null, issues: [] };
  const path = ["tensors", name, "data"];
  // where the data array starts: int64 data is read again as values once the dtype is known
  let dataAt: { pos: number; depth: number } | null = null;
  cursor.members((key) => {
    if (key === "data" && cursor.peek() === OPEN_ARRAY) {
      dataAt = { pos: cursor.pos, depth: cursor.depth };
      fields.set(key, []);
      Object.assign(read, readData(cursor, path));
    } else if (key === "shape" || key === "dtype" || key === "data") {
      if (key === "data") dataAt = null;
      fields.set(key, cursor.value());
    } else {
      cursor.skip();
      fields.set(key, null);
    }
  });
  read.outline = Object.fromEntries(fields);
  if (fields.get("dtype") === "int64" && dataAt !== null) {
    const end = { pos: cursor.pos, depth: cursor.depth };
    Object.assign(cursor, dataAt);
    const values = cursor.value();
    Object.assign(cursor, end);
    read.data = undefined;
    read.issues = numbersIssues(Int64TensorJson.shape.data, values, path);
    if (read.issues.length === 0) read.integers = values as number[];
  }
  return read;
}

/** An array of numbers as float32 values; one with anything else is read again for Zod to name the element. */
function readData(cursor: JsonCursor, path: (string | number)[]): Pick<TensorRead, "data" | "issues"> {
  const start = { pos: cursor.pos, depth: cursor.depth };
  const data = new Growing((n) => new Float32Array(n));
  try {
    cursor.elements(() => data.push(fastNumber(cursor)));
    return { data, issues: [] };
  } catch (e) {
    if (e !== DEVIATION) throw e;
    cursor.pos = start.pos;
    cursor.depth = start.depth;
  }
  const values = cursor.value();
  return { issues: numbersIssues(Float32TensorJson.shape.data, values, path) };
}
