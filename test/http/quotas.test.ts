/**
 * Quotas per tenant (issue 15, OWASP API4), over a real socket: each quota is reached and the next
 * request refused with 403 quota_exceeded naming it, nothing of it stored (lists and usage as they
 * were); another tenant is not affected, and deleting (or ending, or closing) frees the quota.
 */
import { randomBytes } from "node:crypto";
import { get, type ClientRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "./helper.js";
import { dataset, jobSpec, MODEL } from "./support/training.js";

const ADMIN_KEY = `operator-${randomBytes(24).toString("hex")}`;
/** dataset(2000) is 2000 × (5 float32 features + an int64 label) = 56,000 bytes: one fits, not one more of 200. */
const BYTES = 60_000;
/** The running_jobs quota: the default (jobs past it wait in the queue; job_scheduling.test.ts). */
const RUNNING = 16;

let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await buildTestApp({
    config: { adminKey: ADMIN_KEY, workers: 1, quotas: { models: 2, datasets: 3, bytes: BYTES, queuedJobs: 2, eventStreams: 2 } },
  });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(() => t.close());

interface Answer {
  status: number;
  body: Record<string, unknown> & { id: string; error: { code: string; message: string; details?: { path: string; message: string }[] } };
}

async function call(key: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? ({} as Answer["body"]) : JSON.parse(text) };
}

async function ok(key: string, method: string, path: string, body?: unknown, status = 200): Promise<Answer["body"]> {
  const res = await call(key, method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(status);
  return res.body;
}

/** A new tenant's member key. */
async function tenantKey(name: string): Promise<string> {
  const tenant = await ok(ADMIN_KEY, "POST", "/v1/tenants", { name }, 201);
  return (await ok(ADMIN_KEY, "POST", "/v1/keys", { role: "member", tenant_id: tenant.id }, 201)).key as string;
}

type Quotas = Record<"models" | "datasets" | "bytes" | "queued_jobs" | "running_jobs" | "event_streams", { used: number; limit: number }>;
const usage = async (key: string): Promise<Quotas> => (await ok(key, "GET", "/v1/usage")).quotas as Quotas;
const count = async (key: string, what: "models" | "datasets"): Promise<number> => ((await ok(key, "GET", `/v1/${what}`)).items as unknown[]).length;

/** Expects a refusal of `quota` at `limit` with `used` in use: 403 quota_exceeded whose message and details name it. */
function expectRefused(res: Answer, quota: keyof Quotas, limit: number, used: number): void {
  expect(res.status, JSON.stringify(res.body)).toBe(403);
  expect(res.body.error.code).toBe("quota_exceeded");
  expect(res.body.error.message).toContain(`${quota} quota is ${limit} and it uses ${used}`);
  expect(res.body.error.details).toEqual([{ path: `quotas.${quota}`, message: `${used} used of ${limit}` }]);
}

describe("quotas per tenant", () => {
  it("shows every quota's use and limit at GET /v1/usage, to any role", async () => {
    const key = await tenantKey("usage");
    const tenant = (await ok(ADMIN_KEY, "GET", "/v1/tenants")).items as { id: string; name: string }[];
    const read = (await ok(ADMIN_KEY, "POST", "/v1/keys", { role: "read", tenant_id: tenant.find((x) => x.name === "usage")!.id }, 201)).key as string;
    await ok(key, "POST", "/v1/datasets", dataset(16), 201);
    const body = await ok(read, "GET", "/v1/usage");
    expect(body.quotas).toEqual({
      models: { used: 0, limit: 2 },
      datasets: { used: 1, limit: 3 },
      bytes: { used: 16 * (5 * 4 + 8), limit: BYTES },
      queued_jobs: { used: 0, limit: 2 },
      running_jobs: { used: 0, limit: RUNNING },
      event_streams: { used: 0, limit: 2 },
    });
  });

  it("refuses a model past the models quota, storing nothing; another tenant is unaffected; a delete frees it", async () => {
    const a = await tenantKey("models-a");
    const b = await tenantKey("models-b");
    const first = await ok(a, "POST", "/v1/models", MODEL, 201);
    await ok(a, "POST", "/v1/models", MODEL, 201);
    const before = await usage(a);
    expectRefused(await call(a, "POST", "/v1/models", MODEL), "models", 2, 2);
    expect(await count(a, "models")).toBe(2);
    expect(await usage(a)).toEqual(before);

    await ok(b, "POST", "/v1/models", MODEL, 201);
    await ok(a, "DELETE", `/v1/models/${first.id}`, undefined, 204);
    await ok(a, "POST", "/v1/models", MODEL, 201);
    expect((await usage(a)).models.used).toBe(2);
  });

  it("refuses a dataset past the datasets quota, storing nothing; a delete frees it", async () => {
    const a = await tenantKey("datasets-a");
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await ok(a, "POST", "/v1/datasets", dataset(4), 201));
    const before = await usage(a);
    expectRefused(await call(a, "POST", "/v1/datasets", dataset(4)), "datasets", 3, 3);
    expect(await count(a, "datasets")).toBe(3);
    expect(await usage(a)).toEqual(before);
    await ok(await tenantKey("datasets-b"), "POST", "/v1/datasets", dataset(4), 201);
    await ok(a, "DELETE", `/v1/datasets/${made[0]!.id}`, undefined, 204);
    await ok(a, "POST", "/v1/datasets", dataset(4), 201);
  });

  it("refuses what would store more bytes than the bytes quota (the new record's size counted), storing nothing", async () => {
    const a = await tenantKey("bytes-a");
    const large = await ok(a, "POST", "/v1/datasets", dataset(2000), 201);
    const before = await usage(a);
    expect(before.bytes.used).toBe(56_000);
    expectRefused(await call(a, "POST", "/v1/datasets", dataset(200)), "bytes", BYTES, 56_000);
    // a model's weights count too: 6,000 parameters are 24,000 bytes, more than the 4,000 left
    expectRefused(await call(a, "POST", "/v1/models", { input_shape: [5], layers: [{ type: "Linear", out_features: 1000 }] }), "bytes", BYTES, 56_000);
    expect(await count(a, "datasets")).toBe(1);
    expect(await count(a, "models")).toBe(0);
    expect(await usage(a)).toEqual(before);

    await ok(await tenantKey("bytes-b"), "POST", "/v1/datasets", dataset(2000), 201);
    await ok(a, "DELETE", `/v1/datasets/${large.id}`, undefined, 204);
    await ok(a, "POST", "/v1/datasets", dataset(200), 201);
  });

  it("refuses a job whose success would keep a version of the weights past the bytes quota, storing nothing", async () => {
    const c = await tenantKey("bytes-c");
    const data = (await ok(c, "POST", "/v1/datasets", dataset(1000), 201)).id;
    // 6,000 parameters: 24,000 bytes stored with the model fit, another 24,000 for a version do not
    const large = (await ok(c, "POST", "/v1/models", { input_shape: [5], layers: [{ type: "Linear", out_features: 1000 }] }, 201)).id;
    const before = await usage(c);
    expect(before.bytes.used).toBeGreaterThan(28_000 + 24_000);
    const refused = await call(c, "POST", "/v1/jobs", jobSpec(large, data, 1, 8));
    expectRefused(refused, "bytes", BYTES, before.bytes.used);
    expect(refused.body.error.message).toContain("this job's version of the weights needs 24000 more bytes");
    expect((await ok(c, "GET", "/v1/jobs")).items).toEqual([]);
    expect(await usage(c)).toEqual(before);
    // a model whose version fits trains, and its version counts
    const small = (await ok(c, "POST", "/v1/models", { input_shape: [5], layers: [{ type: "Linear", out_features: 4 }] }, 201)).id;
    const job = await ok(c, "POST", "/v1/jobs", jobSpec(small, data, 1, 8), 202);
    const deadline = Date.now() + 120_000;
    while ((await ok(c, "GET", `/v1/jobs/${job.id}`)).status !== "succeeded") {
      if (Date.now() > deadline) throw new Error("the small model's job did not succeed");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await usage(c)).bytes.used).toBeGreaterThan(before.bytes.used + 2 * 24 * 4);
  });

  describe("with a job that trains for long on the only worker", () => {
    let a: string;
    let running: string;
    let modelId: string;
    let datasetId: string;

    beforeAll(async () => {
      a = await tenantKey("jobs-a");
      modelId = (await ok(a, "POST", "/v1/models", MODEL, 201)).id;
      datasetId = (await ok(a, "POST", "/v1/datasets", dataset(512), 201)).id;
      // 512 steps an epoch for 10,000 epochs: it runs until cancelled
      running = (await ok(a, "POST", "/v1/jobs", jobSpec(modelId, datasetId, 10_000, 1), 202)).id;
      const deadline = Date.now() + 10_000;
      while ((await ok(a, "GET", `/v1/jobs/${running}`)).status !== "running") {
        if (Date.now() > deadline) throw new Error("the job did not start");
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    afterAll(async () => {
      for (const job of ((await ok(a, "GET", "/v1/jobs")).items as { id: string; status: string }[])) {
        if (job.status === "queued" || job.status === "running") await call(a, "POST", `/v1/jobs/${job.id}/cancel`);
      }
    });

    it("refuses a job past the queued_jobs quota (queued and running jobs), storing nothing; an ended job frees it", async () => {
      const queued = await ok(a, "POST", "/v1/jobs", jobSpec(modelId, datasetId, 1, 8), 202);
      const jobIds = async () => ((await ok(a, "GET", "/v1/jobs")).items as { id: string }[]).map((j) => j.id);
      const before = await jobIds();
      expectRefused(await call(a, "POST", "/v1/jobs", jobSpec(modelId, datasetId, 1, 8)), "queued_jobs", 2, 2);
      expect(await jobIds()).toEqual(before);
      expect((await usage(a)).queued_jobs.used).toBe(2);

      // another tenant queues its job behind a's
      const b = await tenantKey("jobs-b");
      const bModel = (await ok(b, "POST", "/v1/models", MODEL, 201)).id;
      const bData = (await ok(b, "POST", "/v1/datasets", dataset(16), 201)).id;
      const bJob = await ok(b, "POST", "/v1/jobs", jobSpec(bModel, bData, 1, 8), 202);
      await ok(b, "POST", `/v1/jobs/${bJob.id}/cancel`, undefined, 202);

      await ok(a, "POST", `/v1/jobs/${queued.id}/cancel`, undefined, 202);
      await ok(a, "POST", "/v1/jobs", jobSpec(modelId, datasetId, 1, 8), 202);
    });

    it("refuses an event stream past the event_streams quota; another tenant's open; a closed one frees it", async () => {
      const opened: { request: ClientRequest; response: IncomingMessage }[] = [];
      const open = (key: string, job: string): Promise<{ request: ClientRequest; response: IncomingMessage }> =>
        new Promise((resolve, reject) => {
          const request = get(`${base}/v1/jobs/${job}/events`, { headers: { authorization: `Bearer ${key}` } }, (response) => resolve({ request, response }));
          request.once("error", reject);
        });
      try {
        for (let i = 0; i < 2; i++) opened.push(await open(a, running));
        expect(opened.map((s) => s.response.statusCode)).toEqual([200, 200]);
        expect((await usage(a)).event_streams.used).toBe(2);
        expectRefused(await call(a, "GET", `/v1/jobs/${running}/events`), "event_streams", 2, 2);

        const b = await tenantKey("streams-b");
        const bModel = (await ok(b, "POST", "/v1/models", MODEL, 201)).id;
        const bData = (await ok(b, "POST", "/v1/datasets", dataset(16), 201)).id;
        const bJob = (await ok(b, "POST", "/v1/jobs", jobSpec(bModel, bData, 1, 8), 202)).id;
        const other = await open(b, bJob);
        opened.push(other);
        expect(other.response.statusCode).toBe(200);
        await ok(b, "POST", `/v1/jobs/${bJob}/cancel`, undefined, 202);

        opened.shift()!.request.destroy();
        const deadline = Date.now() + 5000;
        while ((await usage(a)).event_streams.used !== 1) {
          if (Date.now() > deadline) throw new Error("the closed stream still counts");
          await new Promise((r) => setTimeout(r, 20));
        }
        opened.push(await open(a, running));
        expect(opened.at(-1)!.response.statusCode).toBe(200);
      } finally {
        for (const s of opened) s.request.destroy();
      }
    });
  });
});
