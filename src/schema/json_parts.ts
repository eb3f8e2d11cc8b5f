/**
 * Zod's verdict on parts of a body that a byte reader (json_cursor.ts) read on its own: the issues
 * of a part's schema, with paths that say where the part sits in the body. The readers build no
 * JavaScript value for a whole body, so the schema that documents it checks its outline (the keys,
 * small fields, and small stand-ins for the big arrays) and, part by part, whatever the fast path
 * did not take.
 */
import { z } from "zod";
import type { SpecPath } from "./errors.js";

/** A JSON number: what every element of the bodies' big arrays must be. */
export const JsonNumber = z.number();

export type Issue = z.core.$ZodIssue;

/** The issues of `schema` for `value`, a part of the body at `path`. */
export function partIssues(schema: z.ZodType, value: unknown, path: SpecPath): Issue[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] }));
}

/** The first element of nested arrays that is not a finite number, and where it is in them. */
function firstNonNumber(values: readonly unknown[], path: number[]): { value: unknown; path: number[] } | null {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Array.isArray(v)) {
      const found = firstNonNumber(v, [...path, i]);
      if (found) return found;
    } else if (typeof v !== "number" || !Number.isFinite(v)) {
      return { value: v, path: [...path, i] };
    }
  }
  return null;
}

/**
 * The issues of `schema` (arrays of numbers, nested) for `value`, except that an element that is
 * not a number names its own place, `features[3][1]`, where a union of array types would name the
 * whole part, `features[3]`.
 */
export function numbersIssues(schema: z.ZodType, value: unknown, path: SpecPath): Issue[] {
  const found = Array.isArray(value) ? firstNonNumber(value, []) : null;
  return found ? partIssues(JsonNumber, found.value, [...path, ...found.path]) : partIssues(schema, value, path);
}
