import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/http/metrics.js";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";

let t: TestApp;
let dependencyUp = true;
let trainerConnected = true;
const metrics = createMetrics();
let queued = 3;
metrics.registerGauge("kiln_jobs_queued", "Jobs waiting", () => queued);
metrics.registerGauge("kiln_jobs", "Jobs by status", async () => ({ running: 1, succeeded: 5 }));

beforeAll(async () => {
  t = await buildTestApp({
    metrics,
    readiness: [
      async function workers() {
        if (!dependencyUp) throw new Error("no worker answers");
      },
      async function trainers() {
        if (!trainerConnected) return { degraded: "no trainer is connected" };
      },
    ],
  });
});
afterAll(() => t.close());

describe("GET /healthz", () => {
  it("answers ok", async () => {
    const res = await t.app.inject({ method: "GET", url: "/healthz" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });
});

describe("GET /readyz", () => {
  it("answers ok when the store and every check answer", async () => {
    const res = await t.app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });

  it("answers 503 unavailable naming the failing check", async () => {
    dependencyUp = false;
    try {
      const res = await t.app.inject({ method: "GET", url: "/readyz" });
      expect(res.statusCode).toBe(503);
      expect(res.headers["retry-after"]).toBe("5");
      expect(res.json()).toEqual({
        error: {
          code: "unavailable",
          message: "The service is not ready",
          details: [{ path: "workers", message: "no worker answers" }],
        },
      });
    } finally {
      dependencyUp = true;
    }
  });

  it("answers 200 degraded naming the check when one reports something missing", async () => {
    trainerConnected = false;
    try {
      const res = await t.app.inject({ method: "GET", url: "/readyz" });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: "degraded", details: [{ path: "trainers", message: "no trainer is connected" }] });
      // a failure still wins: not ready
      dependencyUp = false;
      expect((await t.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(503);
    } finally {
      trainerConnected = true;
      dependencyUp = true;
    }
  });

  it("answers 503 when the store does not answer", async () => {
    const t2 = await buildTestApp();
    try {
      await t2.store.close();
      const res = await t2.app.inject({ method: "GET", url: "/readyz" });
      expect(res.statusCode).toBe(503);
      expect(errorOf(res).details?.map((d) => d.path)).toEqual(["store"]);
    } finally {
      await t2.close();
    }
  });
});

describe("GET /metrics", () => {
  it("exposes the HTTP histogram, the process metrics and the registered gauges", async () => {
    await t.app.inject({ method: "GET", url: "/healthz" });
    await t.app.inject({ method: "GET", url: "/nowhere" });
    queued = 7;
    const res = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toContain("# TYPE http_request_duration_seconds histogram");
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} \d+/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/);
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("nodejs_heap_size_used_bytes");
    expect(text).toContain("kiln_jobs_queued 7");
    expect(text).toContain('kiln_jobs{status="running"} 1');
    expect(text).toContain('kiln_jobs{status="succeeded"} 5');
    expect(text).toContain("kiln_event_streams_open 0");
  });

  it("keeps each app's metrics apart", async () => {
    const t2 = await buildTestApp();
    try {
      const res = await t2.app.inject({ method: "GET", url: "/metrics" });
      expect(res.body).not.toContain("kiln_jobs_queued");
      expect(res.body).not.toMatch(/route="\/healthz"/);
      expect(res.body).toContain("process_cpu_user_seconds_total");
    } finally {
      await t2.close();
    }
  });
});

describe("the API description", () => {
  it("serves the OpenAPI document at /openapi.json", async () => {
    const res = await t.app.inject({ method: "GET", url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(t.app.kiln.openapi);
    expect(res.json().openapi).toBe("3.1.0");
    expect(Object.keys(res.json().paths)).toEqual(expect.arrayContaining(["/healthz", "/readyz", "/metrics", "/openapi.json"]));
  });

  it("serves Swagger UI at /docs over the same document", async () => {
    const page = await t.app.inject({ method: "GET", url: "/docs" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain("swagger-ui");
    const json = await t.app.inject({ method: "GET", url: "/docs/json" });
    expect(json.json()).toEqual(t.app.kiln.openapi);
    const asset = await t.app.inject({ method: "GET", url: "/docs/static/swagger-ui-bundle.js" });
    expect(asset.statusCode).toBe(200);
  });
});
