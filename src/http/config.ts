/**
 * The service's configuration: read once from the environment at start-up (`loadConfig()` in
 * server.ts) and passed down; nothing else reads `process.env`.
 */
import { availableParallelism } from "node:os";
import { z } from "zod";
import { SCHEMA_NAME } from "../store/postgres_schema.js";

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

/**
 * Comma-separated origins (`https://app.example.com`), each exactly as browsers send it: scheme,
 * host and port only. `*` is refused: an open Kiln on loopback needs no key, so any web page its
 * user visits could drive it; naming the origins keeps browsers to the ones trusted.
 */
const CorsOrigins = z.string().transform((value, ctx) => {
  const origins = value.split(",").map((o) => o.trim()).filter((o) => o !== "");
  for (const origin of origins) {
    if (origin === "*") {
      ctx.addIssue({ code: "custom", message: "* is refused (any web page could use the API): name each origin, e.g. https://app.example.com" });
    } else if (!URL.canParse(origin) || !/^https?:$/.test(new URL(origin).protocol) || new URL(origin).origin !== origin) {
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(origin)} is not an origin: expected http(s)://host[:port], without path or trailing slash` });
    }
  }
  return origins;
});

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Limits that protect the service from requests too large to serve. */
export const Limits = z.object({
  /** Largest request body accepted (HTTP 413 above). */
  maxBodyBytes: int(1).default(64 * 1024 * 1024),
  /** Largest model, in parameters. */
  maxParams: int(1).default(10_000_000),
  /** Largest dataset, in samples. */
  maxSamples: int(1).default(1_000_000),
  /** Most epochs a training job may ask for. */
  maxEpochs: int(1).default(10_000),
  /** Most jobs waiting in the queue (HTTP 429 above). */
  maxQueuedJobs: int(1).default(100),
  /** Most optimizer steps one job may take in all (epochs × batches per epoch; HTTP 422 above). */
  maxJobSteps: int(1).default(10_000_000),
  /**
   * Most activation values one training step may hold: batch_size × the values every layer
   * outputs for one sample (HTTP 422 naming batch_size above). 256M float32 values are 1 GiB, about
   * doubled by their gradients.
   */
  maxStepValues: int(1).default(256_000_000),
  /**
   * Most numbers one JSON response may hold (a prediction's outputs, weights as JSON): checked
   * before the response is built (HTTP 422 above; safetensors carries weights of any size).
   */
  maxResponseValues: int(1).default(1_000_000),
  /**
   * Most work one prediction request may ask for, counted as samples × (parameters + activation
   * values per sample): about its multiply-adds and the numbers it holds at once. Predictions run
   * on the API thread, so this bounds how long they hold it (HTTP 422 above).
   */
  maxPredictWork: int(1).default(200_000_000),
  /**
   * Largest prediction request body (HTTP 413 above): predictions read their body on the API
   * thread, at ~100-150 MB/s, so this keeps one under ~40 ms.
   */
  maxPredictBodyBytes: int(1).default(4 * 1024 * 1024),
  /** Most TCP connections open at once; further ones get a 503 and are closed. */
  maxConnections: int(1).default(1000),
  /** Most event streams open at once in this process (HTTP 503 above). */
  maxEventStreams: int(1).default(500),
});
export type Limits = z.output<typeof Limits>;

/**
 * What each tenant may hold or use at once, unless the operator set the tenant's own limits
 * (PATCH /v1/tenants/{id}); past one, 403 `quota_exceeded` (running jobs wait in the queue
 * instead). GET /v1/usage shows a tenant its use and limit of each.
 */
export const Quotas = z.object({
  models: int(1).default(1000),
  datasets: int(1).default(1000),
  /** Bytes stored: models' weights and datasets' features and labels. */
  bytes: int(1).default(10 * 1024 ** 3),
  /** Jobs queued or running at once (the queue's limit, maxQueuedJobs, holds for all tenants together). */
  queuedJobs: int(1).default(100),
  /**
   * Jobs training at once; more wait in the queue, where tenants take turns (the fewest running go
   * first) whatever this is.
   */
  runningJobs: int(1).default(16),
  /**
   * Event streams open at once in this process (maxEventStreams holds for all tenants together); by
   * default as many as the process takes, so that one tenant (open mode's) may use them all.
   */
  eventStreams: int(1).default(500),
});
export type Quotas = z.output<typeof Quotas>;

/** How long clients may take, so that idle or trickling connections cannot pile up. */
export const Timeouts = z.object({
  /** From a connection's start (or its previous response) to the end of a request's headers; also cuts connections that never send one. */
  headersMs: int(1).default(30_000),
  /** From a request's start to the last byte of its body (HTTP 408 after). */
  requestMs: int(1).default(120_000),
  /** How long a keep-alive connection may stay idle between requests. */
  keepAliveMs: int(1).default(72_000),
});
export type Timeouts = z.output<typeof Timeouts>;

/**
 * Requests per API key (the operator key, or in open mode a client address) per window, by budget;
 * 0 turns a budget's limit off (HTTP 429 above).
 */
export const RateLimits = z.object({
  /** GET and HEAD. */
  read: int(0).default(600),
  /** Other methods, but for the two below. */
  write: int(0).default(120),
  /** POST /v1/jobs: each one queues training (the queue's own cap, maxQueuedJobs, still holds). */
  train: int(0).default(60),
  /** POST /v1/models/{id}/predict: the hot path, bounded per request by maxPredictWork. */
  predict: int(0).default(6000),
  /**
   * Failed authentications (401s) per client address: past it, that address gets 429 on keyed
   * routes until the window ends, before any key is looked up (counted per process).
   */
  authFailures: int(0).default(60),
  windowMs: int(1000, 86_400_000).default(60_000),
});

/**
 * The configuration, camelCase. `Config.parse({})` gives every default, and tests build theirs
 * with `Config.parse({ logLevel: "silent", limits: { maxBodyBytes: 1024 } })`.
 */
export const Config = z.object({
  port: int(0, 65_535).default(3000),
  host: z.string().min(1).default("127.0.0.1"),
  /** Where the SQLite database (kiln.db) lives. */
  dataDir: z.string().min(1).default("./data"),
  /**
   * Worker threads that train jobs. 0 makes an API-only process, which needs a shared queue
   * (redisUrl) whose jobs other processes train.
   */
  workers: int(0, 1024).default(() => availableParallelism()),
  /**
   * Threads each training worker's kernels use (its own `setNumThreads`). Unset: the cores shared
   * out between the workers, at least one each, so that busy workers never ask for more threads
   * than the machine has.
   */
  threadsPerWorker: int(1, 1024).optional(),
  /** Worker threads that parse request bodies (datasets, weights), apart from the training workers. */
  parseThreads: int(1, 64).default(1),
  logLevel: z.enum(LOG_LEVELS).default("info"),
  /** Minimum time between two checkpoints of a running job: the most work a crash can undo. */
  checkpointIntervalMs: int(0, 3_600_000).default(1000),
  /** Jobs that ended more than this many days ago lose their `progress` events (epochs, statuses and `done` stay). */
  eventRetentionDays: int(0, 36_500).default(30),
  /** Every job keeps its last this many events in full; its older `progress` events go. */
  eventRetentionEvents: int(1).default(1_000_000),
  /** A Postgres store, when set (the SQLite store in dataDir otherwise). */
  databaseUrl: z.url({ protocol: /^postgres(ql)?$/, error: "expected a postgres:// or postgresql:// URL" }).optional(),
  /** The Postgres schema holding Kiln's tables (created if missing): deployments sharing one database keep apart by it. */
  databaseSchema: z.string().regex(SCHEMA_NAME, "expected a lowercase Postgres name: letters, digits and _").default("public"),
  /**
   * A job queue on Redis (BullMQ) shared by every process of a deployment, when set (a queue in
   * this process otherwise). Needs databaseUrl: the processes must share the store too.
   */
  redisUrl: z.url({ protocol: /^rediss?$/, error: "expected a redis:// or rediss:// URL" }).optional(),
  /** The shared queue's name: deployments sharing one Redis keep apart by it. */
  queueName: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "expected 1 to 100 letters, digits, - or _").default("kiln-jobs"),
  /**
   * How long a trainer's lock on a job of the shared queue lasts without renewal (it renews every
   * quarter of it; stall checks run every half): how soon a trainer that died or stands still
   * loses its jobs to the others (after at most twice this).
   */
  queueLockMs: int(1000, 3_600_000).default(60_000),
  /**
   * `keys`: every /v1 request needs an API key; `none`: open, every request acts as the default
   * tenant's admin. Unset: keys when there is an admin key or an active key in the store, else open
   * on a loopback host and a refusal to start on any other (see auth_mode.ts).
   */
  authMode: z.enum(["keys", "none"]).optional(),
  /** The operator key: creates tenants and keys for any tenant, and nothing else. */
  adminKey: z.string().min(32, "must be at least 32 characters").regex(/^\S+$/, "must not hold whitespace").optional(),
  /** Web origins whose pages may call the API from a browser (CORS); none when empty. */
  corsOrigins: CorsOrigins.default([]),
  limits: Limits.prefault({}),
  rateLimits: RateLimits.prefault({}),
  quotas: Quotas.prefault({}),
  timeouts: Timeouts.prefault({}),
}).superRefine((c, ctx) => {
  if (c.timeouts.headersMs > c.timeouts.requestMs) {
    ctx.addIssue({ code: "custom", path: ["timeouts", "headersMs"], message: `must not exceed the request timeout (${c.timeouts.requestMs} ms)` });
  }
  if (c.redisUrl !== undefined && c.databaseUrl === undefined) {
    ctx.addIssue({ code: "custom", path: ["redisUrl"], message: "a shared queue needs a shared store: set KILN_DATABASE_URL too" });
  }
  if (c.workers === 0 && c.redisUrl === undefined) {
    ctx.addIssue({ code: "custom", path: ["workers"], message: "0 (an API-only process) needs a shared queue (KILN_REDIS_URL) whose jobs other processes train" });
  }
});
export type Config = z.output<typeof Config>;

/** Each environment variable and where it goes in Config. */
export const ENV_VARS = {
  PORT: ["port"],
  HOST: ["host"],
  KILN_DATA_DIR: ["dataDir"],
  KILN_WORKERS: ["workers"],
  KILN_THREADS_PER_WORKER: ["threadsPerWorker"],
  KILN_PARSE_THREADS: ["parseThreads"],
  LOG_LEVEL: ["logLevel"],
  KILN_CHECKPOINT_INTERVAL_MS: ["checkpointIntervalMs"],
  KILN_EVENT_RETENTION_DAYS: ["eventRetentionDays"],
  KILN_EVENT_RETENTION_EVENTS: ["eventRetentionEvents"],
  KILN_DATABASE_URL: ["databaseUrl"],
  KILN_DATABASE_SCHEMA: ["databaseSchema"],
  KILN_REDIS_URL: ["redisUrl"],
  KILN_QUEUE_NAME: ["queueName"],
  KILN_QUEUE_LOCK_MS: ["queueLockMs"],
  KILN_MAX_BODY_BYTES: ["limits", "maxBodyBytes"],
  KILN_MAX_PARAMS: ["limits", "maxParams"],
  KILN_MAX_SAMPLES: ["limits", "maxSamples"],
  KILN_MAX_EPOCHS: ["limits", "maxEpochs"],
  KILN_MAX_QUEUED_JOBS: ["limits", "maxQueuedJobs"],
  KILN_MAX_JOB_STEPS: ["limits", "maxJobSteps"],
  KILN_MAX_STEP_VALUES: ["limits", "maxStepValues"],
  KILN_MAX_RESPONSE_VALUES: ["limits", "maxResponseValues"],
  KILN_MAX_PREDICT_WORK: ["limits", "maxPredictWork"],
  KILN_MAX_PREDICT_BODY_BYTES: ["limits", "maxPredictBodyBytes"],
  KILN_MAX_CONNECTIONS: ["limits", "maxConnections"],
  KILN_HEADERS_TIMEOUT_MS: ["timeouts", "headersMs"],
  KILN_REQUEST_TIMEOUT_MS: ["timeouts", "requestMs"],
  KILN_KEEP_ALIVE_TIMEOUT_MS: ["timeouts", "keepAliveMs"],
  KILN_MAX_EVENT_STREAMS: ["limits", "maxEventStreams"],
  KILN_RATE_LIMIT_READ: ["rateLimits", "read"],
  KILN_RATE_LIMIT_WRITE: ["rateLimits", "write"],
  KILN_RATE_LIMIT_TRAIN: ["rateLimits", "train"],
  KILN_RATE_LIMIT_PREDICT: ["rateLimits", "predict"],
  KILN_RATE_LIMIT_AUTH_FAILURES: ["rateLimits", "authFailures"],
  KILN_RATE_LIMIT_WINDOW_MS: ["rateLimits", "windowMs"],
  KILN_QUOTA_MODELS: ["quotas", "models"],
  KILN_QUOTA_DATASETS: ["quotas", "datasets"],
  KILN_QUOTA_BYTES: ["quotas", "bytes"],
  KILN_QUOTA_QUEUED_JOBS: ["quotas", "queuedJobs"],
  KILN_QUOTA_RUNNING_JOBS: ["quotas", "runningJobs"],
  KILN_QUOTA_EVENT_STREAMS: ["quotas", "eventStreams"],
  KILN_AUTH: ["authMode"],
  KILN_ADMIN_KEY: ["adminKey"],
  KILN_CORS_ORIGINS: ["corsOrigins"],
} as const satisfies Record<string, readonly string[]>;

export type EnvVar = keyof typeof ENV_VARS;

/** Variables whose values are never written anywhere, even when invalid. */
const SECRET_VARS: ReadonlySet<string> = new Set<EnvVar>(["KILN_ADMIN_KEY"]);

/** One or more environment variables hold values the service cannot use. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: { variable: string; value: string | undefined; message: string }[]) {
    super(
      `invalid configuration:\n` +
        problems.map((p) => `  ${p.variable}=${JSON.stringify(p.value ?? "")}: ${p.message}`).join("\n"),
    );
  }
}

/**
 * Reads the configuration from environment variables (unset or empty ones take their defaults).
 * Throws a ConfigError naming every bad variable, not just the first.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, unknown> = {};
  for (const [variable, path] of Object.entries(ENV_VARS) as [EnvVar, readonly string[]][]) {
    const value = env[variable]?.trim();
    if (value === undefined || value === "") continue;
    let target = input;
    for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[path[path.length - 1]!] = value;
  }
  const result = Config.safeParse(input);
  if (result.success) return result.data;
  const byPath = new Map(Object.entries(ENV_VARS).map(([variable, path]) => [path.join("."), variable]));
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const variable = byPath.get(issue.path.map(String).join(".")) ?? issue.path.join(".");
      return { variable, value: SECRET_VARS.has(variable) ? "(hidden)" : env[variable], message: issue.message };
    }),
  );
}
