import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "./helper.js";

describe("security headers", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it("serve Swagger UI (/docs) with a CSP that lets its own scripts and styles run, and nothing else", async () => {
    const page = await t.app.inject({ method: "GET", url: "/docs/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain("swagger-ui-bundle.js");
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toContain("upgrade-insecure-requests");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.headers["referrer-policy"]).toBe("no-referrer");

    // what the page loads is served, under the same policy
    for (const asset of ["swagger-ui-bundle.js", "swagger-initializer.js", "swagger-ui.css"]) {
      const res = await t.app.inject({ method: "GET", url: `/docs/static/${asset}` });
      expect(res.statusCode, asset).toBe(200);
      expect(res.headers["content-security-policy"]).toBe(csp);
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    }
    // the initializer it runs points at the spec, with no validator badge
    const init = await t.app.inject({ method: "GET", url: "/docs/static/swagger-initializer.js" });
    expect(init.body).toContain('"validatorUrl":null');
  });

  it("give JSON answers a CSP that allows nothing, nosniff, no framing and no referrer", async () => {
    const res = await t.app.inject({ method: "GET", url: "/healthz" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    expect(res.headers["referrer-policy"]).toBe("no-referrer");
    expect(res.headers["strict-transport-security"]).toBeUndefined();
  });

  it("keep every answer of a keyed route out of caches: a new key above all, and refusals", async () => {
    const key = await t.app.inject({ method: "POST", url: "/v1/keys", payload: { role: "read" } });
    expect(key.statusCode).toBe(201);
    expect(key.headers["cache-control"]).toBe("no-store");
    expect(key.headers["x-content-type-options"]).toBe("nosniff");

    const models = await t.app.inject({ method: "GET", url: "/v1/models" });
    expect(models.headers["cache-control"]).toBe("no-store");
    const missing = await t.app.inject({ method: "GET", url: "/v1/models/mdl_nope" });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["cache-control"]).toBe("no-store");
    expect(missing.headers["x-content-type-options"]).toBe("nosniff");
  });
});
