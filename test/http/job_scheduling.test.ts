/**
 * Tenants sharing the training workers (issue 15, OWASP API4), through the real app with real
 * worker threads: one tenant's queued jobs do not starve another's one, a tenant never trains more
 * jobs at once than its running_jobs quota (its next waits while a worker trains another tenant's),
 * and the operator sets and clears each tenant's own limits.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "./helper.js";
import { dataset, jobSpec, MODEL } from "./support/training.js";

const ADMIN_KEY = `operator-${randomBytes(24).toString("hex")}`;

interface Answer {
  status: number;
  body: Record<string, unknown> & { id: string; error: { code: string; message: string; details?: { path: string; message: string }[] } };
}

function client(t: () => TestApp) {
  const call = async (key: string, method: string, url: string, body?: unknown): Promise<Answer> => {
    const res = await t().app.inject({ method: method as "GET", url, headers: { authorization: `Bearer ${key}` }, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: res.statusCode, body: res.body === "" ? ({} as Answer["body"]) : res.json() };
  };
  const ok = async (key: string, method: string, url: string, body?: unknown, status = 200): Promise<Answer["body"]> => {
    const res = await call(key, method, url, body);
    expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBe(status);
    return res.body;
  };
  /** A new tenant, its member key, and a model and a dataset of its own. */
  const tenant = async (name: string): Promise<{ id: string; key: string; model: string; data: string }> => {
    const { id } = await ok(ADMIN_KEY, "POST", "/v1/tenants", { name }, 201);
    const key = (await ok(ADMIN_KEY, "POST", "/v1/keys", { role: "member", tenant_id: id }, 201)).key as string;
    const model = (await ok(key, "POST", "/v1/models", MODEL, 201)).id;
    const data = (await ok(key, "POST", "/v1/datasets", dataset(512), 201)).id;
    return { id, key, model, data };
  };
  /** A job that trains until cancelled (512 steps an epoch for 10,000 epochs), or one that ends at once. */
  const submit = async (owner: { key: string; model: string; data: string }, long: boolean): Promise<string> =>
    (await ok(owner.key, "POST", "/v1/jobs", jobSpec(owner.model, owner.data, long ? 10_000 : 1, long ? 1 : 64), 202)).id;
  const job = async (key: string, id: string) => (await ok(key, "GET", `/v1/jobs/${id}`)) as unknown as { status: string; started_at: string | null };
  const waitFor = async (check: () => Promise<boolean>, what: string): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const status = (key: string, id: string, wanted: string) => waitFor(async () => (await job(key, id)).status === wanted, `job ${id} is ${wanted}`);
  return { call, ok, tenant, submit, job, status, waitFor };
}

describe("one worker shared by tenants", () => {
  let t: TestApp;
  const api = client(() => t);
  beforeAll(async () => {
    t = await buildTestApp({ config: { adminKey: ADMIN_KEY, workers: 1 } });
  });
  afterAll(() => t.close());

  it("runs another tenant's one job before the first tenant's second, though queued after it", async () => {
    const a = await api.tenant("fair-a");
    const b = await api.tenant("fair-b");
    const first = await api.submit(a, true);
    await api.status(a.key, first, "running");
    const backlog = [await api.submit(a, false), await api.submit(a, false), await api.submit(a, false)];
    const other = await api.submit(b, false);

    await api.ok(a.key, "POST", `/v1/jobs/${first}/cancel`, undefined, 202);
    for (const id of backlog) await api.status(a.key, id, "succeeded");
    await api.status(b.key, other, "succeeded");
    const startedAt = async (key: string, id: string) => (await api.job(key, id)).started_at!;
    const order = [{ id: other, at: await startedAt(b.key, other) }, ...(await Promise.all(backlog.map(async (id) => ({ id, at: await startedAt(a.key, id) }))))];
    order.sort((x, y) => x.at.localeCompare(y.at));
    expect(order.map((o) => o.id)).toEqual([other, ...backlog]);
  });
});

describe("the running_jobs quota, on two workers", () => {
  let t: TestApp;
  const api = client(() => t);
  beforeAll(async () => {
    t = await buildTestApp({ config: { adminKey: ADMIN_KEY, workers: 2 } });
  });
  afterAll(() => t.close());

  it("keeps a tenant's next job queued while it trains its quota's worth, and gives the free worker to another tenant", async () => {
    const a = await api.tenant("running-a");
    const b = await api.tenant("running-b");
    await api.ok(ADMIN_KEY, "PATCH", `/v1/tenants/${a.id}/quotas`, { running_jobs: 1 });
    const long = await api.submit(a, true);
    await api.status(a.key, long, "running");
    const next = await api.submit(a, false);
    const other = await api.submit(b, true);
    // the second worker is free for a's next job, but a trains its one: b's job takes the worker
    await api.status(b.key, other, "running");
    expect((await api.job(a.key, next)).status).toBe("queued");
    expect(((await api.ok(a.key, "GET", "/v1/usage")).quotas as Record<string, unknown>).running_jobs).toEqual({ used: 1, limit: 1 });

    await api.ok(a.key, "POST", `/v1/jobs/${long}/cancel`, undefined, 202);
    await api.status(a.key, next, "succeeded");
    await api.ok(b.key, "POST", `/v1/jobs/${other}/cancel`, undefined, 202);
    await api.status(b.key, other, "cancelled");
  });
});

describe("each tenant's own quota limits (operator only)", () => {
  let t: TestApp;
  const api = client(() => t);
  beforeAll(async () => {
    t = await buildTestApp({ config: { adminKey: ADMIN_KEY, workers: 1, quotas: { models: 3 } } });
  });
  afterAll(() => t.close());

  it("sets a limit that the tenant's next request meets, shows it, and clears it back to the default", async () => {
    const a = await api.tenant("limits-a");
    const b = await api.tenant("limits-b");
    const url = `/v1/tenants/${a.id}/quotas`;
    const set = await api.ok(ADMIN_KEY, "PATCH", url, { models: 1, event_streams: 7 });
    expect(set).toMatchObject({ tenant_id: a.id, overrides: { models: 1, event_streams: 7 }, limits: { models: 1, event_streams: 7, datasets: 1000 } });
    expect(await api.ok(ADMIN_KEY, "GET", url)).toEqual(set);

    const refused = await api.call(a.key, "POST", "/v1/models", MODEL);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: "quota_exceeded", details: [{ path: "quotas.models", message: "1 used of 1" }] });
    const usage = (await api.ok(a.key, "GET", "/v1/usage")).quotas as Record<string, { limit: number }>;
    expect([usage.models!.limit, usage.event_streams!.limit]).toEqual([1, 7]);
    // another tenant keeps the defaults
    await api.ok(b.key, "POST", "/v1/models", MODEL, 201);

    const cleared = await api.ok(ADMIN_KEY, "PATCH", url, { models: null });
    expect(cleared).toMatchObject({ overrides: { event_streams: 7 }, limits: { models: 3 } });
    await api.ok(a.key, "POST", "/v1/models", MODEL, 201);
  });

  it("answers 403 to tenant keys, 404 for an unknown tenant, and 400 naming a bad field", async () => {
    const a = await api.tenant("limits-c");
    const url = `/v1/tenants/${a.id}/quotas`;
    for (const [method, body] of [["GET", undefined], ["PATCH", { models: 10 }]] as const) {
      const res = await api.call(a.key, method, url, body);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    expect((await api.call(ADMIN_KEY, "PATCH", "/v1/tenants/ten_nobody/quotas", { models: 1 })).status).toBe(404);
    expect((await api.call(ADMIN_KEY, "GET", "/v1/tenants/ten_nobody/quotas")).status).toBe(404);
    for (const [body, path] of [
      [{ models: 0 }, "models"],
      [{ bytes: 1.5 }, "bytes"],
      [{ running_jobs: "2" }, "running_jobs"],
      [{ gpus: 1 }, "gpus"],
    ] as const) {
      const res = await api.call(ADMIN_KEY, "PATCH", url, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details?.map((d) => d.path)).toContain(path);
    }
    expect(await api.ok(ADMIN_KEY, "GET", url)).toMatchObject({ overrides: {} });
  });
});
