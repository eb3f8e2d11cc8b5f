/**
 * The one error type of the schema layer: what is wrong with a request body, and where.
 */
import type { z } from "zod";

/** A path into a request body: object keys and array indices, e.g. `["layers", 2, "in_features"]`. */
export type SpecPath = (string | number)[];

/**
 * A request body that is well-formed JSON but describes something impossible or inconsistent (a
 * layer that does not fit its input, a ragged dataset row, a loss that cannot use the labels).
 * `path` names the field at fault, as Zod issue paths do; `formatPath(path)` prints it.
 */
export class SpecError extends Error {
  override name = "SpecError";

  constructor(
    message: string,
    readonly path: SpecPath,
  ) {
    super(message);
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A path as a JavaScript-style accessor: `["layers", 2, "out_features"]` → `layers[2].out_features`,
 * `["csv", "row", 7, "column", "x 3"]` → `csv.row[7].column["x 3"]`; the empty path → `""`.
 */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (IDENTIFIER.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** A Zod issue path (keys may be symbols) as a SpecPath. */
export function toSpecPath(path: readonly PropertyKey[]): SpecPath {
  return path.map((k) => (typeof k === "number" ? k : String(k)));
}

/**
 * The first issue of a ZodError as a SpecError (its path and message); for callers that want one
 * error type. The HTTP layer may rather list every issue: see `error.issues`.
 */
export function specErrorFromZod(error: z.ZodError): SpecError {
  const issue = error.issues[0];
  if (issue === undefined) return new SpecError(error.message, []);
  return new SpecError(issue.message, toSpecPath(issue.path));
}

/** `schema.parse(body)`, throwing a SpecError (the first Zod issue) instead of a ZodError. */
export function parseSpec<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw specErrorFromZod(result.error);
  return result.data;
}
