import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { buildOpenApiDocument } from "../../src/http/openapi.js";
import { defineRoute, successStatus, type RouteDef } from "../../src/http/route.js";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";

const Layer = z
  .object({
    type: z.literal("linear"),
    out_features: z.number().int().positive().describe("Output features"),
    bias: z.boolean().default(true),
  })
  .meta({ id: "TestLayer" });
const Model = z.object({ id: z.string(), layers: z.array(Layer) }).meta({ id: "TestModel" });

const createModel = defineRoute({
  method: "POST",
  url: "/v1/test-models/:group",
  operationId: "createTestModel",
  summary: "Creates a model",
  tags: ["test"],
  params: z.object({ group: z.string().regex(/^g_/) }),
  query: z.object({ dry_run: z.enum(["true", "false"]).default("false").describe("Validate only") }),
  headers: z.object({ "idempotency-key": z.string().max(64).optional() }),
  body: z.object({ layers: z.array(Layer).min(1) }),
  responses: {
    201: { description: "Created", schema: Model, headers: { location: { description: "The model's URL" } } },
    409: { description: "Idempotency conflict" },
  },
  handler: ({ params, query, headers, body, ctx }, reply) => {
    expectTypeOf(params.group).toEqualTypeOf<string>();
    expectTypeOf(query.dry_run).toEqualTypeOf<"true" | "false">();
    expectTypeOf(headers["idempotency-key"]).toEqualTypeOf<string | undefined>();
    expectTypeOf(body.layers[0]!.bias).toEqualTypeOf<boolean>();
    expect(ctx.config.logLevel).toBe("silent");
    reply.header("location", `/v1/test-models/${params.group}/mdl_1`);
    return { id: "mdl_1", group: params.group, dry_run: query.dry_run, key: headers["idempotency-key"] ?? null, layers: body.layers };
  },
});

const upload = defineRoute({
  method: "PUT",
  url: "/v1/test-uploads",
  operationId: "uploadTest",
  summary: "Takes JSON, CSV or bytes",
  tags: ["test"],
  body: z.object({ rows: z.array(z.array(z.number())) }),
  bodyContentTypes: ["application/json", "text/csv", "application/octet-stream"],
  responses: { 200: { description: "What arrived", schema: z.object({ kind: z.string(), size: z.number() }) } },
  handler: ({ body, contentType }) => {
    expectTypeOf(body).toEqualTypeOf<{ rows: number[][] } | string | Buffer>();
    if (typeof body === "string") return { kind: `string ${contentType}`, size: body.length };
    if (Buffer.isBuffer(body)) return { kind: `buffer ${contentType}`, size: body.length };
    return { kind: "json", size: body.rows.length };
  },
});

const rawUpload = defineRoute({
  method: "PUT",
  url: "/v1/test-raw-uploads",
  operationId: "uploadRawTest",
  summary: "Takes any body as its bytes",
  tags: ["test"],
  body: z.object({ rows: z.array(z.array(z.number())) }),
  bodyContentTypes: ["application/json", "text/csv", "application/octet-stream"],
  rawBody: true,
  responses: { 200: { description: "What arrived", schema: z.object({ kind: z.string(), text: z.string() }) } },
  handler: ({ body, contentType }) => {
    expectTypeOf(body).toEqualTypeOf<Buffer>();
    return { kind: `${Buffer.isBuffer(body) ? "buffer" : typeof body} ${contentType}`, text: body.toString("latin1") };
  },
});

const remove = defineRoute({
  method: "DELETE",
  url: "/v1/test-models/:group/:id",
  operationId: "deleteTestModel",
  summary: "Deletes",
  tags: ["test"],
  params: z.object({ group: z.string(), id: z.string() }),
  responses: { 204: { description: "Deleted" } },
  handler: () => undefined,
});

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ routes: [createModel, upload, rawUpload, remove] });
});
afterAll(() => t.close());

describe("registerRoutes", () => {
  it("parses params, query, headers and body before the handler; replies with the lowest 2xx", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/test-models/g_1?dry_run=true",
      headers: { "idempotency-key": "k1" },
      payload: { layers: [{ type: "linear", out_features: 3 }] },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe("/v1/test-models/g_1/mdl_1");
    expect(res.json()).toEqual({
      id: "mdl_1",
      group: "g_1",
      dry_run: "true",
      key: "k1",
      layers: [{ type: "linear", out_features: 3, bias: true }],
    });
  });

  it("rejects bad params, query and headers with located details", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/test-models/x?dry_run=maybe",
      headers: { "idempotency-key": "k".repeat(65) },
      payload: { layers: [] },
    });
    expect(res.statusCode).toBe(400);
    // params are checked first, then the request stops.
    expect(errorOf(res).details?.map((d) => d.path)).toEqual(["params.group"]);
    const res2 = await t.app.inject({
      method: "POST",
      url: "/v1/test-models/g_1",
      headers: { "idempotency-key": "k".repeat(65) },
      payload: { layers: [{ type: "linear", out_features: 3 }] },
    });
    expect(errorOf(res2).details?.map((d) => d.path)).toEqual(['headers["idempotency-key"]']);
  });

  it("passes a CSV body as a string and a byte body as a Buffer", async () => {
    const csv = await t.app.inject({ method: "PUT", url: "/v1/test-uploads", payload: "x,y\n1,2\n", headers: { "content-type": "text/csv; charset=utf-8" } });
    expect(csv.json()).toEqual({ kind: "string text/csv", size: 8 });
    const bytes = await t.app.inject({
      method: "PUT",
      url: "/v1/test-uploads",
      payload: Buffer.from([0, 1, 2, 255]),
      headers: { "content-type": "application/octet-stream" },
    });
    expect(bytes.json()).toEqual({ kind: "buffer application/octet-stream", size: 4 });
    const json = await t.app.inject({ method: "PUT", url: "/v1/test-uploads", payload: { rows: [[1], [2]] } });
    expect(json.json()).toEqual({ kind: "json", size: 2 });
    const text = await t.app.inject({ method: "PUT", url: "/v1/test-uploads", payload: "hello", headers: { "content-type": "text/plain" } });
    expect(text.statusCode).toBe(415);
  });

  it("passes any body of a rawBody route as its bytes, unparsed, and lets its schema answer a missing one", async () => {
    const put = (payload: string, contentType: string) => t.app.inject({ method: "PUT", url: "/v1/test-raw-uploads", payload, headers: { "content-type": contentType } });
    expect((await put('{"rows": [[1]], "extra": [', "application/json")).json()).toEqual({ kind: "buffer application/json", text: '{"rows": [[1]], "extra": [' });
    expect((await put("x,y\n", "text/csv")).json()).toEqual({ kind: "buffer text/csv", text: "x,y\n" });
    expect((await put("\u00ff", "application/octet-stream")).json()).toEqual({ kind: "buffer application/octet-stream", text: "\u00c3\u00bf" });
    expect((await put("x", "text/plain")).statusCode).toBe(415);
    const none = await t.app.inject({ method: "PUT", url: "/v1/test-raw-uploads" });
    expect(none.statusCode).toBe(400);
    expect(errorOf(none).code).toBe("validation_error");
  });

  it("applies the body limit to CSV and bytes too", async () => {
    const t2 = await buildTestApp({ routes: [upload], config: { limits: { maxBodyBytes: 100 } } });
    try {
      const csv = await t2.app.inject({ method: "PUT", url: "/v1/test-uploads", payload: "1,2\n".repeat(100), headers: { "content-type": "text/csv" } });
      expect(csv.statusCode).toBe(413);
      const bytes = await t2.app.inject({ method: "PUT", url: "/v1/test-uploads", payload: Buffer.alloc(101), headers: { "content-type": "application/octet-stream" } });
      expect(bytes.statusCode).toBe(413);
      expect(errorOf(bytes).code).toBe("payload_too_large");
    } finally {
      await t2.close();
    }
  });

  it("sends an empty 204", async () => {
    const res = await t.app.inject({ method: "DELETE", url: "/v1/test-models/g_1/mdl_1" });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe("");
  });

  it("knows each route's default status", () => {
    expect(successStatus(createModel)).toBe(201);
    expect(successStatus(remove)).toBe(204);
    expect(successStatus(upload)).toBe(200);
  });
});

describe("buildOpenApiDocument", () => {
  const routes: RouteDef[] = [createModel, upload, remove];
  const doc = buildOpenApiDocument(routes, { title: "Test", version: "1.0.0" }) as unknown as {
    openapi: string;
    paths: Record<string, Record<string, any>>;
    components: { schemas: Record<string, any> };
    tags: { name: string }[];
  };

  it("uses OpenAPI path syntax and sorts paths", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(["/v1/test-models/{group}", "/v1/test-models/{group}/{id}", "/v1/test-uploads"]);
    expect(doc.tags).toEqual([{ name: "test" }]);
  });

  it("lists params, query and headers as parameters", () => {
    const op = doc.paths["/v1/test-models/{group}"]!.post;
    expect(op.operationId).toBe("createTestModel");
    expect(op.parameters).toEqual([
      { name: "group", in: "path", required: true, schema: { type: "string", pattern: "^g_" } },
      { name: "dry_run", in: "query", description: "Validate only", required: false, schema: { default: "false", type: "string", enum: ["true", "false"] } },
      { name: "idempotency-key", in: "header", required: false, schema: { type: "string", maxLength: 64 } },
    ]);
  });

  it("describes bodies with the input side and responses with the output side, as shared components", () => {
    const op = doc.paths["/v1/test-models/{group}"]!.post;
    expect(op.requestBody.required).toBe(true);
    const body = op.requestBody.content["application/json"].schema;
    expect(body.properties.layers.items).toEqual({ $ref: "#/components/schemas/TestLayerInput" });
    expect(op.responses["201"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/TestModel" });
    expect(op.responses["201"].headers).toEqual({ location: { description: "The model's URL", schema: { type: "string" } } });
    // The input side has bias optional (it has a default); the output side has it required.
    expect(doc.components.schemas.TestLayerInput.required).toEqual(["type", "out_features"]);
    expect(doc.components.schemas.TestLayer.required).toEqual(["type", "out_features", "bias"]);
    expect(doc.components.schemas.TestModel.properties.layers.items).toEqual({ $ref: "#/components/schemas/TestLayer" });
    expect(Object.keys(doc.components.schemas)).toEqual(["ApiError", "RateLimitCount", "TestLayer", "TestLayerInput", "TestModel"]);
  });

  it("gives error responses the shared ApiError schema and adds the standard ones (401, 403 and 429 on routes that need a key)", () => {
    const op = doc.paths["/v1/test-models/{group}"]!.post;
    expect(Object.keys(op.responses)).toEqual(["201", "400", "401", "403", "409", "413", "415", "429", "500"]);
    expect(op.security).toEqual([{ bearerAuth: [] }]);
    for (const status of ["400", "401", "403", "409", "413", "415", "429", "500"]) {
      expect(op.responses[status].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ApiError" });
    }
    expect(op.responses["429"].description).toMatch(/^The key spent its write budget .*KILN_RATE_LIMIT_WRITE/);
    expect(Object.keys(op.responses["429"].headers)).toEqual(["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]);
    const del = doc.paths["/v1/test-models/{group}/{id}"]!.delete;
    expect(Object.keys(del.responses)).toEqual(["204", "400", "401", "403", "429", "500"]);
    expect(del.responses["204"].content).toBeUndefined();
  });

  it("lists every accepted body content type", () => {
    const op = doc.paths["/v1/test-uploads"]!.put;
    expect(Object.keys(op.requestBody.content)).toEqual(["application/json", "text/csv", "application/octet-stream"]);
    expect(op.requestBody.content["text/csv"].schema).toEqual({ type: "string" });
    expect(op.requestBody.content["application/octet-stream"].schema).toEqual({ type: "string", format: "binary" });
  });

  it("documents the body of a rawBody route as that of any other route", () => {
    const both = buildOpenApiDocument([upload, rawUpload], { title: "Test", version: "1.0.0" }) as unknown as typeof doc;
    expect(both.paths["/v1/test-raw-uploads"]!.put.requestBody).toEqual(both.paths["/v1/test-uploads"]!.put.requestBody);
  });

  it("refuses duplicate operation ids and two schemas with one id", () => {
    expect(() => buildOpenApiDocument([createModel, createModel], { title: "T", version: "1" })).toThrow(/duplicate operationId/);
    const a = defineRoute({
      ...remove,
      operationId: "a",
      responses: { 200: { description: "x", schema: z.object({ a: z.string() }).meta({ id: "Same" }) } },
    });
    const b = defineRoute({
      ...remove,
      url: "/other",
      operationId: "b",
      responses: { 200: { description: "x", schema: z.object({ b: z.number() }).meta({ id: "Same" }) } },
    });
    expect(() => buildOpenApiDocument([a, b], { title: "T", version: "1" })).toThrow(/two different schemas have the id "Same"/);
  });

  it("is deterministic", () => {
    const again = buildOpenApiDocument([...routes].reverse(), { title: "Test", version: "1.0.0" });
    expect(JSON.stringify(again)).toBe(JSON.stringify(doc));
  });
});
