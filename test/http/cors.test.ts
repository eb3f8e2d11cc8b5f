import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/http/config.js";
import { buildTestApp, type TestApp } from "./helper.js";

const ALLOWED = "https://app.example.com";

function preflight(t: TestApp, origin: string) {
  return t.app.inject({
    method: "OPTIONS",
    url: "/v1/models",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, idempotency-key" },
  });
}

const corsHeaders = (headers: Record<string, unknown>): string[] => Object.keys(headers).filter((h) => h.startsWith("access-control-"));

describe("KILN_CORS_ORIGINS", () => {
  it("takes exact origins, comma-separated", () => {
    expect(loadConfig({ KILN_CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` }).corsOrigins).toEqual([ALLOWED, "http://localhost:5173"]);
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });

  it.each([
    ["*", "* is refused"],
    ["https://app.example.com/", "is not an origin"],
    ["https://app.example.com/ui", "is not an origin"],
    ["app.example.com", "is not an origin"],
    ["ftp://app.example.com", "is not an origin"],
  ])("refuses %s, naming the variable", (value, message) => {
    let error: unknown;
    try {
      loadConfig({ KILN_CORS_ORIGINS: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.objectContaining({ variable: "KILN_CORS_ORIGINS", message: expect.stringContaining(message) })]);
  });
});

describe("CORS", () => {
  let t: TestApp;
  afterEach(() => t.close());

  it("answers a preflight from an allowed origin with the headers the API reads and sends", async () => {
    t = await buildTestApp({ config: { corsOrigins: `${ALLOWED},http://localhost:5173` } });
    const res = await preflight(t, ALLOWED);
    expect(res.statusCode).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe(ALLOWED);
    expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
    expect(String(res.headers["access-control-allow-methods"])).toContain("POST");
    const allowed = String(res.headers["access-control-allow-headers"]).toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(["authorization", "content-type", "idempotency-key", "last-event-id"]));
    expect(res.headers["access-control-max-age"]).toBe("600");

    const get = await t.app.inject({ method: "GET", url: "/v1/models", headers: { origin: ALLOWED } });
    expect(get.statusCode).toBe(200);
    expect(get.headers["access-control-allow-origin"]).toBe(ALLOWED);
    const exposed = String(get.headers["access-control-expose-headers"]).toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(["location", "retry-after", "ratelimit-remaining", "x-request-id"]));
  });

  it("gives another origin no CORS headers", async () => {
    t = await buildTestApp({ config: { corsOrigins: ALLOWED } });
    const res = await preflight(t, "https://evil.example.com");
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    const get = await t.app.inject({ method: "GET", url: "/v1/models", headers: { origin: "https://evil.example.com" } });
    expect(get.statusCode).toBe(200);
    expect(corsHeaders(get.headers)).toEqual([]);
  });

  it("is off by default: no CORS headers at all", async () => {
    t = await buildTestApp();
    const res = await preflight(t, ALLOWED);
    expect(corsHeaders(res.headers)).toEqual([]);
    const get = await t.app.inject({ method: "GET", url: "/v1/models", headers: { origin: ALLOWED } });
    expect(get.statusCode).toBe(200);
    expect(corsHeaders(get.headers)).toEqual([]);
  });
});
