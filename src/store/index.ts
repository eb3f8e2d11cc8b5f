export * from "./types.js";
export * from "./store.js";
export { SqliteStore, type SqliteStoreOptions } from "./sqlite.js";
