/**
 * Versions of models' weights (issue 17), over a real socket in keys mode: each succeeded job keeps
 * its weights as a version (GET /v1/jobs/{id}/weights serves them), a restore makes one current
 * again, a PUT is a version made by no job, versions count in the bytes quota, go with their model,
 * and another tenant's ids answer 404 as missing ones.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "./helper.js";
import { Api } from "./support/api.js";
import { dataset, jobSpec, MODEL } from "./support/training.js";

const ADMIN_KEY = `operator-${randomBytes(24).toString("hex")}`;
/** MODEL's 212 weights fit one JSON response; BIG's 504 do not. */
const MAX_RESPONSE_VALUES = 300;
const BIG = { input_shape: [5], seed: 3, layers: [{ type: "Linear", out_features: 50 }, { type: "Linear", out_features: 4 }] };

let t: TestApp;
let base: string;
let a: Api;
let b: Api;

interface Version {
  version: number;
  job_id: string | null;
  metrics: { loss: number | null; epochs: number; last_epoch: Record<string, number> | null; stopped_early: boolean } | null;
  bytes: number;
  current: boolean;
  created_at: string;
}
interface VersionPage {
  items: Version[];
  next_cursor: string | null;
  current_version: number | null;
}

async function tenantApi(name: string): Promise<Api> {
  const admin = new Api(base, ADMIN_KEY);
  const tenant = await admin.create<{ id: string }>("/v1/tenants", { name });
  return new Api(base, (await admin.create<{ key: string }>("/v1/keys", { role: "member", tenant_id: tenant.id })).key);
}

/** GET `path` as `api`, with `accept`; status and body bytes. */
async function download(api: Api, path: string, accept = "application/octet-stream"): Promise<{ status: number; bytes: Buffer; type: string | null; disposition: string | null }> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${api.key}`, accept }, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get("content-type"), disposition: res.headers.get("content-disposition") };
}

/** Trains `modelId` on `datasetId` to success; returns the job's id. */
async function train(api: Api, modelId: string, datasetId: string, epochs: number): Promise<string> {
  const job = await api.create<{ id: string }>("/v1/jobs", jobSpec(modelId, datasetId, epochs, 8), 202);
  expect((await api.waitForJob(job.id)).status).toBe("succeeded");
  return job.id;
}

beforeAll(async () => {
  t = await buildTestApp({ config: { adminKey: ADMIN_KEY, workers: 1, limits: { maxResponseValues: MAX_RESPONSE_VALUES } } });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  a = await tenantApi("versions-a");
  b = await tenantApi("versions-b");
});
afterAll(() => t.close());

describe("versions of a model's weights", () => {
  let modelId: string;
  let datasetId: string;
  let jobs: [string, string];
  let files: [Buffer, Buffer];

  beforeAll(async () => {
    modelId = (await a.create("/v1/models", MODEL)).id;
    datasetId = (await a.create("/v1/datasets", dataset(64))).id;
    jobs = [await train(a, modelId, datasetId, 1), await train(a, modelId, datasetId, 2)];
    files = [(await download(a, `/v1/jobs/${jobs[0]}/weights`)).bytes, (await download(a, `/v1/jobs/${jobs[1]}/weights`)).bytes];
  });

  it("keeps each succeeded job's weights as a version, the newest current, with the job's final metrics", async () => {
    const page = await a.get<VersionPage>(`/v1/models/${modelId}/versions`);
    expect(page).toMatchObject({ current_version: 2, next_cursor: null });
    expect(page.items.map((v) => [v.version, v.job_id, v.current, v.bytes])).toEqual([
      [1, jobs[0], false, files[0].byteLength],
      [2, jobs[1], true, files[1].byteLength],
    ]);
    const job = await a.get<{ metrics: { loss: number; epochs: unknown[] } }>(`/v1/jobs/${jobs[1]}`);
    expect(page.items[1]!.metrics).toEqual({ loss: job.metrics.loss, epochs: 2, last_epoch: job.metrics.epochs[1], stopped_early: false });
    expect((await a.get(`/v1/models/${modelId}`)).current_version).toBe(2);
  });

  it("serves each job's weights as GET /v1/models/{id}/weights does: safetensors and JSON, different per job", async () => {
    expect(files[0].equals(files[1])).toBe(false);
    const current = await download(a, `/v1/models/${modelId}/weights`);
    expect(current.bytes.equals(files[1])).toBe(true);
    const file = await download(a, `/v1/jobs/${jobs[0]}/weights`);
    expect(file).toMatchObject({ status: 200, type: "application/octet-stream", disposition: `attachment; filename="${jobs[0]}.safetensors"` });
    const json = JSON.parse((await download(a, `/v1/jobs/${jobs[1]}/weights`, "application/json")).bytes.toString());
    expect(json).toEqual(JSON.parse((await download(a, `/v1/models/${modelId}/weights`, "application/json")).bytes.toString()));
    const first = JSON.parse((await download(a, `/v1/jobs/${jobs[0]}/weights`, "application/json")).bytes.toString());
    expect(Object.keys(first.tensors)).toEqual(Object.keys(json.tensors));
    expect(first.tensors["layers.0.weight"].data).not.toEqual(json.tensors["layers.0.weight"].data);
    const onnx = await download(a, `/v1/jobs/${jobs[0]}/weights`, "application/onnx");
    expect(onnx).toMatchObject({ status: 200, type: "application/onnx", disposition: `attachment; filename="${jobs[0]}.onnx"` });
  });

  it("restores version 1: the model's weights become its weights, and the views say it is current", async () => {
    const model = await a.create<{ current_version: number; version: number }>(`/v1/models/${modelId}/versions/1/restore`, undefined, 200);
    expect(model.current_version).toBe(1);
    expect((await download(a, `/v1/models/${modelId}/weights`)).bytes.equals(files[0])).toBe(true);
    const page = await a.get<VersionPage>(`/v1/models/${modelId}/versions`);
    expect(page.current_version).toBe(1);
    expect(page.items.map((v) => v.current)).toEqual([true, false]);
    expect((await a.request("POST", `/v1/models/${modelId}/versions/9/restore`)).status).toBe(404);
    expect((await a.request("POST", `/v1/models/${modelId}/versions/0/restore`)).status).toBe(400);
  });

  it("keeps a PUT of the weights as the newest version, made by no job, and pages versions by number", async () => {
    const weights = JSON.parse((await download(a, `/v1/jobs/${jobs[1]}/weights`, "application/json")).bytes.toString());
    const put = await a.request<{ current_version: number }>("PUT", `/v1/models/${modelId}/weights`, weights);
    expect(put.status).toBe(200);
    expect(put.body.current_version).toBe(3);
    const first = await a.get<VersionPage>(`/v1/models/${modelId}/versions?limit=2`);
    expect(first.items.map((v) => v.version)).toEqual([1, 2]);
    expect(first.next_cursor).toBe("2");
    const rest = await a.get<VersionPage>(`/v1/models/${modelId}/versions?limit=2&after=2`);
    expect(rest.items).toMatchObject([{ version: 3, job_id: null, metrics: null, current: true }]);
    expect(rest.next_cursor).toBeNull();
    const bad = await a.request<{ error: { code: string; details: { path: string }[] } }>("GET", `/v1/models/${modelId}/versions?after=7`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]!.path).toBe("query.after");
  });

  it("counts the versions' bytes in the tenant's bytes quota", async () => {
    const usage = await a.get<{ quotas: { bytes: { used: number } } }>("/v1/usage");
    const page = await a.get<VersionPage>(`/v1/models/${modelId}/versions`);
    const versions = page.items.reduce((n, v) => n + v.bytes, 0);
    const data = 64 * 5 * 4 + 64 * 8; // float32 features, int64 labels
    expect(usage.quotas.bytes.used).toBe(files[0].byteLength + versions + data);
  });

  it("answers another tenant's model, version and job with 404, as missing ones", async () => {
    for (const [method, path] of [
      ["GET", `/v1/models/${modelId}/versions`],
      ["POST", `/v1/models/${modelId}/versions/1/restore`],
      ["GET", `/v1/jobs/${jobs[0]}/weights`],
    ] as const) {
      const theirs = await b.request<{ error: { code: string } }>(method, path);
      const missing = await b.request<{ error: { code: string } }>(method, path.replace(/(mdl|job)_\w+/, "$1_missing"));
      expect([theirs.status, theirs.body.error.code], `${method} ${path}`).toEqual([404, "not_found"]);
      expect(missing.status).toBe(404);
    }
    expect((await download(b, `/v1/jobs/${jobs[0]}/weights`)).status).toBe(404);
    expect((await a.get<VersionPage>(`/v1/models/${modelId}/versions`)).current_version).toBe(3);
  });

  it("answers 409 job_not_succeeded for a job that has not succeeded", async () => {
    const job = await a.create<{ id: string }>("/v1/jobs", jobSpec(modelId, datasetId, 5000, 8), 202);
    await a.create(`/v1/jobs/${job.id}/cancel`, undefined, 202);
    expect((await a.waitForJob(job.id)).status).toBe("cancelled");
    const res = await a.request<{ error: { code: string; message: string } }>("GET", `/v1/jobs/${job.id}/weights`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("job_not_succeeded");
    expect(res.body.error.message).toContain("cancelled");
  });

  it("deletes the versions and the jobs' weights with the model", async () => {
    const before = (await a.get<{ quotas: { bytes: { used: number } } }>("/v1/usage")).quotas.bytes.used;
    expect((await a.request("DELETE", `/v1/models/${modelId}`)).status).toBe(204);
    expect((await a.request("GET", `/v1/models/${modelId}/versions`)).status).toBe(404);
    for (const job of jobs) {
      const res = await a.request<{ error: { code: string; message: string } }>("GET", `/v1/jobs/${job}/weights`);
      expect(res.status).toBe(404);
      expect(res.body.error.message).toContain("deleted");
    }
    const after = (await a.get<{ quotas: { bytes: { used: number } } }>("/v1/usage")).quotas.bytes.used;
    expect(before - after).toBe(files[0].byteLength * 4); // the model's weights and its three versions
  });
});

describe("a job's weights past the JSON limit", () => {
  it("answers 422 naming Accept for JSON, and serves safetensors", async () => {
    const modelId = (await a.create("/v1/models", BIG)).id;
    const datasetId = (await a.create("/v1/datasets", dataset(16))).id;
    const job = await train(a, modelId, datasetId, 1);
    const res = await a.request<{ error: { code: string; details: { path: string }[] } }>("GET", `/v1/jobs/${job}/weights`);
    expect(res.status).toBe(422);
    expect(res.body.error.details[0]!.path).toBe("headers.accept");
    const file = await download(a, `/v1/jobs/${job}/weights`);
    expect(file.status).toBe(200);
    expect(file.bytes.equals((await download(a, `/v1/models/${modelId}/weights`)).bytes)).toBe(true);
  });
});
