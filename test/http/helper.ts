/**
 * Builds the real app over a real SQLite store in a temporary directory, for `app.inject` tests;
 * or, with `backend: "scale-out"`, over a real Postgres store and a BullMQ queue on a real Redis,
 * as a scale-out server process runs (check postgresAvailable() and redisAvailable() first).
 *
 *     const t = await buildTestApp({ routes: [myRoute] });
 *     const res = await t.app.inject({ method: "GET", url: "/healthz" });
 *     await t.close();
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { buildApp, type AppDeps } from "../../src/http/app.js";
import { Config } from "../../src/http/config.js";
import { createMetrics } from "../../src/http/metrics.js";
import { startServices, type StartedServices } from "../../src/http/services.js";
import { PostgresStore } from "../../src/store/postgres.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { scaleOutNamespace, TEST_DATABASE_URL, TEST_REDIS_URL } from "../helpers/services.js";

export interface TestApp<S extends SqliteStore | PostgresStore = SqliteStore> {
  app: FastifyInstance;
  services: StartedServices;
  store: S;
  config: Config;
  dataDir: string;
  /**
   * Closes the app and the store and deletes the data directory; on scale-out, also drops the
   * Postgres schema and deletes the queue's Redis keys.
   */
  close(): Promise<void>;
}

export interface TestAppOptions extends Omit<Partial<AppDeps>, "config" | "store" | "models" | "jobs" | "ingest"> {
  /** Configuration overrides (camelCase, e.g. `{ limits: { maxBodyBytes: 1024 } }`). */
  config?: Record<string, unknown>;
  /**
   * "sqlite" (the default): a SQLite file in the data directory, and the queue in this process.
   * "scale-out": a fresh schema of the test Postgres and a queue of its own on the test Redis.
   */
  backend?: "sqlite" | "scale-out";
}

export function buildTestApp(options?: TestAppOptions & { backend?: "sqlite" }): Promise<TestApp>;
export function buildTestApp(options: TestAppOptions & { backend: "scale-out" }): Promise<TestApp<PostgresStore>>;
export function buildTestApp(options: TestAppOptions): Promise<TestApp<SqliteStore | PostgresStore>>;
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp<SqliteStore | PostgresStore>> {
  const { config: overrides = {}, backend = "sqlite", ...deps } = options;
  const dataDir = mkdtempSync(join(tmpdir(), "kiln-http-"));
  const namespace = backend === "scale-out" ? scaleOutNamespace("kiln_http") : null;
  const shared = namespace && { databaseUrl: TEST_DATABASE_URL, databaseSchema: namespace.schema, redisUrl: TEST_REDIS_URL, queueName: namespace.queueName };
  // rate limits off, as for server processes (see server_process.ts)
  const rateLimits = { read: 0, write: 0, train: 0, predict: 0, authFailures: 0 };
  const config = Config.parse({ logLevel: "silent", dataDir, workers: 1, rateLimits, ...shared, ...overrides });
  const store = shared ? await PostgresStore.open({ url: shared.databaseUrl, schema: shared.databaseSchema }) : SqliteStore.open({ path: join(dataDir, "kiln.db") });
  // the jobs' series on the app's /metrics, as server.ts has them
  const metrics = deps.metrics ?? createMetrics();
  const services = await startServices(store, config, metrics);
  const app = await buildApp({ store, config, ...services, ...deps, metrics });
  let closed = false;
  return {
    app,
    services,
    store,
    config,
    dataDir,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await services.jobs.shutdown();
      await services.retention.stop();
      await services.ingest.destroy();
      await store.close().catch(() => undefined); // a test may have closed it already
      rmSync(dataDir, { recursive: true, force: true });
      await namespace?.drop();
    },
  };
}

/** The error body of a response, typed. */
export function errorOf(res: { json(): unknown }): { code: string; message: string; details?: { path: string; message: string }[] } {
  return (res.json() as { error: { code: string; message: string; details?: { path: string; message: string }[] } }).error;
}
