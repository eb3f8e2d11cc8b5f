/**
 * Tenants own their models, datasets, jobs and keys: tenant B calls every operation of the OpenAPI
 * document (read from the app itself, so that a new route cannot be left out) with each of tenant
 * A's ids in its path, its id-holding body fields and query parameters, and gets exactly what an
 * id that never existed gets; A's resources are byte for byte as they were, B's lists show none
 * of them, and one Idempotency-Key makes one job in each tenant.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "./helper.js";
import { dataset, jobSpec, MODEL } from "./support/training.js";

const ADMIN_KEY = `operator-${randomBytes(24).toString("hex")}`;

interface Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  json(): { error: { code: string; message: string; details?: { path: string; message: string }[] } } & Record<string, unknown>;
}

let t: TestApp;
let baseUrl: string;

async function call(key: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(options.body === undefined ? {} : { "content-type": "application/json" }), ...options.headers },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(20_000),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, json: () => JSON.parse(bytes.toString("utf8")) };
}

async function ok(key: string, method: string, path: string, body?: unknown, status = 200): Promise<Record<string, unknown> & { id: string }> {
  const res = await call(key, method, path, body === undefined ? {} : { body });
  expect(res.status, `${method} ${path}: ${res.bytes.toString()}`).toBe(status);
  return res.json() as unknown as Record<string, unknown> & { id: string };
}

interface Tenant {
  id: string;
  /** An admin key of the tenant. */
  key: string;
  keyId: string;
  model: string;
  dataset: string;
  job: string;
}

/** A tenant with an admin key, a model, a dataset and a job trained to its end. */
async function tenantWithResources(name: string): Promise<Tenant> {
  const tenant = await ok(ADMIN_KEY, "POST", "/v1/tenants", { name }, 201);
  const admin = await ok(ADMIN_KEY, "POST", "/v1/keys", { role: "admin", tenant_id: tenant.id }, 201);
  const key = admin.key as string;
  const model = (await ok(key, "POST", "/v1/models", MODEL, 201)).id;
  const data = (await ok(key, "POST", "/v1/datasets", dataset(16), 201)).id;
  const job = (await ok(key, "POST", "/v1/jobs", jobSpec(model, data, 1, 8), 202)).id;
  const deadline = Date.now() + 25_000;
  while ((await ok(key, "GET", `/v1/jobs/${job}`)).status !== "succeeded") {
    if (Date.now() > deadline) throw new Error(`job ${job} did not succeed in time`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { id: tenant.id, key, keyId: admin.id, model, dataset: data, job };
}

/** Everything of A that B must not change, as bytes: API views, weights, events, and the stored records. */
async function snapshotOf(a: Tenant): Promise<Record<string, string>> {
  const get = async (path: string, headers?: Record<string, string>): Promise<string> => {
    const res = await call(a.key, "GET", path, headers ? { headers } : {});
    expect(res.status, path).toBe(200);
    return res.bytes.toString("base64");
  };
  const model = (await t.store.getModel(a.model))!;
  const data = (await t.store.getDataset(a.dataset))!;
  const key = (await t.store.getApiKey(a.keyId))!;
  return {
    model: await get(`/v1/models/${a.model}`),
    weightsJson: await get(`/v1/models/${a.model}/weights`),
    safetensors: await get(`/v1/models/${a.model}/weights`, { accept: "application/octet-stream" }),
    dataset: await get(`/v1/datasets/${a.dataset}`),
    job: await get(`/v1/jobs/${a.job}`),
    versions: await get(`/v1/models/${a.model}/versions`),
    jobWeights: await get(`/v1/jobs/${a.job}/weights`, { accept: "application/octet-stream" }),
    events: await get(`/v1/jobs/${a.job}/events`),
    storedWeights: Buffer.from(model.weights).toString("base64"),
    storedGenerator: Buffer.from(model.generatorState).toString("base64"),
    storedFeatures: Buffer.from(data.features).toString("base64"),
    storedLabels: Buffer.from(data.labels).toString("base64"),
    storedJob: JSON.stringify(await t.store.getJob(a.job)),
    // last_used_at moves with A's own requests: the rest of its key must not
    storedKey: JSON.stringify({ ...key, lastUsedAt: null }),
  };
}

interface Operation {
  method: string;
  path: string;
  operationId: string;
  pathParams: string[];
  queryParams: string[];
  bodyIdFields: string[];
  hasBody: boolean;
  /** Only the operator key may call it (x-kiln-access). */
  operatorOnly: boolean;
}

/** The operations of the app's OpenAPI document that need a key (every /v1 one). */
function securedOperations(): Operation[] {
  type Op = {
    operationId: string;
    security?: unknown[];
    "x-kiln-access"?: string;
    parameters?: { name: string; in: string }[];
    requestBody?: { content: Record<string, { schema: { $ref?: string; properties?: Record<string, unknown> } }> };
  };
  const doc = t.app.kiln.openapi;
  const schemas = doc.components.schemas as Record<string, { properties?: Record<string, unknown> }>;
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, Op>)) {
      if (!op.security) continue;
      const json = op.requestBody?.content["application/json"]?.schema;
      const body = json?.$ref ? schemas[json.$ref.split("/").pop()!] : json;
      ops.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        pathParams: (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name),
        queryParams: (op.parameters ?? []).filter((p) => p.in === "query" && (p.name === "after" || p.name.endsWith("_id"))).map((p) => p.name),
        bodyIdFields: Object.keys(body?.properties ?? {}).filter((name) => name.endsWith("_id")),
        hasBody: op.requestBody !== undefined,
        operatorOnly: op["x-kiln-access"] === "operator",
      });
    }
  }
  return ops;
}

/** An id shaped like `id` (same prefix) that never existed. */
const missingLike = (id: string): string => `${id.split("_")[0]}_${"0".repeat(32)}`;

/** What a client can see of an answer, with `id` written as ID: equal for A's id and a missing one. */
function visible(res: Answer, id: string): unknown {
  return { status: res.status, body: res.bytes.toString("utf8").replaceAll(id, "ID") };
}

describe("tenants", () => {
  let a: Tenant;
  let b: Tenant;
  let before: Record<string, string>;
  /** A valid request body for each operation that takes one (a new operation with a body must add its own). */
  let bodies: Record<string, unknown>;

  beforeAll(async () => {
    t = await buildTestApp({ config: { adminKey: ADMIN_KEY } });
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    a = await tenantWithResources("tenant-a");
    b = await tenantWithResources("tenant-b");
    // a prediction caches A's model in the API process: B's calls must not get past that cache
    await ok(a.key, "POST", `/v1/models/${a.model}/predict`, { inputs: [[0, 0, 0, 0, 0]] });
    before = await snapshotOf(a);
    const weights = (await call(b.key, "GET", `/v1/models/${b.model}/weights`)).json();
    bodies = {
      createModel: MODEL,
      createDataset: dataset(8),
      createJob: { ...jobSpec(b.model, b.dataset, 1, 8), validation_dataset_id: b.dataset },
      predict: { inputs: [[0, 0, 0, 0, 0]] },
      putModelWeights: weights,
      createKey: { role: "read", tenant_id: b.id },
      createTenant: { name: "tenant-c" },
      updateTenantQuotas: { models: 5 },
    };
  }, 90_000);
  afterAll(() => t.close());

  it("answers every operation with A's ids exactly as with ids that never existed (404 for path ids), and A's data stays as it was", async () => {
    const ops = securedOperations();
    expect(ops.map((op) => op.operationId)).toEqual(expect.arrayContaining(["getModel", "streamJobEvents", "revokeKey", "createJob"]));
    expect(ops.find((op) => op.operationId === "createJob")!.bodyIdFields).toEqual(["model_id", "dataset_id", "validation_dataset_id"]);
    const idsOfA = [a.model, a.dataset, a.job, a.keyId, a.id];
    let checked = 0;
    for (const op of ops) {
      if (op.hasBody) expect(bodies[op.operationId], `add a sample body for ${op.operationId}`).toBeDefined();
      const body = op.hasBody ? bodies[op.operationId] : undefined;
      const send = (path: string, sent: unknown = body): Promise<Answer> => call(b.key, op.method, path, sent === undefined ? {} : { body: sent });
      // ids in every id parameter; a model's version number is one A's model has
      const fill = (id: string): string => op.pathParams.reduce((path, name) => path.replace(`{${name}}`, name === "version" ? "1" : id), op.path);

      for (const id of idsOfA) {
        if (op.pathParams.length > 0) {
          const [mine, missing] = [await send(fill(id)), await send(fill(missingLike(id)))];
          // the operator's routes refuse every tenant key before they look at the id
          expect(mine.status, `${op.operationId} with ${id}`).toBe(op.operatorOnly ? 403 : 404);
          expect(mine.json().error.code).toBe(op.operatorOnly ? "forbidden" : "not_found");
          expect(visible(mine, id), `${op.operationId} with ${id}`).toEqual(visible(missing, missingLike(id)));
          checked++;
          continue;
        }
        for (const field of op.bodyIdFields) {
          const [mine, missing] = [await send(op.path, { ...(body as object), [field]: id }), await send(op.path, { ...(body as object), [field]: missingLike(id) })];
          expect(visible(mine, id), `${op.operationId} with ${field}=${id}`).toEqual(visible(missing, missingLike(id)));
          // the resources' fields answer 404 naming the field; tenant_id a 403 for any tenant but B's own
          expect(mine.status, `${op.operationId} with ${field}=${id}`).toBe(field === "tenant_id" ? 403 : 404);
          checked++;
        }
        for (const param of op.queryParams) {
          const [mine, missing] = [await send(`${op.path}?${param}=${id}`), await send(`${op.path}?${param}=${missingLike(id)}`)];
          expect(mine.status, `${op.operationId} with ${param}=${id}`).toBeGreaterThanOrEqual(400);
          expect(visible(mine, id), `${op.operationId} with ${param}=${id}`).toEqual(visible(missing, missingLike(id)));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(60);
    expect(await snapshotOf(a)).toEqual(before);
    // and A's key still works
    expect((await call(a.key, "GET", "/v1/models")).status).toBe(200);
  });

  it("lists show each tenant its own only", async () => {
    const idsOfA = new Set([a.model, a.dataset, a.job, a.keyId]);
    for (const path of ["/v1/models", "/v1/datasets", "/v1/jobs", "/v1/keys"]) {
      const itemsOfB = ((await ok(b.key, "GET", `${path}?limit=100`)).items as { id: string }[]).map((item) => item.id);
      expect(itemsOfB.filter((id) => idsOfA.has(id)), path).toEqual([]);
      expect(itemsOfB.length, path).toBeGreaterThan(0);
      const itemsOfA = ((await ok(a.key, "GET", `${path}?limit=100`)).items as { id: string }[]).map((item) => item.id);
      expect(itemsOfA.some((id) => idsOfA.has(id)), path).toBe(true);
    }
  });

  it("makes one job per tenant for the same Idempotency-Key", async () => {
    const headers = { "idempotency-key": "same-key-in-both" };
    const inA = await call(a.key, "POST", "/v1/jobs", { body: jobSpec(a.model, a.dataset, 1, 8), headers });
    const inB = await call(b.key, "POST", "/v1/jobs", { body: jobSpec(b.model, b.dataset, 1, 8), headers });
    expect([inA.status, inB.status]).toEqual([202, 202]);
    expect(inA.json().id).not.toBe(inB.json().id);
    expect(inB.headers.get("idempotent-replayed")).toBeNull();
    const replayInB = await call(b.key, "POST", "/v1/jobs", { body: jobSpec(b.model, b.dataset, 1, 8), headers });
    expect(replayInB.json().id).toBe(inB.json().id);
    expect(replayInB.headers.get("idempotent-replayed")).toBe("true");
  });
});
