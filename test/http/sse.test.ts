import { get, type IncomingMessage } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineRoute } from "../../src/http/route.js";
import { lastEventId, openStreamCount, startSse, type SseStream } from "../../src/http/sse.js";
import { buildTestApp, type TestApp } from "./helper.js";

/**
 * Streams three events after the last one the client saw, then ends; `batch=1` writes them in one
 * write, `close_after_ms` ends it later, `open=1` not at all; `max_streams` caps the open streams;
 * `start_after_ms` waits before it starts the stream.
 */
const events = defineRoute({
  method: "GET",
  url: "/test/events",
  operationId: "testEvents",
  summary: "A test event stream",
  tags: ["test"],
  query: z.object({
    open: z.coerce.number().optional(),
    batch: z.coerce.number().optional(),
    close_after_ms: z.coerce.number().optional(),
    heartbeat_ms: z.coerce.number().optional(),
    last_event_id: z.string().optional(),
    max_streams: z.coerce.number().optional(),
    start_after_ms: z.coerce.number().optional(),
  }),
  responses: { 200: { description: "Events", contentType: "text/event-stream" } },
  handler: async ({ raw, query }, reply) => {
    if (query.start_after_ms) await new Promise((resolve) => setTimeout(resolve, query.start_after_ms));
    const after = Number(lastEventId(raw) ?? 0);
    const sse = startSse(raw, reply, {
      retryMs: 1500,
      ...(query.heartbeat_ms ? { heartbeatMs: query.heartbeat_ms } : {}),
      ...(query.max_streams ? { maxStreams: query.max_streams } : {}),
    });
    const three = [1, 2, 3].map((i) => ({ id: after + i, event: i === 3 ? "done" : "progress", data: { seq: after + i, note: "line one\nline two" } }));
    if (query.batch) sse.writeEvents(three);
    else for (const e of three) sse.writeEvent(e.id, e.event, e.data);
    if (query.open) openStreams.push(sse);
    else if (query.close_after_ms) setTimeout(() => sse.close(), query.close_after_ms);
    else sse.close();
    return reply;
  },
});

/**
 * Writes `batches` × `events` (default 100) events of 1 KB, awaiting `drained()` between batches or
 * only a turn of the event loop, then closes the stream; `stall_ms` and `max_buffered` set the
 * bounds on slow clients.
 */
const burst = defineRoute({
  method: "GET",
  url: "/test/burst",
  operationId: "testBurst",
  summary: "Many events at once",
  tags: ["test"],
  query: z.object({
    batches: z.coerce.number(),
    events: z.coerce.number().default(100),
    drain: z.coerce.number(),
    max_buffered: z.coerce.number(),
    stall_ms: z.coerce.number().optional(),
  }),
  responses: { 200: { description: "Events", contentType: "text/event-stream" } },
  handler: async ({ raw, query }, reply) => {
    const sse = startSse(raw, reply, { maxBufferedBytes: query.max_buffered, ...(query.stall_ms ? { stallTimeoutMs: query.stall_ms } : {}) });
    bursts.push({ stream: sse, socket: raw.raw.socket });
    const padding = "x".repeat(1000);
    let seq = 0;
    for (let b = 0; b < query.batches && !sse.closed; b++) {
      sse.writeEvents(Array.from({ length: query.events }, () => ({ id: ++seq, event: "progress", data: { padding } })));
      if (query.drain) await sse.drained();
      else await new Promise((resolve) => setImmediate(resolve));
    }
    sse.close();
    return reply;
  },
});

/** The burst streams started, each with the server's end of its connection. */
const bursts: { stream: SseStream; socket: Socket }[] = [];

const openStreams: SseStream[] = [];
let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await buildTestApp({ routes: [events, burst] });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(() => t.close());

interface ParsedEvent {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/** Splits an event-stream text into its blocks. */
function parse(text: string): ParsedEvent[] {
  return text
    .split("\n\n")
    .filter((block) => block !== "")
    .map((block) => {
      const event: ParsedEvent = {};
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) event.comment = line.slice(1).trim();
        else {
          const i = line.indexOf(":");
          event[line.slice(0, i) as "id" | "event" | "data" | "retry"] = line.slice(i + 1).trimStart();
        }
      }
      return event;
    });
}

/** Reads the response body to its end. */
async function read(res: Response): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
}

/** Resolves once `condition` holds (checked every 10 ms), or fails after `timeoutMs`. */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A GET over a socket that reads nothing until asked to (`readToEnd`): a client too slow to keep
 * up. Resolves once `started()` says the server has started the stream.
 */
async function openRaw(path: string, started: () => boolean): Promise<{ socket: Socket; readToEnd(): Promise<string> }> {
  const socket = connect((t.app.server.address() as AddressInfo).port, "127.0.0.1");
  socket.on("error", () => undefined); // a dropped client may see a reset
  socket.pause();
  socket.write(`GET ${path} HTTP/1.1\r\nhost: kiln\r\n\r\n`);
  await until(started);
  return {
    socket,
    readToEnd: () =>
      new Promise((resolve) => {
        const chunks: Buffer[] = [];
        socket.on("data", (chunk: Buffer) => chunks.push(chunk));
        socket.on("close", () => {
          const text = Buffer.concat(chunks).toString();
          // the body after the headers, its chunked framing removed
          resolve(text.slice(text.indexOf("\r\n\r\n") + 4).replace(/\r\n[0-9a-f]+\r\n/g, "").replace(/^[0-9a-f]+\r\n/, ""));
        });
        socket.resume();
      }),
  };
}

describe("server-sent events", () => {
  it("streams retry, then events with ids, names and one-line JSON data, then ends", async () => {
    const res = await fetch(`${base}/test/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store, no-transform");
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const text = await read(res);
    expect(parse(text)).toEqual([
      { retry: "1500" },
      { id: "1", event: "progress", data: '{"seq":1,"note":"line one\\nline two"}' },
      { id: "2", event: "progress", data: '{"seq":2,"note":"line one\\nline two"}' },
      { id: "3", event: "done", data: '{"seq":3,"note":"line one\\nline two"}' },
    ]);
  });

  it("writes a batch of events exactly as it writes them one by one", async () => {
    const oneByOne = await read(await fetch(`${base}/test/events`));
    expect(await read(await fetch(`${base}/test/events?batch=1`))).toBe(oneByOne);
  });

  it("resumes after Last-Event-ID, or the last_event_id query parameter", async () => {
    const viaHeader = parse(await read(await fetch(`${base}/test/events`, { headers: { "last-event-id": "5" } })));
    expect(viaHeader.map((e) => e.id)).toEqual([undefined, "6", "7", "8"]);
    const viaQuery = parse(await read(await fetch(`${base}/test/events?last_event_id=10`)));
    expect(viaQuery.map((e) => e.id)).toEqual([undefined, "11", "12", "13"]);
    // The header (what EventSource sends on reconnect) wins over the URL it reconnects to.
    const both = parse(await read(await fetch(`${base}/test/events?last_event_id=10`, { headers: { "last-event-id": "20" } })));
    expect(both[1]!.id).toBe("21");
  });

  it("sends heartbeat comments while the stream is open", async () => {
    const res = await fetch(`${base}/test/events?close_after_ms=200&heartbeat_ms=30`);
    const text = await read(res);
    expect(parse(text).filter((e) => e.comment === "heartbeat").length).toBeGreaterThanOrEqual(3);
  });

  it("notices when the client goes away", async () => {
    const before = openStreams.length;
    // node:http rather than fetch: an aborted fetch leaves a spare connection open for 4 s.
    const req = get(`${base}/test/events?open=1`);
    const res = await new Promise<IncomingMessage>((resolve) => req.once("response", resolve));
    let text = "";
    await new Promise<void>((resolve) =>
      res.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("event: done")) resolve();
      }),
    );
    const stream = openStreams[before]!;
    expect(stream.closed).toBe(false);
    req.destroy();
    await new Promise<void>((resolve) => {
      if (stream.signal.aborted) resolve();
      else stream.signal.addEventListener("abort", () => resolve());
    });
    expect(stream.closed).toBe(true);
    expect(stream.writeEvent(99, "progress", {})).toBe(false);
  });

  it("lets a long replay wait for the client with drained()", async () => {
    const text = await read(await fetch(`${base}/test/burst?batches=50&drain=1&max_buffered=${256 * 1024}`));
    const received = parse(text).filter((e) => e.event === "progress");
    expect(received).toHaveLength(5000);
    expect(received.at(-1)!.id).toBe("5000");
  });

  it("drops a client that lets more than maxBufferedBytes wait, destroying its connection", async () => {
    const before = bursts.length;
    const client = await openRaw(`/test/burst?batches=50&drain=0&max_buffered=${256 * 1024}`, () => bursts.length > before);
    const { stream, socket } = bursts.at(-1)!;
    await until(() => stream.closed && socket.destroyed);
    const received = parse(await client.readToEnd()).filter((e) => e.event === "progress");
    expect(received.length).toBeLessThan(5000);
    // what arrived is whole events in order: the client resumes from the last id it saw
    expect(received.map((e) => Number(e.id))).toEqual(received.map((_, i) => i + 1));
  });

  it("drops a client that takes nothing for stallTimeoutMs, also once its stream has ended", async () => {
    // 4 MB in one write, then the end: more than the kernel's socket buffers take from a client that does not read
    const before = bursts.length;
    const client = await openRaw(`/test/burst?batches=1&events=4000&drain=0&max_buffered=${64 * 1024 * 1024}&stall_ms=300`, () => bursts.length > before);
    const { stream, socket } = bursts.at(-1)!;
    await until(() => stream.closed); // all written and the stream ended, the end waiting for the client
    expect(socket.destroyed).toBe(false);
    await until(() => socket.destroyed);
    client.socket.destroy();
  });

  it("refuses a stream past maxStreams with 503 too_many_streams and Retry-After, until one is over", async () => {
    const before = openStreams.length;
    const first = await openRaw(`/test/events?open=1&max_streams=1`, () => openStreams.length > before);
    const refused = await fetch(`${base}/test/events?max_streams=1`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.json()).toEqual({
      error: { code: "too_many_streams", message: "1 event streams are open, as many as this server serves at once; retry after 5 s" },
    });
    first.socket.destroy();
    await until(async () => (await fetch(`${base}/test/events?max_streams=1`).then((r) => r.text().then(() => r.status))) === 200);
  });

  it("does not count a stream whose client left before it started", async () => {
    const before = openStreams.length;
    const client = await openRaw(`/test/events?open=1&start_after_ms=200`, () => true);
    await until(() => client.socket.bytesWritten > 0 && client.socket.writableLength === 0); // the request has left
    client.socket.destroy();
    await until(() => openStreams.length > before);
    expect(openStreams.at(-1)!.closed).toBe(true);
    expect(openStreamCount(t.app)).toBe(0);
  });

  it("ends open streams when the app closes, so close() does not wait for clients", async () => {
    const t2 = await buildTestApp({ routes: [events] });
    await t2.app.listen({ port: 0, host: "127.0.0.1" });
    const url = `http://127.0.0.1:${(t2.app.server.address() as AddressInfo).port}/test/events?open=1`;
    const res = await fetch(url);
    const reading = read(res);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await t2.close();
    expect(Date.now() - started).toBeLessThan(2000);
    const text = await reading; // the stream ended cleanly
    expect(parse(text).at(-1)).toMatchObject({ event: "done" });
  });
});
