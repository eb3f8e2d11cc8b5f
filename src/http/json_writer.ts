/**
 * JSON response bodies that hold many numbers (predictions, weights), written by hand in chunks:
 * a body of a million numbers is ~100 ms of formatting, which `JSON.stringify` would do in one go
 * on the API thread. Here the text comes out `CHUNK_VALUES` numbers at a time, and a large body is
 * a stream that lets the event loop turn between chunks. The text is what `JSON.stringify` writes
 * for the same value (non-finite numbers as `null`).
 */
import { Readable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";

/** Literal JSON text, or float32 values written as nested arrays of `shape` (row-major, like `tolist()`). */
export type JsonPart = string | { values: Float32Array; shape: readonly number[] };

/** Numbers per chunk: a few milliseconds of formatting (a float32 takes up to 17 digits). */
const CHUNK_VALUES = 4096;

const numberText = (v: number): string => (Number.isFinite(v) ? String(v) : "null");

/**
 * `values[start, end)` joined by commas. A typed array's own `join` formats in native code, several
 * times faster than a loop of `String(v)`, and writes what JSON does except for non-finite values.
 */
function joined(values: Float32Array, start: number, end: number): string {
  const part = values.subarray(start, end);
  for (let i = 0; i < part.length; i++) {
    if (!Number.isFinite(part[i]!)) return Array.from(part, numberText).join(",");
  }
  return part.join(",");
}

/** Nested empty arrays of `shape` (some dimension is 0): `[2, 0, 3]` → `[[],[]]`. */
function emptyArrays(shape: readonly number[]): string {
  if (shape.length === 0) return "null";
  const inner = shape[0] === 0 ? "" : Array.from({ length: shape[0]! }, () => emptyArrays(shape.slice(1))).join(",");
  return `[${inner}]`;
}

/** The text of `values` as nested arrays of `shape`, in pieces of about CHUNK_VALUES numbers. */
function* nestedArrayText(values: Float32Array, shape: readonly number[]): Generator<string> {
  if (shape.length === 0) {
    yield numberText(values[0]!);
    return;
  }
  if (values.length === 0) {
    yield emptyArrays(shape);
    return;
  }
  const depth = shape.length;
  const rowLength = shape[depth - 1]!;
  const rows = values.length / rowLength;
  // products of the row axes from the innermost out: a row whose index is a multiple of
  // products[m - 1] starts a new array m + 1 levels up
  const products: number[] = [];
  for (let axis = depth - 2, p = 1; axis >= 1; axis--) products.push((p *= shape[axis]!));
  let text = "[".repeat(depth);
  let inChunk = 0;
  for (let r = 0; r < rows; r++) {
    if (r > 0) {
      let levels = 1;
      while (levels <= products.length && r % products[levels - 1]! === 0) levels++;
      text += `${"]".repeat(levels)},${"[".repeat(levels)}`;
    }
    // a row in pieces that end where a chunk ends: one output of a million numbers is one row
    for (let j = 0; j < rowLength; ) {
      const end = Math.min(rowLength, j + CHUNK_VALUES - inChunk);
      text += (j > 0 ? "," : "") + joined(values, r * rowLength + j, r * rowLength + end);
      inChunk += end - j;
      j = end;
      if (inChunk === CHUNK_VALUES) {
        yield text;
        text = "";
        inChunk = 0;
      }
    }
  }
  yield text + "]".repeat(depth);
}

function* partsText(parts: readonly JsonPart[]): Generator<string> {
  for (const part of parts) {
    if (typeof part === "string") yield part;
    else yield* nestedArrayText(part.values, part.shape);
  }
}

const valueCount = (parts: readonly JsonPart[]): number => parts.reduce((n, p) => n + (typeof p === "string" ? 0 : p.values.length), 0);

/**
 * The body made of `parts`: one string when it is small, else a stream that yields to the event
 * loop between chunks (send either with `reply.type("application/json").send(body)`).
 */
export function jsonBody(parts: readonly JsonPart[]): string | Readable {
  if (valueCount(parts) <= CHUNK_VALUES) return [...partsText(parts)].join("");
  return Readable.from(
    (async function* chunks() {
      for (const text of partsText(parts)) {
        yield text;
        await nextTurn();
      }
    })(),
    { objectMode: false },
  );
}
