/**
 * Below the request level, over real sockets to a listening server: what Node's HTTP parser refuses
 * (issue 13's probe: garbage, conflicting Content-Length and Transfer-Encoding, bad chunking,
 * oversized headers) is answered in the API's error shape; idle and trickling connections are cut
 * by the headers and request timeouts; connections past the cap get a 503 they can read.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "./helper.js";

/** A raw connection, and everything the server sent on it until it closed. */
interface RawConnection {
  socket: Socket;
  /** Resolves with all the bytes received once the server closes the connection. */
  closed: Promise<string>;
}

function open(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    const closed = new Promise<string>((done) => socket.once("close", () => done(received)));
    socket.once("error", () => undefined); // a reset shows as a close with what arrived
    socket.once("connect", () => resolve({ socket, closed }));
    socket.once("error", reject);
  });
}

/** Sends `request` on a fresh connection and returns the server's whole answer (it closes after). */
async function exchange(port: number, request: string | Buffer): Promise<string> {
  const connection = await open(port);
  connection.socket.write(request);
  return connection.closed;
}

/** The status and the error body of a raw HTTP response. */
function parse(response: string): { status: number; headers: string; error: { code: string; message: string } } {
  const [head = "", body = ""] = response.split("\r\n\r\n", 2);
  const status = Number(head.split(" ", 2)[1]);
  return { status, headers: head.toLowerCase(), error: (JSON.parse(body) as { error: { code: string; message: string } }).error };
}

describe("requests the HTTP parser refuses", () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await buildTestApp();
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterAll(async () => t.close());

  it("answers each in the API's error shape, then closes the connection", async () => {
    const cases: [string, string | Buffer, number, string][] = [
      ["garbage", "this is not HTTP\r\n\r\n", 400, "bad_request"],
      ["binary garbage", Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 53 + 7) % 256)), 400, "bad_request"],
      [
        "Content-Length with Transfer-Encoding",
        "POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
        "bad_request",
      ],
      ["two Content-Lengths", "POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400, "bad_request"],
      [
        "bad chunking",
        "POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        400,
        "bad_request",
      ],
      ["oversized headers", `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431, "headers_too_large"],
    ];
    for (const [what, request, status, code] of cases) {
      const answer = parse(await exchange(port, request));
      expect({ what, status: answer.status, code: answer.error.code }).toEqual({ what, status, code });
      expect(answer.headers).toContain("content-type: application/json");
      expect(answer.error.message.length).toBeGreaterThan(0);
    }
    // and the server goes on serving
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});

describe("timeouts and the connection cap", () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await buildTestApp({ config: { timeouts: { headersMs: 300, requestMs: 600, keepAliveMs: 300 }, limits: { maxConnections: 3 } } });
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterAll(async () => t.close());

  it("answers 408 to a connection that never sends a request, and cuts it", async () => {
    const idle = await open(port);
    const answer = parse(await idle.closed);
    expect([answer.status, answer.error.code]).toEqual([408, "request_timeout"]);
  });

  it("answers 408 request_timeout to a body that trickles in, and cuts the connection", async () => {
    const slow = await open(port);
    slow.socket.write("POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
    const trickle = setInterval(() => slow.socket.writable && slow.socket.write(" "), 100);
    try {
      const answer = parse(await slow.closed);
      expect([answer.status, answer.error.code]).toEqual([408, "request_timeout"]);
    } finally {
      clearInterval(trickle);
    }
  });

  it("closes a keep-alive connection left idle after its response", async () => {
    const kept = await open(port);
    kept.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const answer = await kept.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain('{"status":"ok"}');
  });

  it("answers 503 too_many_connections past the cap, and serves again once connections close", async () => {
    const held = await Promise.all([open(port), open(port), open(port)]);
    const extra = await open(port);
    extra.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const answer = parse(await extra.closed);
    expect([answer.status, answer.error.code]).toEqual([503, "too_many_connections"]);
    expect(answer.headers).toContain("retry-after: 1");
    for (const c of held) c.socket.destroy();
    await Promise.all(held.map((c) => c.closed));
    // the server counts a connection gone once its close is handled: wait for that, not a fixed time
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: "close" } });
      if (res.status === 200) break;
      await res.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});
