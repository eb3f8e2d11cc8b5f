export * from "./types.js";
export * from "./store.js";
export type { EventRetentionPolicy, PruneBudget, PruneResult } from "./retention.js";
export { PAGE_LIMITS, StoreCursorError } from "./common.js";
export { SqliteStore, type SqliteStoreOptions } from "./sqlite.js";
export { PostgresStore, type PostgresStoreOptions } from "./postgres.js";
