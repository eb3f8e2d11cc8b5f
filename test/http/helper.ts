/**
 * Builds the real app over a real SQLite store in a temporary directory, for `app.inject` tests.
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
import { startServices, type StartedServices } from "../../src/http/services.js";
import { SqliteStore } from "../../src/store/sqlite.js";

export interface TestApp {
  app: FastifyInstance;
  services: StartedServices;
  store: SqliteStore;
  config: Config;
  dataDir: string;
  /** Closes the app and the store and deletes the data directory. */
  close(): Promise<void>;
}

export interface TestAppOptions extends Omit<Partial<AppDeps>, "config" | "store" | "models" | "jobs" | "ingest"> {
  /** Configuration overrides (camelCase, e.g. `{ limits: { maxBodyBytes: 1024 } }`). */
  config?: Record<string, unknown>;
}

export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const { config: overrides = {}, ...deps } = options;
  const dataDir = mkdtempSync(join(tmpdir(), "kiln-http-"));
  // rate limits off, as for server processes (see server_process.ts)
  const rateLimits = { read: 0, write: 0, train: 0, predict: 0 };
  const config = Config.parse({ logLevel: "silent", dataDir, workers: 1, rateLimits, ...overrides });
  const store = SqliteStore.open({ path: join(dataDir, "kiln.db") });
  const services = await startServices(store, config);
  const app = await buildApp({ store, config, ...services, ...deps });
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
    },
  };
}

/** The error body of a response, typed. */
export function errorOf(res: { json(): unknown }): { code: string; message: string; details?: { path: string; message: string }[] } {
  return (res.json() as { error: { code: string; message: string; details?: { path: string; message: string }[] } }).error;
}
