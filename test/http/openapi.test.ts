import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_TYPES_FILE, OPENAPI_FILE, renderClientTypes, renderOpenApi } from "../../openapi/generate.js";
import { allRoutes } from "../../src/http/routes/index.js";
import { buildTestApp, type TestApp } from "./helper.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp(); // every route (allRoutes), as server.ts builds it
});
afterAll(() => t.close());

describe("openapi/openapi.json", () => {
  it("is up to date with the routes (run `npm run openapi` after changing an API schema)", () => {
    const onDisk = readFileSync(OPENAPI_FILE, "utf8");
    expect(onDisk, "openapi/openapi.json is stale: run `npm run openapi`").toBe(renderOpenApi());
  });

  it("has its openapi-typescript types beside it, up to date (openapi/kiln-api.d.ts)", async () => {
    const onDisk = readFileSync(CLIENT_TYPES_FILE, "utf8");
    expect(onDisk, "openapi/kiln-api.d.ts is stale: run `npm run openapi`").toBe(await renderClientTypes(readFileSync(OPENAPI_FILE, "utf8")));
  });

  it("is what the app serves at /openapi.json and /docs/json", async () => {
    const onDisk = JSON.parse(readFileSync(OPENAPI_FILE, "utf8"));
    const served = await t.app.inject({ method: "GET", url: "/openapi.json" });
    expect(served.json()).toEqual(onDisk);
    const docs = await t.app.inject({ method: "GET", url: "/docs/json" });
    expect(docs.json()).toEqual(onDisk);
  });

  it("only refers to components it defines, and every operation is unique", () => {
    const doc = JSON.parse(readFileSync(OPENAPI_FILE, "utf8"));
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of refs) expect(doc.components.schemas, `missing component ${ref}`).toHaveProperty(ref);
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item as Record<string, { operationId: string }>).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("shows a real example of every JSON request body, each one its route's schema accepts", async () => {
    const withBody = allRoutes.filter((route) => route.body !== undefined);
    expect(withBody.length).toBeGreaterThan(0);
    for (const route of withBody) {
      const examples = Object.entries(route.examples ?? {});
      expect(examples.length, `${route.method} ${route.url} has no example`).toBeGreaterThan(0);
      for (const [name, example] of examples) {
        const parsed = await route.body.safeParseAsync(example.value);
        expect(parsed.error, `${route.method} ${route.url} example ${name}`).toBeUndefined();
      }
    }
    const doc = JSON.parse(readFileSync(OPENAPI_FILE, "utf8"));
    expect(doc.paths["/v1/jobs"].post.requestBody.content["application/json"].examples.toy.value).toMatchObject({ loss: "cross_entropy" });
  });

  it("names Model, Dataset, Job and ApiError, and types the event stream's data as JobEvent, told apart by `type`", () => {
    const doc = JSON.parse(readFileSync(OPENAPI_FILE, "utf8"));
    const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
    const json = (path: string, method: string, status: string) => doc.paths[path][method].responses[status].content;
    expect(json("/v1/models/{id}", "get", "200")["application/json"].schema).toEqual(ref("Model"));
    expect(json("/v1/datasets/{id}", "get", "200")["application/json"].schema).toEqual(ref("Dataset"));
    expect(json("/v1/jobs/{id}", "get", "200")["application/json"].schema).toEqual(ref("Job"));
    expect(json("/v1/jobs/{id}", "get", "404")["application/json"].schema).toEqual(ref("ApiError"));
    expect(json("/v1/jobs/{id}/events", "get", "200")).toEqual({ "text/event-stream": { schema: ref("JobEvent") } });
    const events = { progress: "ProgressEvent", epoch: "EpochEvent", status: "StatusEvent", done: "DoneEvent" };
    expect(doc.components.schemas.JobEvent.oneOf).toEqual(Object.values(events).map(ref));
    expect(doc.components.schemas.JobEvent.discriminator).toEqual({
      propertyName: "type",
      mapping: Object.fromEntries(Object.entries(events).map(([type, name]) => [type, ref(name).$ref])),
    });
    for (const [type, name] of Object.entries(events)) {
      expect(doc.components.schemas[name].properties.type).toEqual({ type: "string", const: type });
    }
    expect(doc.servers.map((s: { url: string }) => s.url)).toEqual(["/", "http://127.0.0.1:3000"]);
  });
});
