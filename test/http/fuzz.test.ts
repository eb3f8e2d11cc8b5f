/**
 * Property-based fuzzing of every operation of the app's OpenAPI document (issue 15), with
 * fast-check: the operations, their path and query parameters, request bodies and content types
 * are read from the document at run time, so that a new route is fuzzed without editing this file.
 *
 * Requests are valid (generated from the JSON Schemas), near-valid (one field mutated) or hostile
 * (random JSON, deep nesting, invalid JSON, wrong content types, odd headers and ids). Properties:
 * no answer is a 5xx, every 4xx carries the error shape, /healthz still answers afterwards, and the
 * "protected" seeded model, dataset and job are byte for byte as they were (mutating operations only
 * ever get ids of throwaway resources, or ids that do not exist).
 *
 * Both of the service's modes: the embedded one (SQLite, the queue in the process), open and with
 * keys, and the scale-out one (a Postgres store and a BullMQ queue on Redis, a schema and a queue
 * of the run's own), with keys; the latter is skipped, saying so, where Postgres or Redis is not
 * running (see test/helpers/services.ts).
 *
 * The seed is fixed (KILN_FUZZ_SEED overrides it), so a failure reproduces; fast-check reports the
 * shrunk request.
 */
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PostgresStore, SqliteStore } from "../../src/store/index.js";
import { postgresAvailable, redisAvailable } from "../helpers/services.js";
import { buildTestApp, type TestApp } from "./helper.js";
import { dataset, jobSpec, MODEL } from "./support/training.js";

const SEED = Number(process.env.KILN_FUZZ_SEED ?? 1_515_015);
/**
 * Requests per operation in the open-mode and keyed runs on SQLite, and in the keyed run on
 * Postgres + Redis (scale-out: its requests take the store's and the queue's network paths, and
 * its keys are looked up in Postgres). With 26 operations: 5,200 + 1,040 + 1,560 = 7,800 requests
 * a run, 6,240 where Postgres or Redis is missing; the open run gave the scale-out run 60 of its
 * former 260, so that the file takes about as long as before.
 */
const RUNS_OPEN = 200;
const RUNS_KEYED = 40;
const RUNS_SCALE_OUT = 60;
const SCALE_OUT_SEED_OFFSET = 1000;
const MAX_BODY_BYTES = 256 * 1024;
const servicesUp = (await postgresAvailable()) && (await redisAvailable());

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Operation {
  method: string;
  path: string;
  operationId: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  headers: { name: string; schema: Schema }[];
  /** Content type → schema of the request body. */
  body: Record<string, Schema> | null;
  mutating: boolean;
}

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  kind: string;
}

interface Ids {
  /** Ids valid GETs may use: the protected seeded ones and the throwaway ones. */
  read: string[];
  /** Ids mutating requests may use: the throwaway ones only. */
  write: string[];
  /** Finished jobs only (event streams of these end). */
  finishedJobs: string[];
}

// ---------------------------------------------------------------------------------------------
// the document

function operationsOf(doc: { paths: Record<string, Record<string, Schema>>; components: { schemas: Record<string, Schema> } }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const params = (op.parameters ?? []) as { name: string; in: string; schema: Schema }[];
      const content = op.requestBody?.content as Record<string, { schema: Schema }> | undefined;
      ops.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        pathParams: params.filter((p) => p.in === "path").map((p) => p.name),
        query: params.filter((p) => p.in === "query").map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        headers: params.filter((p) => p.in === "header").map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body: content ? Object.fromEntries(Object.entries(content).map(([type, c]) => [type, c.schema ?? {}])) : null,
        mutating: method !== "get",
      });
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------
// JSON Schema → fc.Arbitrary (small values)

const NO_NUL = (s: string): boolean => !s.includes("\u0000");

function schemaArbitrary(schema: Schema | boolean | undefined, defs: Record<string, Schema>, idArb: fc.Arbitrary<string>, name = "", depth = 0): fc.Arbitrary<unknown> {
  if (schema === true || schema === false || schema === undefined) return fc.jsonValue({ maxDepth: 1 });
  if (schema.$ref) return schemaArbitrary(defs[String(schema.$ref).split("/").pop()!]!, defs, idArb, name, depth);
  if ("const" in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((s) => schemaArbitrary(s, defs, idArb, name, depth + 1)));
  if (schema.allOf) return schemaArbitrary(Object.assign({}, ...(schema.allOf as Schema[])), defs, idArb, name, depth);
  if (Array.isArray(schema.type)) {
    return fc.oneof(...(schema.type as string[]).map((type) => schemaArbitrary({ ...schema, type }, defs, idArb, name, depth)));
  }
  const base = typedArbitrary(schema, defs, idArb, name, depth);
  return schema.nullable ? fc.option(base, { nil: null }) : base;
}

function typedArbitrary(schema: Schema, defs: Record<string, Schema>, idArb: fc.Arbitrary<string>, name: string, depth: number): fc.Arbitrary<unknown> {
  switch (schema.type) {
    case "object": {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const required = (schema.required ?? []) as string[];
      const keys = Object.keys(props);
      if (keys.length === 0 && schema.additionalProperties && typeof schema.additionalProperties === "object") {
        const keyArb = fc.string({ minLength: 1, maxLength: 12 }).filter(NO_NUL);
        return fc.dictionary(keyArb, schemaArbitrary(schema.additionalProperties as Schema, defs, idArb, "", depth + 1), { maxKeys: 3 });
      }
      const model = Object.fromEntries(keys.map((key) => [key, schemaArbitrary(props[key]!, defs, idArb, key, depth + 1)]));
      return fc.record(model, { requiredKeys: required.filter((k) => k in model) });
    }
    case "array": {
      if (schema.prefixItems) return fc.tuple(...(schema.prefixItems as Schema[]).map((s) => schemaArbitrary(s, defs, idArb, "", depth + 1)));
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.min(schema.maxItems ?? Infinity, minLength + (depth > 3 ? 1 : 3));
      const items = schema.items && typeof schema.items === "object" ? (schema.items as Schema) : {};
      return fc.array(schemaArbitrary(items, defs, idArb, "", depth + 1), { minLength, maxLength });
    }
    case "string": {
      if (name.endsWith("_id") || name === "after") return idArb;
      if (schema.format === "date-time") {
        return fc.date({ min: new Date(Date.now() + 86_400_000), max: new Date("2099-01-01"), noInvalidDate: true }).map((d) => d.toISOString());
      }
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.min(schema.maxLength ?? Infinity, minLength + 20);
      if (schema.pattern && schema.pattern !== "^[^\\u0000]*$") {
        return fc.stringMatching(new RegExp(schema.pattern as string)).filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
      }
      return fc.string({ minLength, maxLength, unit: fc.constantFrom("grapheme", "binary-ascii") as never }).filter(NO_NUL);
    }
    case "integer": {
      const min = Math.max(schema.minimum ?? -1000, schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -Infinity);
      const max = Math.min(schema.maximum ?? 1000, min + 40, schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : Infinity);
      return fc.integer({ min, max: Math.max(min, max) });
    }
    case "number": {
      const min = schema.exclusiveMinimum ?? schema.minimum ?? -1e3;
      const max = schema.exclusiveMaximum ?? schema.maximum ?? 1e3;
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true, minExcluded: schema.exclusiveMinimum !== undefined, maxExcluded: schema.exclusiveMaximum !== undefined });
    }
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

// ---------------------------------------------------------------------------------------------
// near-valid: one mutation at one place of a valid value

type Path = (string | number)[];

function pathsOf(value: unknown, path: Path = [], out: Path[] = [], depth = 0): Path[] {
  out.push(path);
  if (depth > 5 || value === null || typeof value !== "object") return out;
  for (const [k, v] of Object.entries(value)) pathsOf(v, [...path, Array.isArray(value) ? Number(k) : k], out, depth + 1);
  return out;
}

const HUGE_STRING = "x".repeat(100_000);
const ODD_VALUES: unknown[] = [null, true, 0, -1, 1.5, 1e308, -1e308, 2 ** 53, "", "1", "x", [], {}, [null], { a: 1 }, HUGE_STRING, "\u0000", "é😀\u202e"];

const mutation = fc.record({
  at: fc.nat(),
  how: fc.constantFrom("replace", "delete", "extra", "huge", "wrap"),
  value: fc.oneof(fc.constantFrom(...ODD_VALUES), fc.jsonValue({ maxDepth: 2 })),
});

function mutate(value: unknown, m: { at: number; how: string; value: unknown }): unknown {
  const copy = structuredClone(value);
  const paths = pathsOf(copy);
  const path = paths[m.at % paths.length]!;
  if (path.length === 0) return m.how === "wrap" ? [copy] : m.how === "extra" && copy && typeof copy === "object" ? { ...copy, __extra: m.value } : m.value;
  let parent = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  switch (m.how) {
    case "delete":
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
      break;
    case "extra":
      if (Array.isArray(parent)) parent.push(m.value);
      else parent[`extra_${String(last)}`] = m.value;
      break;
    case "huge":
      parent[last] = typeof parent[last] === "number" ? 1e300 : HUGE_STRING;
      break;
    case "wrap":
      parent[last] = [parent[last]];
      break;
    default:
      parent[last] = m.value;
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------
// hostile

const deepJson = fc.tuple(fc.constantFrom(50, 1000, 20_000, 100_000), fc.constantFrom("[", '{"a":')).map(([n, open]) => {
  const close = open === "[" ? "]" : "}";
  return open.repeat(n) + "1" + close.repeat(n);
});
const invalidJson = fc.oneof(
  fc.constantFrom("", "{", "}", "nul", "{'a':1}", '{"a":1,}', "[1,2", "\u0000", "\ufeff{}", "NaN", '{"a":1}{"b":2}', "\"\\ud800\"", "1e999999"),
  fc.string({ maxLength: 40 }),
);
const hostileBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? "null"),
  deepJson,
  invalidJson,
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.constant("x".repeat(MAX_BODY_BYTES + 1)),
);
const csvBody = fc.oneof(
  fc.constantFrom("a,b,label\n1,2,0\n3,4,1\n", "a,b\n", "", "label\n1\n", 'a,"b\n1,2', "a,label\n1,x\n", "\ufeffa,label\n1,0\n"),
  fc.array(fc.array(fc.oneof(fc.double({ noNaN: true }).map(String), fc.string({ maxLength: 5 })), { minLength: 1, maxLength: 4 }), { maxLength: 5 }).map((rows) =>
    ["a,b,label", ...rows.map((r) => r.join(","))].join("\n"),
  ),
);
const oddContentTypes = ["text/plain", "application/xml", "application/json; charset=utf-16", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/json;;", "garbage", "*/*", "application/JSON"];

/** Ids of no resource or of the wrong kind: unknown, malformed, long, unicode. */
function hostileIdArb(ids: string[]): fc.Arbitrary<string> {
  const prefixes = [...new Set(ids.map((id) => id.split("_")[0]!))];
  return fc.oneof(
    fc.string({ minLength: 0, maxLength: 30 }),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }),
    fc.constantFrom(...prefixes).map((p) => `${p}_${"0".repeat(32)}`),
    fc.constantFrom("..", ".", "%", "\u0000", "a/b", "?x=1", "#", " ", "null", "undefined", "0", "-1", "1e3", "__proto__", "constructor", "' OR 1=1 --"),
    fc.constantFrom(100, 101, 500, 10_000).map((n) => "m".repeat(n)),
  );
}

// ---------------------------------------------------------------------------------------------
// requests

function requestArb(op: Operation, doc: { components: { schemas: Record<string, Schema> } }, ids: Ids, samples: Record<string, unknown>, auth: fc.Arbitrary<Record<string, string>>): fc.Arbitrary<FuzzRequest> {
  const defs = doc.components.schemas;
  const isEvents = op.operationId === "streamJobEvents";
  const validPool = isEvents ? ids.finishedJobs : op.mutating ? ids.write : ids.read;
  const hostileIds = hostileIdArb(ids.read);
  // body ids and path ids: a valid one for this kind of request most often, else anything
  const idArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...validPool) }, { weight: 2, arbitrary: hostileIds });
  const bodyIdArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ids.write) }, { weight: 1, arbitrary: hostileIds });

  const pathArb = fc.tuple(...op.pathParams.map(() => idArb)).map((values) =>
    op.pathParams.reduce((path, name, i) => path.replace(`{${name}}`, encodeURIComponent(values[i]!)), op.path),
  );

  const queryArb = fc
    .tuple(
      fc.tuple(
        ...op.query.map((q) =>
          fc.option(
            fc.oneof(
              { weight: 3, arbitrary: schemaArbitrary(q.schema, defs, idArb, q.name).map(String) },
              { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("-1", "0", "1e9", "9007199254740993", "1.5", "", "NaN", "x".repeat(5000))) },
            ),
            { freq: 2 },
          ),
        ),
      ),
      fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 })), { freq: 5 }),
      fc.boolean(),
    )
    .map(([values, extra, repeat]) => {
      const params = new URLSearchParams();
      op.query.forEach((q, i) => {
        const v = values[i];
        if (v === null || v === undefined) return;
        params.append(q.name, v);
        if (repeat) params.append(q.name, v); // the same parameter twice
      });
      if (extra) params.append(extra[0], extra[1]);
      const s = params.toString();
      return s ? `?${s}` : "";
    });

  const accept = fc.option(fc.constantFrom("application/json", "application/octet-stream", "text/event-stream", "*/*", "text/html", "application/json;q=0", "garbage/////", "", "application/*, text/*;q=0.1"), { freq: 2 });
  const headerArb = fc
    .record({
      accept,
      lastEventId: isEvents ? fc.option(fc.oneof(fc.nat({ max: 10_000 }).map(String), fc.constantFrom("-1", "abc", "1.5", "99999999999999999999", "", " 1", "0x10")), { freq: 2 }) : fc.constant(null),
      idempotencyKey: fc.option(fc.oneof(fc.string({ minLength: 1, maxLength: 20, unit: "binary-ascii" }), fc.constantFrom("", "k".repeat(201), "k".repeat(5000), " ", "é")), { freq: 4 }),
      requestId: fc.option(fc.constantFrom("", "x".repeat(300), "req_<script>", "é"), { freq: 8 }),
      auth,
    })
    .map(({ accept, lastEventId, idempotencyKey, requestId, auth }) => {
      const headers: Record<string, string> = { ...auth };
      if (accept !== null) headers.accept = accept;
      if (lastEventId !== null) headers["last-event-id"] = lastEventId;
      if (idempotencyKey !== null) headers["idempotency-key"] = idempotencyKey.replace(/[\u0000-\u001f\u007f]/g, "k");
      if (requestId !== null) headers["x-request-id"] = requestId;
      return headers;
    });

  // the body, with its content type (null: no body)
  let bodyArb: fc.Arbitrary<{ kind: string; contentType: string | null; payload?: string | Buffer }>;
  if (op.body) {
    const types = Object.keys(op.body);
    const jsonSchema = op.body["application/json"];
    const valid = jsonSchema ? schemaArbitrary(jsonSchema, defs, bodyIdArb) : fc.constant({});
    const sample = samples[op.operationId];
    const base = sample === undefined ? valid : fc.oneof(valid, fc.constant(sample));
    const json = (kind: string, arb: fc.Arbitrary<unknown>) => arb.map((v) => ({ kind, contentType: "application/json", payload: JSON.stringify(v) ?? "null" }));
    bodyArb = fc.oneof(
      { weight: 3, arbitrary: json("valid", base) },
      { weight: 3, arbitrary: fc.tuple(base, mutation).map(([v, m]) => ({ kind: "near-valid", contentType: "application/json", payload: JSON.stringify(mutate(v, m)) ?? "null" })) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...types), hostileBody).map(([contentType, payload]) => ({ kind: "hostile", contentType, payload })) },
      {
        weight: 1,
        arbitrary: fc.tuple(fc.constantFrom(...types.filter((t) => t !== "application/json"), "text/csv"), fc.oneof(csvBody, fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)))).map(([contentType, payload]) => ({ kind: "other-type", contentType, payload })),
      },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...oddContentTypes), fc.oneof(json("x", base).map((b) => b.payload!), hostileBody)).map(([contentType, payload]) => ({ kind: "wrong-content-type", contentType, payload })) },
      { weight: 1, arbitrary: fc.constant({ kind: "no-body", contentType: null }) },
    );
  } else {
    bodyArb = fc.oneof(
      { weight: 6, arbitrary: fc.constant({ kind: "valid", contentType: null }) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom("application/json", ...oddContentTypes), hostileBody).map(([contentType, payload]) => ({ kind: "unexpected-body", contentType, payload })) },
    );
  }

  return fc.record({ path: pathArb, query: queryArb, headers: headerArb, body: bodyArb }).map(({ path, query, headers, body }) => {
    const h = { ...headers };
    if (body.contentType !== null) h["content-type"] = body.contentType;
    return { method: op.method, url: path + query, headers: h, ...(body.payload === undefined ? {} : { payload: body.payload }), kind: body.kind };
  });
}

// ---------------------------------------------------------------------------------------------
// the run

async function send(app: FastifyInstance, req: FuzzRequest): Promise<{ status: number; body: string; contentType: string }> {
  const res = await app.inject({ method: req.method as "GET", url: req.url, headers: req.headers, ...(req.payload === undefined ? {} : { payload: req.payload }) });
  return { status: res.statusCode, body: res.body, contentType: String(res.headers["content-type"] ?? "") };
}

function describeRequest(req: FuzzRequest): string {
  const payload = req.payload === undefined ? "" : typeof req.payload === "string" ? req.payload : `<${req.payload.length} bytes>`;
  return `${req.method} ${req.url.slice(0, 300)} [${req.kind}] headers=${JSON.stringify(req.headers).slice(0, 300)} body=${payload.slice(0, 300)}${payload.length > 300 ? `… (${payload.length} chars)` : ""}`;
}

function checkAnswer(req: FuzzRequest, res: { status: number; body: string; contentType: string }): void {
  if (res.status >= 500) throw new Error(`${res.status} for ${describeRequest(req)}: ${res.body.slice(0, 500)}`);
  if (res.status >= 400) {
    let parsed: { error?: { code?: unknown; message?: unknown } };
    try {
      parsed = JSON.parse(res.body);
    } catch {
      throw new Error(`${res.status} without a JSON body for ${describeRequest(req)}: ${res.body.slice(0, 200)}`);
    }
    if (typeof parsed.error?.code !== "string" || typeof parsed.error.message !== "string") {
      throw new Error(`${res.status} without the error shape for ${describeRequest(req)}: ${res.body.slice(0, 200)}`);
    }
  }
}

interface Seeded {
  model: string;
  dataset: string;
  job: string;
}

async function ok(app: FastifyInstance, method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<Record<string, unknown> & { id: string }> {
  const res = await app.inject({ method: method as "GET", url, headers, ...(body === undefined ? {} : { payload: body as object }) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function trainedJob(app: FastifyInstance, headers: Record<string, string>, model: string, data: string): Promise<string> {
  const job = (await ok(app, "POST", "/v1/jobs", headers, jobSpec(model, data, 1, 8))).id;
  const deadline = Date.now() + 60_000;
  while ((await ok(app, "GET", `/v1/jobs/${job}`, headers)).status !== "succeeded") {
    if (Date.now() > deadline) throw new Error(`job ${job} did not succeed in time`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return job;
}

async function seed(app: FastifyInstance, headers: Record<string, string>): Promise<Seeded> {
  const model = (await ok(app, "POST", "/v1/models", headers, MODEL)).id;
  const data = (await ok(app, "POST", "/v1/datasets", headers, dataset(16))).id;
  return { model, dataset: data, job: await trainedJob(app, headers, model, data) };
}

/** What must not change of the protected resources: their API views, weights (JSON and safetensors) and events, as bytes. */
async function snapshot(app: FastifyInstance, headers: Record<string, string>, p: Seeded): Promise<Record<string, string>> {
  const get = async (url: string, accept?: string): Promise<string> => {
    const res = await app.inject({ method: "GET", url, headers: { ...headers, ...(accept ? { accept } : {}) } });
    expect(res.statusCode, url).toBe(200);
    return res.rawPayload.toString("base64");
  };
  return {
    model: await get(`/v1/models/${p.model}`),
    weights: await get(`/v1/models/${p.model}/weights`),
    safetensors: await get(`/v1/models/${p.model}/weights`, "application/octet-stream"),
    dataset: await get(`/v1/datasets/${p.dataset}`),
    job: await get(`/v1/jobs/${p.job}`),
    events: await get(`/v1/jobs/${p.job}/events`),
  };
}

function fuzzSuite(mode: "open" | "keyed", runsPerOp: number, backend: "sqlite" | "scale-out" = "sqlite"): void {
  describe.skipIf(backend === "scale-out" && !servicesUp)(`fuzzing every operation of the OpenAPI document (${mode}, ${backend})`, () => {
    const ADMIN_KEY = `operator-${randomBytes(24).toString("hex")}`;
    let t: TestApp<SqliteStore | PostgresStore>;
    let headers: Record<string, string> = {};
    let protectedIds: Seeded;
    let ids: Ids;
    let samples: Record<string, unknown>;
    let before: Record<string, string>;

    beforeAll(async () => {
      t = await buildTestApp({
        backend,
        config: {
          workers: 1,
          ...(mode === "open" ? { authMode: "none" } : { authMode: "keys", adminKey: ADMIN_KEY }),
          // whatever the fuzzer manages to queue trains briefly and small
          limits: { maxBodyBytes: MAX_BODY_BYTES, maxEpochs: 2, maxJobSteps: 64, maxSamples: 512, maxParams: 20_000, maxQueuedJobs: 4, maxPredictWork: 2_000_000, maxResponseValues: 100_000 },
        },
      });
      if (mode === "keyed") {
        const admin = { authorization: `Bearer ${ADMIN_KEY}` };
        const tenant = await ok(t.app, "POST", "/v1/tenants", admin, { name: "fuzz" });
        const key = await ok(t.app, "POST", "/v1/keys", admin, { role: "admin", tenant_id: tenant.id });
        headers = { authorization: `Bearer ${key.key as string}` };
      }
      protectedIds = await seed(t.app, headers);
      const throwaway = await seed(t.app, headers);
      const spareModel = (await ok(t.app, "POST", "/v1/models", headers, MODEL)).id;
      const spareData = (await ok(t.app, "POST", "/v1/datasets", headers, dataset(8))).id;
      const key = await ok(t.app, "POST", "/v1/keys", headers, { role: "read", name: "throwaway" }).catch(() => null);
      const write = [throwaway.model, throwaway.dataset, throwaway.job, spareModel, spareData, ...(key ? [key.id] : [])];
      ids = { read: [protectedIds.model, protectedIds.dataset, protectedIds.job, ...write], write, finishedJobs: [protectedIds.job, throwaway.job] };
      const weights = await ok(t.app, "GET", `/v1/models/${throwaway.model}/weights`, headers);
      samples = {
        createModel: MODEL,
        createDataset: dataset(8),
        createJob: jobSpec(throwaway.model, throwaway.dataset, 1, 8),
        predict: { inputs: [[0, 0, 0, 0, 0]] },
        putModelWeights: weights,
        createKey: { role: "read" },
        createTenant: { name: "fuzz-tenant" },
        updateTenantQuotas: { models: 50, running_jobs: 2 },
      };
      before = await snapshot(t.app, headers, protectedIds);
    }, 120_000);
    afterAll(() => t?.close());

    it(
      "answers every request without a 5xx, every 4xx with the error shape; /healthz still answers and the protected resources are as they were",
      async () => {
        const doc = t.app.kiln.openapi as never as Parameters<typeof operationsOf>[0] & { components: { schemas: Record<string, Schema> } };
        // deletions last, so that the other operations still find the throwaway resources
        const ops = operationsOf(doc).sort((a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"));
        expect(ops.map((op) => op.operationId)).toEqual(expect.arrayContaining(["createJob", "streamJobEvents", "putModelWeights", "getHealth"]));
        const auth: fc.Arbitrary<Record<string, string>> =
          mode === "open"
            ? fc.option(fc.constantFrom("Bearer nope", "Basic abc", "", "Bearer " + "k".repeat(5000)), { freq: 10 }).map((a): Record<string, string> => (a === null ? {} : { authorization: a }))
            : fc.oneof(
                { weight: 8, arbitrary: fc.constant(headers) },
                { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({}, { authorization: `Bearer ${ADMIN_KEY}` }, { authorization: "Bearer nope" }, { authorization: "" }, { authorization: "Bearer" }) },
              );
        let count = 0;
        const kinds: Record<string, number> = {};
        const statuses: Record<string, number> = {};
        for (const [i, op] of ops.entries()) {
          await fc.assert(
            fc.asyncProperty(requestArb(op, doc, ids, samples, auth), async (req) => {
              count++;
              kinds[req.kind] = (kinds[req.kind] ?? 0) + 1;
              const res = await send(t.app, req);
              const key = `${res.status}`;
              statuses[key] = (statuses[key] ?? 0) + 1;
              if (res.status < 300) statuses[`2xx ${op.operationId}`] = (statuses[`2xx ${op.operationId}`] ?? 0) + 1;
              checkAnswer(req, res);
            }),
            // the scale-out run draws other requests than the SQLite runs, rather than repeating theirs
            { seed: SEED + i + (backend === "scale-out" ? SCALE_OUT_SEED_OFFSET : 0), numRuns: runsPerOp, endOnFailure: false },
          );
        }
        const health = await t.app.inject({ method: "GET", url: "/healthz" });
        expect(health.statusCode).toBe(200);
        expect(await snapshot(t.app, headers, protectedIds)).toEqual(before);
        console.log(`fuzz (${mode}, ${backend}, seed ${SEED}): ${count} requests over ${ops.length} operations`, JSON.stringify(kinds), JSON.stringify(statuses));
        expect(count).toBeGreaterThanOrEqual(runsPerOp * ops.length);
      },
      120_000,
    );
  });
}

fuzzSuite("open", RUNS_OPEN);
fuzzSuite("keyed", RUNS_KEYED);
fuzzSuite("keyed", RUNS_SCALE_OUT, "scale-out");
