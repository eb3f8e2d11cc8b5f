import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiError, ERRORS, notFound, toApiError } from "../../src/http/errors.js";
import { defineRoute } from "../../src/http/route.js";
import { BodyTooHeavyError, ConflictError, NotFoundError, ParsersBusyError, QueueFullError } from "../../src/services/errors.js";
import { JsonSyntaxError, SpecError } from "../../src/schema/index.js";
import { StoreConflictError } from "../../src/store/store.js";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";

const Layer = z.object({ type: z.literal("linear"), out_features: z.number().int().positive() });
const Body = z.object({ name: z.string(), layers: z.array(Layer).min(1) });

const echo = defineRoute({
  method: "POST",
  url: "/test/echo",
  operationId: "testEcho",
  summary: "Echoes a valid body",
  tags: ["test"],
  query: z.object({ limit: z.coerce.number().int().min(1).max(10).optional() }),
  body: Body,
  responses: { 200: { description: "The body", schema: Body } },
  handler: ({ body }) => body,
});

const THROWS: Record<string, () => unknown> = {
  spec: () => {
    throw new SpecError("layer 2 expects 30 input features, got 20", ["layers", 2, "in_features"]);
  },
  store_conflict: () => {
    throw new StoreConflictError("model mdl_1 is used by job job_1", "model_in_use");
  },
  job_not_found: () => {
    throw new NotFoundError("dataset", "ds_9", "dataset_id");
  },
  queue_full: () => {
    throw new QueueFullError(100);
  },
  job_conflict: () => {
    throw new ConflictError("job job_1 has finished", "job_not_active");
  },
  api: () => {
    throw notFound("model", "mdl_x");
  },
  bug: () => {
    throw new Error("secret database password is hunter2");
  },
  syntax: () => JSON.parse("{oops"),
  zod: () => z.object({ rows: z.array(z.number()) }).parse({ rows: [1, "two"] }),
  string: () => {
    throw "a string";
  },
};

const thrower = defineRoute({
  method: "GET",
  url: "/test/throw/:kind",
  operationId: "testThrow",
  summary: "Throws an error of the given kind",
  tags: ["test"],
  params: z.object({ kind: z.enum(Object.keys(THROWS) as [string, ...string[]]) }),
  responses: { 200: { description: "Never" } },
  handler: ({ params }) => THROWS[params.kind]!(),
});

let t: TestApp;
const logs: string[] = [];

beforeAll(async () => {
  t = await buildTestApp({
    routes: [echo, thrower],
    config: { limits: { maxBodyBytes: 1024 } },
    logger: { level: "info", stream: { write: (line: string) => void logs.push(line) } },
  });
});
afterAll(() => t.close());

const post = (payload: string, contentType = "application/json") =>
  t.app.inject({ method: "POST", url: "/test/echo", payload, headers: { "content-type": contentType } });

describe("body parsing errors", () => {
  it("answers 400 malformed_json for broken JSON", async () => {
    const res = await post('{"name": ');
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ error: { code: "malformed_json", message: ERRORS.malformed_json.message } });
  });

  it("answers 400 malformed_json for an empty JSON body", async () => {
    const res = await post("");
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe("malformed_json");
  });

  it("answers 400 malformed_json for prototype poisoning", async () => {
    const res = await post('{"name":"x","layers":[],"__proto__":{"admin":true}}');
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe("malformed_json");
  });

  it("answers 415 for a content type no parser knows", async () => {
    const res = await post("<model/>", "application/xml");
    expect(res.statusCode).toBe(415);
    expect(errorOf(res).code).toBe("unsupported_media_type");
  });

  it("answers 415 for a known content type the route does not accept", async () => {
    const res = await post("a,b\n1,2\n", "text/csv");
    expect(res.statusCode).toBe(415);
    expect(errorOf(res)).toEqual({
      code: "unsupported_media_type",
      message: 'content type "text/csv" is not accepted here; use application/json',
    });
  });

  it("answers 413 payload_too_large above the configured body limit", async () => {
    const res = await post(JSON.stringify({ name: "x".repeat(2000), layers: [] }));
    expect(res.statusCode).toBe(413);
    expect(errorOf(res).code).toBe("payload_too_large");
  });

  it("answers 400 for JSON nested deeper than 64 levels, without parsing it", async () => {
    const t2 = await buildTestApp({ routes: [echo] }); // the default 64 MiB limit
    try {
      const deep = "[".repeat(100_000) + "]".repeat(100_000);
      const res = await t2.app.inject({ method: "POST", url: "/test/echo", payload: deep, headers: { "content-type": "application/json" } });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res).code).toBe("malformed_json");
      expect(errorOf(res).message).toMatch(/deeper than 64/);

      const deepObject = '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000);
      const res2 = await t2.app.inject({ method: "POST", url: "/test/echo", payload: deepObject, headers: { "content-type": "application/json" } });
      expect(res2.statusCode).toBe(400);
      expect(errorOf(res2).code).toBe("malformed_json");

      // Unclosed too: the check stops as soon as the limit is passed.
      const unclosed = await t2.app.inject({ method: "POST", url: "/test/echo", payload: "[".repeat(1_000_000), headers: { "content-type": "application/json" } });
      expect(unclosed.statusCode).toBe(400);
    } finally {
      await t2.close();
    }
  });

  it("accepts nesting up to the limit and ignores brackets inside strings", async () => {
    const name = "[[[[{{{{".repeat(20) + '\\"[[[';
    const res = await post(JSON.stringify({ name, layers: [{ type: "linear", out_features: 3 }] }));
    expect(res.statusCode).toBe(200);
    expect(res.json().name).toBe(name);
  });
});

describe("validation errors", () => {
  it("answers 400 validation_error with one detail per Zod issue, paths without a body prefix", async () => {
    const res = await post(
      JSON.stringify({ name: 7, layers: [{ type: "linear", out_features: 1 }, { type: "linear", out_features: 2 }, { type: "linear", out_features: -3 }] }),
    );
    expect(res.statusCode).toBe(400);
    const error = errorOf(res);
    expect(error.code).toBe("validation_error");
    expect(error.details?.map((d) => d.path)).toEqual(["name", "layers[2].out_features"]);
    for (const detail of error.details!) expect(detail.message).toEqual(expect.any(String));
  });

  it("prefixes query, params and header paths with where they are", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/test/echo?limit=99",
      payload: { name: "m", layers: [{ type: "linear", out_features: 1 }] },
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).details?.map((d) => d.path)).toEqual(["query.limit"]);

    const res2 = await t.app.inject({ method: "GET", url: "/test/throw/nope" });
    expect(res2.statusCode).toBe(400);
    expect(errorOf(res2).details?.map((d) => d.path)).toEqual(["params.kind"]);
  });

  it("answers 400 validation_error for a missing body", async () => {
    const res = await t.app.inject({ method: "POST", url: "/test/echo" });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe("validation_error");
  });

  it("answers 400 validation_error for a ZodError thrown by a handler", async () => {
    const res = await t.app.inject({ method: "GET", url: "/test/throw/zod" });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).details?.map((d) => d.path)).toEqual(["rows[1]"]);
  });
});

describe("errors of the layers below", () => {
  it("answers 422 unprocessable for a SpecError, its path as the detail's", async () => {
    const res = await t.app.inject({ method: "GET", url: "/test/throw/spec" });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({
      error: {
        code: "unprocessable",
        message: "layer 2 expects 30 input features, got 20",
        details: [{ path: "layers[2].in_features", message: "layer 2 expects 30 input features, got 20" }],
      },
    });
  });

  it("answers 409 with the StoreConflictError's code", async () => {
    const res = await t.app.inject({ method: "GET", url: "/test/throw/store_conflict" });
    expect(res.statusCode).toBe(409);
    expect(errorOf(res)).toEqual({ code: "model_in_use", message: "model mdl_1 is used by job job_1" });
  });

  it("maps the services layer's errors", async () => {
    const notFoundRes = await t.app.inject({ method: "GET", url: "/test/throw/job_not_found" });
    expect(notFoundRes.statusCode).toBe(404);
    expect(errorOf(notFoundRes)).toEqual({
      code: "not_found",
      message: "dataset ds_9 not found",
      details: [{ path: "dataset_id", message: "dataset ds_9 not found" }],
    });

    const full = await t.app.inject({ method: "GET", url: "/test/throw/queue_full" });
    expect(full.statusCode).toBe(429);
    expect(errorOf(full).code).toBe("queue_full");
    expect(full.headers["retry-after"]).toBe("5");

    const conflict = await t.app.inject({ method: "GET", url: "/test/throw/job_conflict" });
    expect(conflict.statusCode).toBe(409);
    expect(errorOf(conflict).code).toBe("job_not_active");
  });

  it("answers an ApiError as it is", async () => {
    const res = await t.app.inject({ method: "GET", url: "/test/throw/api" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: "not_found", message: "model mdl_x not found" } });
  });
});

describe("unexpected errors", () => {
  it.each(["bug", "syntax", "string"])("answers 500 internal without leaking anything (%s)", async (kind) => {
    logs.length = 0;
    const res = await t.app.inject({ method: "GET", url: `/test/throw/${kind}` });
    expect(res.statusCode).toBe(500);
    const error = errorOf(res);
    expect(error.code).toBe("internal");
    const requestId = res.headers["x-request-id"] as string;
    expect(error.message).toBe(`Internal server error (request ${requestId})`);
    expect(res.body).not.toMatch(/hunter2|oops|a string|at .*\.ts/);
    // Logged, with the request id.
    const entry = logs.map((l) => JSON.parse(l)).find((l) => l.msg === "unexpected error");
    expect(entry).toMatchObject({ level: 50, reqId: requestId });
    if (kind === "bug") expect(entry.err.message).toContain("hunter2");
  });
});

describe("routing errors", () => {
  it("answers 404 not_found for an unknown route, in the error shape", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/nothing?x=1" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: "not_found", message: "no route GET /v1/nothing" } });
    expect(res.headers["x-request-id"]).toMatch(/^req_[0-9a-f]{16}$/);
  });

  it("answers 404 for a known path with another method", async () => {
    const res = await t.app.inject({ method: "DELETE", url: "/test/echo" });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res).code).toBe("not_found");
  });

  it("answers 400 bad_request for a malformed URL", async () => {
    const res = await t.app.inject({ method: "GET", url: "/test/throw/%E0%A4%A" });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe("bad_request");
    expect(res.headers["x-request-id"]).toMatch(/^req_/);
  });
});

describe("request ids", () => {
  it("generates req_ ids and echoes them", async () => {
    const a = await t.app.inject({ method: "GET", url: "/healthz" });
    const b = await t.app.inject({ method: "GET", url: "/healthz" });
    expect(a.headers["x-request-id"]).toMatch(/^req_[0-9a-f]{16}$/);
    expect(a.headers["x-request-id"]).not.toBe(b.headers["x-request-id"]);
  });

  it("accepts the caller's x-request-id, unless it is not id-like", async () => {
    const a = await t.app.inject({ method: "GET", url: "/healthz", headers: { "x-request-id": "trace-42.abc:1" } });
    expect(a.headers["x-request-id"]).toBe("trace-42.abc:1");
    const b = await t.app.inject({ method: "GET", url: "/healthz", headers: { "x-request-id": "bad id <script>" } });
    expect(b.headers["x-request-id"]).toMatch(/^req_/);
  });
});

describe("toApiError", () => {
  it("returns null for what the API must not explain", () => {
    expect(toApiError(new Error("x"))).toBeNull();
    expect(toApiError(new SyntaxError("x"))).toBeNull();
    expect(toApiError(42)).toBeNull();
    // only a run's writes are fenced: a superseded attempt reaching a request is a bug
    expect(toApiError(new StoreConflictError("job job_1 is at attempt 2: attempt 1 was superseded", "attempt_superseded"))).toBeNull();
  });

  it("maps what parsing a body on a parse worker throws", () => {
    expect(toApiError(new JsonSyntaxError('expected "," or "]" at byte 12, found "x"'))?.toJSON()).toEqual({
      error: { code: "malformed_json", message: 'The request body is not valid JSON: expected "," or "]" at byte 12, found "x"' },
    });
    const heavy = toApiError(new BodyTooHeavyError(512));
    expect([heavy?.status, heavy?.code, heavy?.message]).toEqual([413, "payload_too_large", "parsing the request body needs more than the 512 MB a parse worker may use"]);
    const busy = toApiError(new ParsersBusyError(32));
    expect([busy?.status, busy?.code, busy?.headers]).toEqual([503, "unavailable", { "retry-after": "1" }]);
  });

  it("keeps the catalog's status for every code", () => {
    for (const [code, { status }] of Object.entries(ERRORS)) {
      expect(new ApiError(code as keyof typeof ERRORS).status).toBe(status);
    }
  });
});
