/**
 * The byte-level JSON readers (datasets, weights) against the path they replace (JSON.parse, the
 * Zod schema, then the checks): what a body gets from either, as the API would answer it.
 */
import { expect } from "vitest";
import { z } from "zod";
import { formatPath, JsonSyntaxError, SpecError } from "../../src/schema/index.js";

/** Malformed JSON, a 400 with the schema's paths, a 422 with the path and message, or what was read. */
export type ReaderAnswer = { status: "malformed" } | { status: 400; paths: string[] } | { status: 422; path: string; message: string } | { status: "read"; facts: unknown };

/** What `read` answers: `facts` of what it read, or the error it threw as the API answers it. */
export function answerOf<T>(read: () => T, facts: (value: T) => unknown): ReaderAnswer {
  try {
    return { status: "read", facts: facts(read()) };
  } catch (e) {
    if (e instanceof SyntaxError || e instanceof JsonSyntaxError) return { status: "malformed" };
    if (e instanceof z.ZodError) return { status: 400, paths: e.issues.map((i) => formatPath(i.path as (string | number)[])) };
    if (e instanceof SpecError) return { status: 422, path: formatPath(e.path), message: e.message };
    throw e;
  }
}

/**
 * Expects the reader to answer every body as the standard path does; for a 400 the reader may name
 * a place inside what the schema names (`features[0][1]` in `features[0]`).
 */
export function expectSameAnswers(bodies: readonly string[], read: (text: string) => ReaderAnswer, standard: (text: string) => ReaderAnswer): void {
  for (const text of bodies) {
    const expected = standard(text);
    const got = read(text);
    if (expected.status === 400 && got.status === 400) {
      for (const path of got.paths) expect(expected.paths.some((p) => path.startsWith(p)), `${text}: ${path} in ${expected.paths}`).toBe(true);
    } else {
      expect(got, text).toEqual(expected);
    }
  }
}
