import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPENAPI_FILE, renderOpenApi } from "../../openapi/generate.js";
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
});
