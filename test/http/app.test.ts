import { connect, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { requestId } from "../../src/http/app.js";
import { defineRoute } from "../../src/http/route.js";
import { buildTestApp } from "./helper.js";

describe("buildApp", () => {
  it("registers the health routes and the given ones once, even when given twice", async () => {
    const ping = defineRoute({
      method: "GET",
      url: "/test/ping",
      operationId: "testPing",
      summary: "Ping",
      tags: ["test"],
      responses: { 200: { description: "Pong", schema: z.object({ pong: z.boolean() }) } },
      handler: () => ({ pong: true }),
    });
    const t = await buildTestApp({ routes: [ping, ping] });
    try {
      expect((await t.app.inject({ method: "GET", url: "/test/ping" })).json()).toEqual({ pong: true });
      expect(Object.keys(t.app.kiln.openapi.paths)).toEqual(["/healthz", "/metrics", "/openapi.json", "/readyz", "/test/ping"]);
    } finally {
      await t.close();
    }
  });

  it("finishes in-flight requests on close and answers new ones 503 meanwhile", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const isStarted = new Promise<void>((resolve) => (started = resolve));
    const slow = defineRoute({
      method: "GET",
      url: "/test/slow",
      operationId: "testSlow",
      summary: "Slow",
      tags: ["test"],
      responses: { 200: { description: "Done" } },
      handler: async () => {
        started();
        await released;
        return { done: true };
      },
    });
    const t = await buildTestApp({ routes: [slow] });
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = t.app.server.address() as AddressInfo;
    // One raw keep-alive connection, so a second request can reach the closing app.
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString()));
    const ended = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write("GET /test/slow HTTP/1.1\r\nHost: x\r\n\r\n");
    await isStarted;
    const closing = t.close();
    await new Promise((r) => setTimeout(r, 20));
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await new Promise((r) => setTimeout(r, 20));
    release();
    await closing;
    await ended;
    const responses = received.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200 /);
    expect(responses[0]).toContain('{"done":true}');
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503 /);
    expect(responses[1]).toMatch(/connection: close/i);
    expect(responses[1]).toContain('"code":"unavailable"');
  });
});

describe("requestId", () => {
  it("keeps an id-like incoming id and makes one otherwise", () => {
    expect(requestId("abc-123")).toBe("abc-123");
    expect(requestId(["first", "second"])).toBe("first");
    expect(requestId(undefined)).toMatch(/^req_[0-9a-f]{16}$/);
    expect(requestId("x".repeat(129))).toMatch(/^req_/);
    expect(requestId("a b")).toMatch(/^req_/);
  });

  it("makes distinct ids, also across refills of its random pool", () => {
    const ids = Array.from({ length: 2000 }, () => requestId(undefined));
    for (const id of ids) expect(id).toMatch(/^req_[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
