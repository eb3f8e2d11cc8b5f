/**
 * The service's entry point, and the only place that listens: configuration, store, app, listen;
 * on SIGTERM/SIGINT, a graceful stop (no new requests, in-flight ones finish, shutdown hooks run,
 * the store closes) and exit 0.
 *
 *     node dist/src/http/server.js        (npx tsx src/http/server.ts in development)
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { FastifyInstance } from "fastify";
import { pino, type Logger } from "pino";
import { DEFAULT_TENANT } from "../store/types.js";
import type { Store } from "../store/store.js";
import { openStore } from "../store/open.js";
import { buildApp, type AppDeps } from "./app.js";
import { AuthModeError, resolveAuthMode, type ResolvedAuthMode } from "./auth_mode.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { createMetrics } from "./metrics.js";
import { jobReadiness } from "./readiness.js";
import { startServices } from "./services.js";

/**
 * stdout, written 4 KiB at a time and at least every 250 ms, rather than a write per line: under
 * load, writing each request's access-log line on its own cost more main-thread time than the
 * line itself. Exiting flushes what is left (pino does on exit); a kill -9 can lose that much.
 */
const LOG_DESTINATION = { dest: 1, minLength: 4096, periodicFlush: 250 };

/** How long in-flight requests may take to finish at shutdown before their connections are cut. */
export const DRAIN_TIMEOUT_MS = 10_000;
/** How long a graceful stop may take in all before the process exits anyway (exit code 1). */
export const SHUTDOWN_TIMEOUT_MS = 25_000;

export type ShutdownHook = () => Promise<void> | void;

const shutdownHooks: ShutdownHook[] = [];

/**
 * Runs `fn` at shutdown, after the app has stopped serving and before the store closes; hooks run
 * in the reverse order of registration (last started, first stopped).
 */
export function onShutdown(fn: ShutdownHook): void {
  shutdownHooks.push(fn);
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`kiln: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** Whether requests need keys; a refusal to start (exit 2) when the configuration would leave the API unusable or open to the network. */
async function authModeOrExit(config: Config, store: Store): Promise<ResolvedAuthMode> {
  try {
    return await resolveAuthMode(config, store);
  } catch (error) {
    if (!(error instanceof AuthModeError)) throw error;
    process.stderr.write(`kiln: ${error.message}\n`);
    await store.close();
    process.exit(2);
  }
}

/** The first log line: whether the API needs keys, and why. */
function logAuthMode(log: Logger, { mode, reason }: ResolvedAuthMode): void {
  if (mode === "open") {
    log.warn({ auth: mode, tenant: DEFAULT_TENANT.name }, `Kiln runs open: every request acts as tenant "${DEFAULT_TENANT.name}" (admin) without a key, because ${reason}`);
  } else {
    log.info({ auth: mode }, `API keys required (${reason})`);
  }
}

/** A URL fit for the log: its password replaced by "***". */
function withoutPassword(url: string): string {
  const u = new URL(url);
  if (u.password !== "") u.password = "***";
  return u.toString();
}

async function listen(app: FastifyInstance, config: Config): Promise<void> {
  const address = await app.listen({ port: config.port, host: config.host });
  const store = config.databaseUrl !== undefined ? `${withoutPassword(config.databaseUrl)} (schema ${config.databaseSchema})` : join(config.dataDir, "kiln.db");
  const queue = config.redisUrl !== undefined ? `${withoutPassword(config.redisUrl)} (${config.queueName})` : "in-process";
  app.log.info({ address, store, queue, workers: config.workers }, `kiln listening on ${address}`);
}

/** Stops in order: the app (stop accepting, finish in-flight requests), the hooks, the store. */
async function shutdown(app: FastifyInstance, store: Store, signal: string): Promise<void> {
  app.log.info({ signal }, "shutting down");
  // close() waits for in-flight requests; connections still open after the drain time (slow
  // requests, clients that connected but never sent one) are cut.
  const drain = setTimeout(() => app.server.closeAllConnections(), DRAIN_TIMEOUT_MS);
  drain.unref();
  await app.close();
  clearTimeout(drain);
  for (const hook of [...shutdownHooks].reverse()) {
    try {
      await hook();
    } catch (err) {
      app.log.error({ err }, "shutdown hook failed");
    }
  }
  await store.close();
  app.log.info("stopped");
}

function handleSignals(app: FastifyInstance, store: Store): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      app.log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    const timer = setTimeout(() => {
      app.log.error(`graceful shutdown took over ${SHUTDOWN_TIMEOUT_MS} ms: exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    shutdown(app, store, signal).then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

export async function main(): Promise<void> {
  const config = readConfig();
  const store = await openStore(config);
  const metrics = createMetrics();
  // one logger for requests (with request ids) and jobs (with job ids)
  const log = pino({ level: config.logLevel }, pino.destination(LOG_DESTINATION));
  const authMode = await authModeOrExit(config, store);
  logAuthMode(log, authMode);
  const { models, jobs, retention, ingest, quotas } = await startServices(store, config, metrics, { log: log.child({ component: "jobs" }) });
  onShutdown(() => jobs.shutdown());
  onShutdown(() => retention.stop());
  onShutdown(() => ingest.destroy());
  const deps: AppDeps = { store, config, metrics, models, jobs, ingest, quotas, readiness: jobReadiness(jobs), loggerInstance: log, authMode };

  const app = await buildApp(deps);
  handleSignals(app, store);
  try {
    await listen(app, config);
    log.flush(); // whoever waits for the service to be up reads the listening line
  } catch (err) {
    app.log.fatal({ err }, "cannot listen");
    await app.close();
    await store.close();
    process.exit(1);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`kiln: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
