/**
 * A command's arguments: `node:util` parseArgs for the syntax, then a Zod schema for the values,
 * so that every bad argument becomes a UsageError naming the option (`--epochs: …`).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { z } from "zod";
import { UsageError } from "./command.js";

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** `--json`, which every HTTP command takes: print the API's JSON instead of text. */
export const JSON_OPTION = { json: { type: "boolean" } } as const satisfies ParseArgsOptionsConfig;

/** The arguments of a command on one resource: its ID and `--json`. */
export const IdArgs = z.object({ id: z.string().min(1), json: z.boolean().default(false) });

/**
 * Parses `args` with `options` (long names, as the schema's keys), the positional arguments named
 * by `positionals` (all required, in order: `["id"]` puts the first under `id`), and checks the
 * values with `schema`.
 */
export function parseCommand<S extends z.ZodType>(args: string[], options: ParseArgsOptionsConfig, schema: S, positionals: readonly string[] = []): z.output<S> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals.length > 0 });
  } catch (error) {
    // parseArgs's own errors (unknown option, missing value) are written for users
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const missing = positionals.slice(parsed.positionals.length);
  if (missing.length > 0) throw new UsageError(`${missing.map((name) => name.toUpperCase()).join(" and ")} missing`);
  if (parsed.positionals.length > positionals.length) throw new UsageError(`unexpected argument: ${parsed.positionals[positionals.length]}`);
  const named = Object.fromEntries(positionals.map((name, i) => [name, parsed.positionals[i]]));
  const result = schema.safeParse({ ...parsed.values, ...named });
  if (!result.success) {
    throw new UsageError(
      result.error.issues.map((i) => `${positionals.includes(String(i.path[0])) ? String(i.path[0]).toUpperCase() : `--${i.path.join(".")}`}: ${i.message}`).join("\n"),
    );
  }
  return result.data;
}
