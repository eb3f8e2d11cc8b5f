/**
 * DELETE /v1/jobs/{id} over a real socket in keys mode: an ended job goes (204) with its events, a
 * queued or running one is refused (409 job_active) until cancelled, the model version a succeeded
 * job made stays (its weights no longer served by the job's id), a listing's cursor naming the
 * deleted job still continues, a retried POST with the job's Idempotency-Key makes a new job, and
 * another tenant's job, a missing one and a read key's DELETE are refused.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "./helper.js";
import { Api } from "./support/api.js";
import { dataset, jobSpec, MODEL } from "./support/training.js";

const ADMIN_KEY = `operator-${randomBytes(24).toString("hex")}`;

let t: TestApp;
let base: string;
let a: Api;
let b: Api;
let aRead: Api;
let modelId: string;
let datasetId: string;

async function tenantKeys(name: string): Promise<{ member: Api; read: Api }> {
  const admin = new Api(base, ADMIN_KEY);
  const tenant = await admin.create<{ id: string }>("/v1/tenants", { name });
  const key = async (role: string) => new Api(base, (await admin.create<{ key: string }>("/v1/keys", { role, tenant_id: tenant.id })).key);
  return { member: await key("member"), read: await key("read") };
}

/** POSTs a job with an Idempotency-Key; its status, body and whether it was replayed. */
async function postWithKey(api: Api, key: string, spec: unknown): Promise<{ status: number; id: string; replayed: boolean }> {
  const res = await fetch(`${base}/v1/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${api.key}`, "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify(spec),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { id: string };
  return { status: res.status, id: body.id, replayed: res.headers.get("idempotent-replayed") === "true" };
}

beforeAll(async () => {
  t = await buildTestApp({ config: { adminKey: ADMIN_KEY, workers: 1 } });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const keysA = await tenantKeys("jobrm-a");
  a = keysA.member;
  aRead = keysA.read;
  b = (await tenantKeys("jobrm-b")).member;
  modelId = (await a.create("/v1/models", MODEL)).id;
  datasetId = (await a.create("/v1/datasets", dataset(64))).id;
});
afterAll(() => t.close());

describe("DELETE /v1/jobs/{id}", () => {
  it("deletes a succeeded job; the version it made stays with its model, its weights no longer served by the job", async () => {
    const { id } = await a.create("/v1/jobs", jobSpec(modelId, datasetId, 1, 8), 202);
    expect((await a.waitForJob(id)).status).toBe("succeeded");
    const before = await a.get<{ items: { version: number; job_id: string | null }[] }>(`/v1/models/${modelId}/versions`);
    expect((await a.request("GET", `/v1/jobs/${id}/weights`)).status).toBe(200);

    expect(await b.request("DELETE", `/v1/jobs/${id}`)).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    expect(await aRead.request("DELETE", `/v1/jobs/${id}`)).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
    expect(await a.request("DELETE", `/v1/jobs/${id}`)).toStrictEqual({ status: 204, body: null });

    expect(await a.request("GET", `/v1/jobs/${id}`)).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    expect(await a.request("GET", `/v1/jobs/${id}/events`)).toMatchObject({ status: 404 });
    expect(await a.request("GET", `/v1/jobs/${id}/weights`)).toMatchObject({ status: 404 });
    expect(await a.request("DELETE", `/v1/jobs/${id}`)).toMatchObject({ status: 404 });
    expect(await a.listIds("/v1/jobs")).not.toContain(id);
    const after = await a.get<{ items: { version: number; job_id: string | null }[] }>(`/v1/models/${modelId}/versions`);
    expect(after.items).toStrictEqual(before.items);
    expect(after.items.find((v) => v.job_id === id)).toBeDefined();
  });

  it("refuses a queued or running job (job_active) until it is cancelled", async () => {
    const running = await a.create("/v1/jobs", jobSpec(modelId, datasetId, 10_000, 1), 202);
    const queued = await a.create("/v1/jobs", jobSpec(modelId, datasetId, 1, 8), 202);
    await a.waitForJob(running.id, (job) => job.status === "running");
    for (const id of [queued.id, running.id]) {
      const refused = await a.request<{ error: { code: string; message: string } }>("DELETE", `/v1/jobs/${id}`);
      expect(refused).toMatchObject({ status: 409, body: { error: { code: "job_active" } } });
      expect(refused.body.error.message).toMatch(/cancel/);
    }
    for (const id of [queued.id, running.id]) {
      await a.create(`/v1/jobs/${id}/cancel`, {}, 202);
      expect((await a.waitForJob(id)).status).toBe("cancelled");
      expect((await a.request("DELETE", `/v1/jobs/${id}`)).status).toBe(204);
    }
  });

  it("continues a listing after a page whose last job was deleted meanwhile", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { id } = await a.create("/v1/jobs", jobSpec(modelId, datasetId, 1, 32), 202);
      await a.waitForJob(id);
      ids.push(id);
    }
    const all = await a.listIds("/v1/jobs");
    const at = all.indexOf(ids[0]!);
    const first = await a.get<{ items: { id: string }[]; next_cursor: string }>(`/v1/jobs?limit=${at + 1}`);
    expect(first.next_cursor).toBe(ids[0]);
    expect((await a.request("DELETE", `/v1/jobs/${ids[0]}`)).status).toBe(204);
    const next = await a.get<{ items: { id: string }[] }>(`/v1/jobs?after=${ids[0]}`);
    expect(next.items.map((j) => j.id)).toEqual([ids[1], ids[2]]);
    expect(await b.request("GET", `/v1/jobs?after=${ids[0]}`)).toMatchObject({ status: 400 });
  });

  it("lets a POST retried with a deleted job's Idempotency-Key make a new job, not bring the old one back", async () => {
    const spec = jobSpec(modelId, datasetId, 1, 32);
    const first = await postWithKey(a, "nightly-1", spec);
    expect(first).toMatchObject({ status: 202, replayed: false });
    await a.waitForJob(first.id);
    expect(await postWithKey(a, "nightly-1", spec)).toStrictEqual({ ...first, replayed: true });
    expect((await a.request("DELETE", `/v1/jobs/${first.id}`)).status).toBe(204);

    const retried = await postWithKey(a, "nightly-1", spec);
    expect(retried).toMatchObject({ status: 202, replayed: false });
    expect(retried.id).not.toBe(first.id);
    expect((await a.request("GET", `/v1/jobs/${first.id}`)).status).toBe(404);
    await a.waitForJob(retried.id);
  });
});
