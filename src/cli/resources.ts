/**
 * `kiln models|datasets|jobs ls|show|rm`: the same commands for each resource, over its
 * GET /v1/{plural}, GET /v1/{plural}/{id} and DELETE /v1/{plural}/{id}.
 */
import { z } from "zod";
import type { pageOf } from "../http/routes/common.js";
import { IdArgs, JSON_OPTION, parseCommand } from "./args.js";
import { ApiClient } from "./client.js";
import { EXIT, type Command } from "./command.js";
import { table, type Column } from "./table.js";

/** A page of a list route's answer. */
type Page<V> = z.infer<ReturnType<typeof pageOf<z.ZodType<V>>>>;

export interface Resource<V> {
  /** `model`, and the path's `models`. */
  noun: string;
  plural: string;
  columns: readonly Column<V>[];
  /** `show`'s text. */
  show(view: V): string;
  /** Query parameters `ls` also takes as options (`--status` for jobs), with their usage. */
  filters?: { name: string; usage: string }[];
}

export const resourcePath = (plural: string, id: string): string => `/v1/${plural}/${encodeURIComponent(id)}`;

export function lsCommand<V>(r: Resource<V>): Command {
  const filters = r.filters ?? [];
  const lsOptions = {
    limit: { type: "string" },
    after: { type: "string" },
    ...Object.fromEntries(filters.map((f) => [f.name, { type: "string" }] as const)),
    ...JSON_OPTION,
  } as const;
  const LsArgs = z.object({
    limit: z.coerce.number().int().min(1).optional(),
    after: z.string().min(1).optional(),
    ...Object.fromEntries(filters.map((f) => [f.name, z.string().min(1).optional()])),
    json: z.boolean().default(false),
  });

  return {
    path: [r.plural, "ls"],
    usage: `kiln ${r.plural} ls [--limit N] [--after ID]${filters.map((f) => ` [--${f.name} ${f.usage}]`).join("")} [--json]`,
    help: `Lists ${r.plural}, oldest first, a page at a time (the API's default page size unless --limit); --after continues after the id the last page ended with.`,
    async run(argv, io) {
      const args = parseCommand(argv, lsOptions, LsArgs);
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(args)) if (name !== "json" && value !== undefined) query.set(name, String(value));
      const page = await ApiClient.fromEnv(io.env).json<Page<V>>("GET", `/v1/${r.plural}${query.size > 0 ? `?${query}` : ""}`);
      if (args.json) io.stdout(`${JSON.stringify(page)}\n`);
      else io.stdout(table(r.columns, page.items));
      if (!args.json && page.next_cursor !== null) io.stderr(`more: kiln ${r.plural} ls --after ${page.next_cursor}\n`);
      return EXIT.ok;
    },
  };
}

export function showCommand<V>(r: Resource<V>): Command {
  return {
    path: [r.plural, "show"],
    usage: `kiln ${r.plural} show ID [--json]`,
    async run(argv, io) {
      const args = parseCommand(argv, JSON_OPTION, IdArgs, ["id"]);
      const view = await ApiClient.fromEnv(io.env).json<V>("GET", resourcePath(r.plural, args.id));
      io.stdout(args.json ? `${JSON.stringify(view)}\n` : r.show(view));
      return EXIT.ok;
    },
  };
}

/** `help`: what deleting takes along and when the API refuses. */
export function rmCommand<V>(r: Resource<V>, help = `Deletes the ${r.noun} (the API refuses while a queued or running job uses it).`): Command {
  return {
    path: [r.plural, "rm"],
    usage: `kiln ${r.plural} rm ID [--json]`,
    help,
    async run(argv, io) {
      const args = parseCommand(argv, JSON_OPTION, IdArgs, ["id"]);
      await ApiClient.fromEnv(io.env).send("DELETE", resourcePath(r.plural, args.id));
      io.stdout(args.json ? `${JSON.stringify({ id: args.id, deleted: true })}\n` : `deleted ${r.noun} ${args.id}\n`);
      return EXIT.ok;
    },
  };
}
