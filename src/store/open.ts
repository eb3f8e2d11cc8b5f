/** The store a deployment uses, for every process that opens it (the server, the CLI). */
import { join } from "node:path";
import { PostgresStore } from "./postgres.js";
import { SqliteStore } from "./sqlite.js";
import type { Store } from "./store.js";

export interface StoreLocation {
  /** Where the SQLite database (kiln.db) lives, when there is no databaseUrl. */
  dataDir: string;
  databaseUrl?: string | undefined;
  databaseSchema: string;
}

/** Postgres when databaseUrl is set (shared by a deployment's processes), else SQLite in dataDir. */
export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.databaseUrl !== undefined) return PostgresStore.open({ url: location.databaseUrl, schema: location.databaseSchema });
  return SqliteStore.open({ path: join(location.dataDir, "kiln.db") });
}
