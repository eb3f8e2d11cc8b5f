/**
 * `kiln keys create`: a key made straight in the store, without the API: how a deployment gets
 * its first key (and so starts in keys mode) with no operator key and no open port. Whoever can
 * open the store can do anything anyway.
 */
import { z } from "zod";
import { ConfigError, loadConfig, type Config } from "../http/config.js";
import { text } from "../schema/text.js";
import { createKey } from "../services/keys.js";
import { createTenant, TENANT_NAME } from "../services/tenants.js";
import { KEY_ROLES } from "../store/types.js";
import { parseCommand } from "./args.js";
import { EXIT, type CliIo, type Command } from "./command.js";

const Args = z.strictObject({
  tenant: z.string({ error: "is required" }).regex(TENANT_NAME.pattern, TENANT_NAME.message),
  role: z.enum(KEY_ROLES, { error: `expected one of ${KEY_ROLES.join(", ")}` }),
  name: text(200).optional(),
  "expires-at": z.iso
    .datetime({ offset: true, error: "expected an ISO 8601 date and time, e.g. 2030-01-01T00:00:00Z" })
    .refine((at) => Date.parse(at) > Date.now(), "is not in the future")
    .optional(),
});
const OPTIONS = { tenant: { type: "string" }, role: { type: "string" }, name: { type: "string" }, "expires-at": { type: "string" } } as const;

/** The server's configuration, or null (said on stderr) when the environment holds a bad value. */
function readConfig(io: CliIo): Config | null {
  try {
    return loadConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`kiln: ${error.message}\n`);
    return null;
  }
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommand(argv, OPTIONS, Args);
  const config = readConfig(io);
  if (config === null) return EXIT.usage;
  // loaded here, not above: the store's drivers (SQLite, Postgres) would slow every other command's start by ~0.5 s
  const { openStore } = await import("../store/open.js");
  const store = await openStore(config);
  try {
    const { tenant, created } = await createTenant(store, args.tenant);
    const expiresAt = args["expires-at"] === undefined ? null : new Date(args["expires-at"]).toISOString();
    const { key, record } = await createKey(store, { tenantId: tenant.id, role: args.role, name: args.name ?? null, expiresAt });
    // the key alone on stdout, for `KEY=$(kiln keys create …)`; what it is, on stderr
    io.stdout(`${key}\n`);
    io.stderr(
      `kiln: created ${record.role} key ${record.id} (prefix ${record.prefix}) for tenant "${tenant.name}" (${tenant.id}${created ? ", new" : ""}); ` +
        `it is shown this once\n`,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export const keysCreate: Command = {
  path: ["keys", "create"],
  usage: "kiln keys create --tenant NAME --role admin|member|read [--name NAME] [--expires-at ISO-8601]",
  run,
};
