import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { Config, ConfigError, loadConfig } from "../../src/http/config.js";

describe("loadConfig", () => {
  it("gives every default for an empty environment", () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: "127.0.0.1",
      dataDir: "./data",
      workers: availableParallelism(),
      parseThreads: 1,
      logLevel: "info",
      checkpointIntervalMs: 1000,
      eventRetentionDays: 30,
      eventRetentionEvents: 1_000_000,
      databaseSchema: "public",
      queueName: "kiln-jobs",
      queueLockMs: 60_000,
      corsOrigins: [],
      limits: {
        maxBodyBytes: 64 * 1024 * 1024,
        maxParams: 10_000_000,
        maxSamples: 1_000_000,
        maxEpochs: 10_000,
        maxQueuedJobs: 100,
        maxJobSteps: 10_000_000,
        maxStepValues: 256_000_000,
        maxResponseValues: 1_000_000,
        maxPredictWork: 200_000_000,
        maxPredictBodyBytes: 4 * 1024 * 1024,
        maxConnections: 1000,
        maxEventStreams: 500,
      },
      rateLimits: { read: 600, write: 120, train: 60, predict: 6000, authFailures: 60, windowMs: 60_000 },
      quotas: { models: 1000, datasets: 1000, bytes: 10 * 1024 ** 3, queuedJobs: 100, runningJobs: 16, eventStreams: 500 },
      timeouts: { headersMs: 30_000, requestMs: 120_000, keepAliveMs: 72_000 },
    });
  });

  it("reads every variable", () => {
    const config = loadConfig({
      PORT: "8080",
      HOST: "0.0.0.0",
      KILN_DATA_DIR: "/data",
      KILN_WORKERS: "3",
      KILN_THREADS_PER_WORKER: "1",
      KILN_PARSE_THREADS: "2",
      LOG_LEVEL: "silent",
      KILN_CHECKPOINT_INTERVAL_MS: "250",
      KILN_EVENT_RETENTION_DAYS: "7",
      KILN_EVENT_RETENTION_EVENTS: "50000",
      KILN_DATABASE_URL: "postgres://kiln:secret@db:5432/kiln",
      KILN_DATABASE_SCHEMA: "kiln_staging",
      KILN_REDIS_URL: "redis://cache:6379",
      KILN_QUEUE_NAME: "kiln-staging",
      KILN_QUEUE_LOCK_MS: "5000",
      KILN_MAX_BODY_BYTES: "1048576",
      KILN_MAX_PARAMS: "1000",
      KILN_MAX_SAMPLES: "500",
      KILN_MAX_EPOCHS: "7",
      KILN_MAX_QUEUED_JOBS: "2",
      KILN_MAX_JOB_STEPS: "1000",
      KILN_MAX_STEP_VALUES: "5000000",
      KILN_MAX_RESPONSE_VALUES: "5000",
      KILN_MAX_PREDICT_WORK: "60000",
      KILN_MAX_PREDICT_BODY_BYTES: "65536",
      KILN_MAX_CONNECTIONS: "10",
      KILN_HEADERS_TIMEOUT_MS: "2000",
      KILN_REQUEST_TIMEOUT_MS: "4000",
      KILN_KEEP_ALIVE_TIMEOUT_MS: "1000",
      KILN_MAX_EVENT_STREAMS: "20",
      KILN_CORS_ORIGINS: "https://app.example.com",
      KILN_RATE_LIMIT_READ: "10",
      KILN_RATE_LIMIT_WRITE: "0",
      KILN_RATE_LIMIT_TRAIN: "2",
      KILN_RATE_LIMIT_PREDICT: "100",
      KILN_RATE_LIMIT_AUTH_FAILURES: "7",
      KILN_RATE_LIMIT_WINDOW_MS: "5000",
      KILN_QUOTA_MODELS: "5",
      KILN_QUOTA_DATASETS: "6",
      KILN_QUOTA_BYTES: "1000000",
      KILN_QUOTA_QUEUED_JOBS: "3",
      KILN_QUOTA_RUNNING_JOBS: "2",
      KILN_QUOTA_EVENT_STREAMS: "4",
    });
    expect(config).toEqual({
      port: 8080,
      host: "0.0.0.0",
      dataDir: "/data",
      workers: 3,
      threadsPerWorker: 1,
      parseThreads: 2,
      logLevel: "silent",
      checkpointIntervalMs: 250,
      eventRetentionDays: 7,
      eventRetentionEvents: 50_000,
      databaseUrl: "postgres://kiln:secret@db:5432/kiln",
      databaseSchema: "kiln_staging",
      redisUrl: "redis://cache:6379",
      queueName: "kiln-staging",
      queueLockMs: 5000,
      corsOrigins: ["https://app.example.com"],
      limits: {
        maxBodyBytes: 1048576,
        maxParams: 1000,
        maxSamples: 500,
        maxEpochs: 7,
        maxQueuedJobs: 2,
        maxJobSteps: 1000,
        maxStepValues: 5_000_000,
        maxResponseValues: 5000,
        maxPredictWork: 60000,
        maxPredictBodyBytes: 65536,
        maxConnections: 10,
        maxEventStreams: 20,
      },
      rateLimits: { read: 10, write: 0, train: 2, predict: 100, authFailures: 7, windowMs: 5000 },
      quotas: { models: 5, datasets: 6, bytes: 1_000_000, queuedJobs: 3, runningJobs: 2, eventStreams: 4 },
      timeouts: { headersMs: 2000, requestMs: 4000, keepAliveMs: 1000 },
    });
  });

  it("treats empty and blank variables as unset", () => {
    const config = loadConfig({ PORT: "", LOG_LEVEL: "  ", KILN_MAX_EPOCHS: "" });
    expect(config.port).toBe(3000);
    expect(config.logLevel).toBe("info");
    expect(config.limits.maxEpochs).toBe(10_000);
  });

  it("ignores unrelated variables", () => {
    expect(loadConfig({ PATH: "/usr/bin", KILN_UNKNOWN: "x" }).port).toBe(3000);
  });

  it("lists every bad variable in one error", () => {
    const env = {
      PORT: "eighty",
      KILN_WORKERS: "-1",
      LOG_LEVEL: "loud",
      KILN_MAX_BODY_BYTES: "-1",
      KILN_MAX_EPOCHS: "1.5",
      KILN_REDIS_URL: "not a url",
      HOST: "localhost",
    };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable).sort()).toEqual(
      ["KILN_MAX_BODY_BYTES", "KILN_MAX_EPOCHS", "KILN_REDIS_URL", "KILN_WORKERS", "LOG_LEVEL", "PORT"].sort(),
    );
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT="eighty"');
    expect(message).toContain('LOG_LEVEL="loud"');
    expect(message).toContain('KILN_MAX_BODY_BYTES="-1"');
    expect(message).not.toContain("HOST");
  });

  it("takes a shared store and queue only together, and an API-only process only with a shared queue", () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig(env);
        return [];
      } catch (e) {
        return (e as ConfigError).problems.map((p) => `${p.variable}: ${p.message}`);
      }
    };
    const postgres = "postgres://kiln@db/kiln";
    const redis = "redis://cache:6379";
    expect(problems({ KILN_REDIS_URL: redis })).toEqual(["KILN_REDIS_URL: a shared queue needs a shared store: set KILN_DATABASE_URL too"]);
    expect(problems({ KILN_WORKERS: "0" })).toEqual([
      "KILN_WORKERS: 0 (an API-only process) needs a shared queue (KILN_REDIS_URL) whose jobs other processes train",
    ]);
    expect(problems({ KILN_DATABASE_URL: postgres })).toEqual([]); // one process on Postgres, its own queue
    expect(loadConfig({ KILN_DATABASE_URL: postgres, KILN_REDIS_URL: redis, KILN_WORKERS: "0" }).workers).toBe(0);
    expect(problems({ KILN_DATABASE_URL: "mysql://db/kiln" })).toEqual(["KILN_DATABASE_URL: expected a postgres:// or postgresql:// URL"]);
    expect(problems({ KILN_DATABASE_URL: postgres, KILN_REDIS_URL: "http://cache" })).toEqual(["KILN_REDIS_URL: expected a redis:// or rediss:// URL"]);
    expect(problems({ KILN_QUEUE_NAME: "jobs:staging" })).toEqual(["KILN_QUEUE_NAME: expected 1 to 100 letters, digits, - or _"]);
    expect(problems({ KILN_QUEUE_LOCK_MS: "500" })).toEqual(["KILN_QUEUE_LOCK_MS: Too small: expected number to be >=1000"]);
    expect(problems({ KILN_DATABASE_SCHEMA: "Kiln-Staging" })).toEqual(["KILN_DATABASE_SCHEMA: expected a lowercase Postgres name: letters, digits and _"]);
    // Node refuses a headers timeout longer than the request timeout
    expect(problems({ KILN_HEADERS_TIMEOUT_MS: "5000", KILN_REQUEST_TIMEOUT_MS: "4000" })).toEqual([
      "KILN_HEADERS_TIMEOUT_MS: must not exceed the request timeout (4000 ms)",
    ]);
  });

  it("rejects ports out of range", () => {
    expect(() => loadConfig({ PORT: "70000" })).toThrow(/PORT="70000"/);
  });

  it("needs at least one event stream and one event kept per job", () => {
    expect(() => loadConfig({ KILN_MAX_EVENT_STREAMS: "0" })).toThrow(/KILN_MAX_EVENT_STREAMS="0"/);
    expect(() => loadConfig({ KILN_EVENT_RETENTION_EVENTS: "0" })).toThrow(/KILN_EVENT_RETENTION_EVENTS="0"/);
    expect(() => loadConfig({ KILN_EVENT_RETENTION_DAYS: "-1" })).toThrow(/KILN_EVENT_RETENTION_DAYS="-1"/);
    expect(loadConfig({ KILN_EVENT_RETENTION_DAYS: "0" }).eventRetentionDays).toBe(0);
  });

  it("takes rate limits of 0 (off) or more per window of at least a second, naming a bad variable", () => {
    for (const variable of ["KILN_RATE_LIMIT_READ", "KILN_RATE_LIMIT_WRITE", "KILN_RATE_LIMIT_TRAIN", "KILN_RATE_LIMIT_PREDICT"]) {
      expect(() => loadConfig({ [variable]: "-1" })).toThrow(new RegExp(`${variable}="-1"`));
      expect(() => loadConfig({ [variable]: "lots" })).toThrow(new RegExp(`${variable}="lots"`));
    }
    expect(() => loadConfig({ KILN_RATE_LIMIT_WINDOW_MS: "999" })).toThrow(/KILN_RATE_LIMIT_WINDOW_MS="999"/);
    expect(loadConfig({ KILN_RATE_LIMIT_PREDICT: "0" }).rateLimits.predict).toBe(0);
  });

  it("takes 1 to 64 parse threads", () => {
    expect(() => loadConfig({ KILN_PARSE_THREADS: "0" })).toThrow(/KILN_PARSE_THREADS="0"/);
    expect(loadConfig({ KILN_PARSE_THREADS: "64" }).parseThreads).toBe(64);
  });
});

describe("Config", () => {
  it("fills defaults for a partial camelCase object (as tests build theirs)", () => {
    const config = Config.parse({ logLevel: "silent", limits: { maxBodyBytes: 1024 } });
    expect(config.logLevel).toBe("silent");
    expect(config.limits).toMatchObject({ maxBodyBytes: 1024, maxParams: 10_000_000, maxSamples: 1_000_000, maxEpochs: 10_000, maxQueuedJobs: 100 });
  });
});
