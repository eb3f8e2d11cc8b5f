/**
 * Rate limits per API key against real server processes: a burst past a budget gets 429
 * rate_limited with Retry-After and RateLimit-* headers, the next window passes again, reads,
 * writes and predictions have budgets of their own, so do two keys (open mode counts by client
 * address), and with two processes sharing Redis the limit is the deployment's.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import { postgresAvailable, redisAvailable, TEST_DATABASE_URL, TEST_REDIS_URL } from "../helpers/services.js";
import { serverProcessScope } from "./support/scope.js";
import { startServer } from "./support/server_process.js";
import { MODEL } from "./support/training.js";

const { dataDir } = serverProcessScope("kiln-rate-");

const ADMIN_KEY = `operator-${randomBytes(24).toString("hex")}`;
const bearer = (key: string): { authorization: string } => ({ authorization: `Bearer ${key}` });
const WINDOW_MS = 3000;
/** Small budgets, one window of a few seconds: the operator's set-up (a tenant, two keys) fits in its write budget. */
const LIMITS = {
  KILN_RATE_LIMIT_READ: "5",
  KILN_RATE_LIMIT_WRITE: "4",
  KILN_RATE_LIMIT_TRAIN: "1",
  KILN_RATE_LIMIT_PREDICT: "2",
  KILN_RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
};

function expectLimited(res: request.Response, budget: string, max: number): void {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({ error: { code: "rate_limited", message: expect.stringContaining(`${max} ${budget} requests per 3 s`) } });
  const retryAfter = Number(res.headers["retry-after"]);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
  expect(res.body.error.message).toContain(`retry in ${retryAfter} s`);
  expect(res.headers["ratelimit-limit"]).toBe(String(max));
  expect(res.headers["ratelimit-remaining"]).toBe("0");
  expect(Number(res.headers["ratelimit-reset"])).toBeLessThanOrEqual(retryAfter);
}

/** Sends `send()` until it is answered 2xx (the next window), failing after a generous deadline. */
async function untilPasses(send: () => Promise<request.Response>, timeoutMs = 4 * WINDOW_MS + 10_000): Promise<request.Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await send();
    if (res.status < 300) return res;
    expect(res.status).toBe(429);
    if (Date.now() > deadline) throw new Error(`still ${res.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a service with small rate limits (keys mode)", () => {
  it("answers a burst past a key's read budget 429 rate_limited, keeps writes, predictions and other keys apart, and lets the next window through", async () => {
    const server = await startServer({ dataDir: dataDir(), env: { KILN_ADMIN_KEY: ADMIN_KEY, ...LIMITS } });
    const api = request(server.baseUrl);
    const tenant = (await api.post("/v1/tenants").set(bearer(ADMIN_KEY)).send({ name: "acme" })).body as { id: string };
    const newKey = async (): Promise<string> => {
      const res = await api.post("/v1/keys").set(bearer(ADMIN_KEY)).send({ role: "member", tenant_id: tenant.id });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return (res.body as { key: string }).key;
    };
    const [a, b] = [await newKey(), await newKey()];
    const model = await api.post("/v1/models").set(bearer(a)).send(MODEL);
    expect(model.status).toBe(201);
    expect(model.headers["ratelimit-limit"]).toBe("4"); // a write
    expect(model.headers["ratelimit-remaining"]).toBe("3");

    const burst = await Promise.all(Array.from({ length: 8 }, () => api.get("/v1/models").set(bearer(a))));
    expect(burst.filter((res) => res.status === 200)).toHaveLength(5);
    const limited = burst.filter((res) => res.status !== 200);
    expect(limited).toHaveLength(3);
    for (const res of limited) expectLimited(res, "read", 5);
    const passed = burst.find((res) => res.status === 200)!;
    expect(passed.headers["ratelimit-limit"]).toBe("5");
    expect(Number(passed.headers["ratelimit-reset"])).toBeGreaterThanOrEqual(1);

    // while a's reads are spent: its writes and predictions, and b's reads, have budgets of their own
    const id = (model.body as { id: string }).id;
    expect((await api.post("/v1/models").set(bearer(a)).send(MODEL)).status).toBe(201);
    const predict = () => api.post(`/v1/models/${id}/predict`).set(bearer(a)).send({ inputs: [[0, 1, 2, 3, 4]] });
    expect((await predict()).status).toBe(200);
    expect((await predict()).status).toBe(200);
    expectLimited(await predict(), "predict", 2);
    expect((await api.get("/v1/models").set(bearer(b))).status).toBe(200);
    const stillSpent = await api.get("/v1/models").set(bearer(a));
    // (unless a slow machine took a whole window since the burst)
    if (stillSpent.status !== 200) expectLimited(stillSpent, "read", 5);

    // the operator key counts as one caller of its own
    const operatorReads = await Promise.all(Array.from({ length: 6 }, () => api.get("/v1/tenants").set(bearer(ADMIN_KEY))));
    expect(operatorReads.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 200, 429]);

    // public routes are never limited
    for (let i = 0; i < 10; i++) expect((await api.get("/healthz")).status).toBe(200);
    expect((await api.get("/openapi.json")).headers["ratelimit-limit"]).toBeUndefined();

    const next = await untilPasses(() => api.get("/v1/models").set(bearer(a)));
    expect(next.headers["ratelimit-remaining"]).toBe("4");
  }, 60_000);

  it("counts by client address in open mode, and a limit of 0 is off", async () => {
    const server = await startServer({ dataDir: dataDir(), env: { KILN_AUTH: "none", ...LIMITS, KILN_RATE_LIMIT_WRITE: "0" } });
    const api = request(server.baseUrl);
    const reads = await Promise.all(Array.from({ length: 7 }, () => api.get("/v1/datasets")));
    expect(reads.filter((res) => res.status === 429)).toHaveLength(2);
    for (const res of reads.filter((r) => r.status === 429)) expectLimited(res, "read", 5);
    for (let i = 0; i < 8; i++) {
      const res = await api.post("/v1/models").send(MODEL);
      expect(res.status).toBe(201);
      expect(res.headers["ratelimit-limit"]).toBeUndefined();
    }
  }, 60_000);
});

describe("failed authentications per client address", () => {
  it("answers an address past its failures 429 before looking at any key, valid ones too, until the window ends", async () => {
    const server = await startServer({ dataDir: dataDir(), env: { KILN_ADMIN_KEY: ADMIN_KEY, ...LIMITS, KILN_RATE_LIMIT_AUTH_FAILURES: "3" } });
    const api = request(server.baseUrl);
    // successes do not count
    for (let i = 0; i < 4; i++) expect((await api.get("/v1/tenants").set(bearer(ADMIN_KEY))).status).toBe(200);
    for (const key of ["kiln_wrong_key", "nonsense", `kiln_${"a".repeat(12)}_${"b".repeat(32)}`]) {
      expect((await api.get("/v1/models").set(bearer(key))).status).toBe(401);
    }
    const refused = await api.get("/v1/models").set(bearer("kiln_fourth_try"));
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(refused.body.error.message).toContain("3 failed authentications from this address in 3 s");
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    // the valid operator key is refused too while the address is blocked; public routes are not
    expect((await api.get("/v1/tenants").set(bearer(ADMIN_KEY))).status).toBe(429);
    expect((await api.get("/healthz")).status).toBe(200);
    await untilPasses(() => api.get("/v1/tenants").set(bearer(ADMIN_KEY)));
  }, 60_000);
});

const servicesUp = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!servicesUp)("two processes sharing Redis", () => {
  const schema = `kiln_rate_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const queueName = `kiln-rate-${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    const redis = new Redis(TEST_REDIS_URL);
    const keys = [...(await redis.keys(`bull:${queueName}:*`)), ...(await redis.keys(`kiln:${queueName}:*`))];
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it("share one count per key: requests split between them get 429 once the total passes the limit", async () => {
    const env = {
      KILN_DATABASE_URL: TEST_DATABASE_URL,
      KILN_DATABASE_SCHEMA: schema,
      KILN_REDIS_URL: TEST_REDIS_URL,
      KILN_QUEUE_NAME: queueName,
      KILN_ADMIN_KEY: ADMIN_KEY,
      ...LIMITS,
      KILN_RATE_LIMIT_READ: "6",
      KILN_RATE_LIMIT_WINDOW_MS: "60000", // one window for the whole test, however slow the machine
    };
    const servers = [await startServer({ dataDir: dataDir(), workers: 0, env }), await startServer({ dataDir: dataDir(), workers: 0, env })];
    const [first, second] = servers.map((server) => request(server.baseUrl)) as [ReturnType<typeof request>, ReturnType<typeof request>];
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      for (const api of [first, second]) statuses.push((await api.get("/v1/tenants").set(bearer(ADMIN_KEY))).status);
    }
    // 4 each, under 6 for either process alone: only the shared count refuses the last 2
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    const limited = await second.get("/v1/tenants").set(bearer(ADMIN_KEY));
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(limited.headers["ratelimit-limit"]).toBe("6");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(1);
    // their Redis clients close at shutdown
    for (const server of servers) expect((await server.stop()).code).toBe(0);
  }, 60_000);
});
