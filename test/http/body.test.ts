import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineRoute } from "../../src/http/route.js";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";

/** Echoes the body's length and a checksum of its bytes. */
const echo = defineRoute({
  method: "POST",
  url: "/test/body",
  operationId: "echoBody",
  summary: "Echoes the body's size",
  tags: ["test"],
  body: z.unknown(),
  bodyContentTypes: ["application/octet-stream"],
  rawBody: true,
  responses: { 200: { description: "The size", schema: z.object({ size: z.number(), sum: z.number() }) } },
  handler: ({ body }) => ({ size: body.length, sum: body.reduce((a, b) => (a + b) % 65_521, 0) }),
});

const LIMIT = 64 * 1024;
let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await buildTestApp({ routes: [echo], config: { limits: { maxBodyBytes: LIMIT } } });
  url = `${await t.app.listen({ port: 0, host: "127.0.0.1" })}/test/body`;
});
afterAll(() => t.close());

/** POSTs `chunks` one write each, chunked (no Content-Length). */
function postChunked(chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/octet-stream", "transfer-encoding": "chunked" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const sum = (chunks: Buffer[]) => Buffer.concat(chunks).reduce((a, b) => (a + b) % 65_521, 0);

describe("readBody", () => {
  it("reads a body with a Content-Length into one buffer of that size", async () => {
    const body = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 31) % 256));
    const res = await t.app.inject({ method: "POST", url: "/test/body", headers: { "content-type": "application/octet-stream" }, payload: body });
    expect(res.json()).toEqual({ size: 40_000, sum: sum([body]) });
  });

  it("reads a chunked body, growing its buffer as the chunks come", async () => {
    const chunks = Array.from({ length: 7 }, (_, k) => Buffer.alloc(9000, k + 1));
    const res = await postChunked(chunks);
    expect([res.status, JSON.parse(res.body)]).toEqual([200, { size: 63_000, sum: sum(chunks) }]);
  });

  it("answers 413 for a body over the limit, declared or not", async () => {
    const declared = await t.app.inject({ method: "POST", url: "/test/body", headers: { "content-type": "application/octet-stream" }, payload: Buffer.alloc(LIMIT + 1) });
    expect([declared.statusCode, errorOf(declared).code]).toEqual([413, "payload_too_large"]);
    const chunked = await postChunked(Array.from({ length: 9 }, () => Buffer.alloc(8192)));
    expect([chunked.status, JSON.parse(chunked.body).error.code]).toEqual([413, "payload_too_large"]);
  });

  it("answers 400 for a body shorter than its Content-Length", async () => {
    const res = await t.app.inject({ method: "POST", url: "/test/body", headers: { "content-type": "application/octet-stream", "content-length": "10" }, payload: Buffer.alloc(5) });
    expect([res.statusCode, errorOf(res).code]).toEqual([400, "bad_request"]);
  });
});
