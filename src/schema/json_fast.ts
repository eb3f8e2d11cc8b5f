/**
 * The fast paths of the byte readers (dataset_json.ts, weights.ts) read what they expect and throw
 * DEVIATION at anything else; the reader then reads that part again as a value, and its schema and
 * checks name the problem. So a fast path never decides what is wrong, only that it is not sure.
 */
import { isDigit, MINUS, type JsonCursor } from "./json_cursor.js";

export const DEVIATION = Symbol("deviation");

/** A number that Zod's `z.number()` takes: a finite double. */
export function fastNumber(cursor: JsonCursor): number {
  const c = cursor.peek();
  if (c !== MINUS && !isDigit(c)) throw DEVIATION;
  const v = cursor.number();
  if (!Number.isFinite(v)) throw DEVIATION;
  return v;
}

/** A number that is a finite float32 once rounded to one (what dataset values must be). */
export function fastFloat32(cursor: JsonCursor): number {
  const f = Math.fround(fastNumber(cursor));
  if (!Number.isFinite(f)) throw DEVIATION;
  return f;
}
