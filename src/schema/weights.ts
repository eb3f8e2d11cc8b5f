/**
 * Model weights as JSON: the schema of `PUT /v1/models/{id}/weights` bodies (and of what `GET`
 * answers), and a reader of such a body's bytes that puts each tensor's `data` straight into a
 * float32 array, where JSON.parse would build a JavaScript number per value and Zod check each.
 *
 * The reader answers what JSON.parse + WeightsJson + the values-for-the-shape check answer, first
 * problem first: a syntax error anywhere (JsonSyntaxError), then Zod's issues (ZodError, for the
 * body's outline: its keys, each tensor's shape and dtype, and each `data` the fast path did not
 * take), then a tensor whose values do not fill its shape (SpecError).
 */
import { z } from "zod";
import { formatShape, Tensor } from "../tensor/index.js";
import { SpecError } from "./errors.js";
import { Growing } from "./growing.js";
import { JsonCursor, OPEN_ARRAY, OPEN_OBJECT } from "./json_cursor.js";
import { fastNumber, DEVIATION } from "./json_fast.js";
import { JsonNumber, numbersIssues, partIssues, type Issue } from "./json_parts.js";

export const TensorJson = z
  .object({
    shape: z.array(z.number().int().min(0)).describe("The tensor's shape."),
    dtype: z.literal("float32").describe("The element type (weights are float32)."),
    data: z.array(JsonNumber).describe("The values, flat, row-major."),
  })
  .strict();

export const WeightsJson = z
  .object({
    tensors: z
      .record(z.string(), TensorJson)
      .describe("Every weight by PyTorch's state-dict key (`layers.0.weight`, `layers.0.bias`, ...)."),
  })
  .strict()
  .describe("A model's weights as JSON: every tensor with its shape, dtype and values.");
export type WeightsJson = z.infer<typeof WeightsJson>;

/** One entry of `tensors` as read: its outline for Zod (`data` stood in for by []) and its values. */
interface TensorRead {
  outline: unknown;
  data?: Growing<Float32Array>;
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
    const values = t.data!;
    const expected = shape.reduce((p, q) => p * q, 1);
    if (values.length !== expected) {
      throw new SpecError(`"${name}" has ${values.length} values for shape ${formatShape(shape)}: expected ${expected}`, ["tensors", name, "data"]);
    }
    tensors[name] = new Tensor(values.toFloat32(), shape, "float32");
  }
  return tensors;
}

function readTensor(cursor: JsonCursor, name: string): TensorRead {
  if (cursor.peek() !== OPEN_OBJECT) return { outline: cursor.value(), issues: [] };
  const fields = new Map<string, unknown>();
  const read: TensorRead = { outline: null, issues: [] };
  cursor.members((key) => {
    if (key === "data" && cursor.peek() === OPEN_ARRAY) {
      fields.set(key, []);
      Object.assign(read, readData(cursor, ["tensors", name, "data"]));
    } else if (key === "shape" || key === "dtype" || key === "data") {
      fields.set(key, cursor.value());
    } else {
      cursor.skip();
      fields.set(key, null);
    }
  });
  read.outline = Object.fromEntries(fields);
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
  return { issues: numbersIssues(TensorJson.shape.data, values, path) };
}
