/**
 * The Postgres and Redis that tests of the scale-out mode run against: real servers, at
 * KILN_TEST_DATABASE_URL and KILN_TEST_REDIS_URL (default: this machine's standard local ports);
 * and the Chromium that the dashboard's browser test drives (KILN_TEST_CHROMIUM, default Debian's).
 * On a machine without them those tests are skipped, saying why; with KILN_TEST_SERVICES=required
 * (what `.ci/run` sets, after starting or installing them) a missing one fails the run instead.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { Redis } from "ioredis";
import pg from "pg";

export const TEST_DATABASE_URL = process.env.KILN_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const TEST_REDIS_URL = process.env.KILN_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const TEST_CHROMIUM = process.env.KILN_TEST_CHROMIUM ?? "/usr/bin/chromium";

const REQUIRED = process.env.KILN_TEST_SERVICES === "required";

/** Whether a TCP connection to the URL's host and port opens within a second. */
function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ""), port: Number(port || defaultPort) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** False (the caller skips its tests) when the run does not require the service; throws when it does. */
function missing(name: string, message: string): false {
  if (REQUIRED) throw new Error(`${message}, and KILN_TEST_SERVICES=required`);
  process.stderr.write(`skipping ${name} tests: ${message} (set KILN_TEST_SERVICES=required to fail instead)\n`);
  return false;
}

/** True when the service answers; otherwise see `missing`. */
async function available(name: string, url: string, defaultPort: number): Promise<boolean> {
  return (await reachable(url, defaultPort)) || missing(name, `${name} is not reachable at ${url}`);
}

export const postgresAvailable = (): Promise<boolean> => available("Postgres", TEST_DATABASE_URL, 5432);
export const redisAvailable = (): Promise<boolean> => available("Redis", TEST_REDIS_URL, 6379);
/** True when Chromium is installed (`.ci/run` installs Debian's); otherwise see `missing`. */
export const chromiumAvailable = (): boolean => existsSync(TEST_CHROMIUM) || missing("browser", `Chromium is not installed at ${TEST_CHROMIUM}`);

/**
 * A Postgres schema and a queue name of one test's own, so that its tables and its Redis keys
 * (the queue's `bull:<queue>:*`, the rate limits' and event signals' `kiln:<queue>:*`) are apart
 * from every other test's: `env` configures server processes for them, `drop()` removes both.
 */
export interface ScaleOutNamespace {
  schema: string;
  queueName: string;
  /** KILN_DATABASE_URL, KILN_DATABASE_SCHEMA, KILN_REDIS_URL and KILN_QUEUE_NAME. */
  env: Record<string, string>;
  /** Drops the schema and deletes the queue's Redis keys (once whatever used them has stopped). */
  drop(): Promise<void>;
}

export function scaleOutNamespace(prefix: string): ScaleOutNamespace {
  const suffix = randomBytes(6).toString("hex");
  const schema = `${prefix}_${suffix}`;
  const queueName = `${prefix}-${suffix}`;
  return {
    schema,
    queueName,
    env: { KILN_DATABASE_URL: TEST_DATABASE_URL, KILN_DATABASE_SCHEMA: schema, KILN_REDIS_URL: TEST_REDIS_URL, KILN_QUEUE_NAME: queueName },
    async drop() {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
      const redis = new Redis(TEST_REDIS_URL);
      try {
        const keys = [...(await redis.keys(`bull:${queueName}:*`)), ...(await redis.keys(`kiln:${queueName}:*`))];
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    },
  };
}
