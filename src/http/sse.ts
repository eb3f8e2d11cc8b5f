/**
 * Server-sent events (`text/event-stream`): start a stream on a reply, write events, keep the
 * connection alive with comments, and end it — also when the app closes, so a graceful shutdown
 * does not wait for clients that never hang up.
 */
import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export interface SseOptions {
  /** The reconnection delay sent to the client (`retry:`), in ms. Default 3000. */
  retryMs?: number;
  /** Interval of `: heartbeat` comments, in ms. Default 15000. */
  heartbeatMs?: number;
  /**
   * Bytes written but not yet taken by a slow client beyond which the stream is closed rather than
   * buffered without bound (the client reconnects with Last-Event-ID and resumes). Default 4 MiB.
   * Code that writes many events at once (a replay) should `await stream.drained()` between batches.
   */
  maxBufferedBytes?: number;
}

/** One event: its id (`null` for none), its name, and its data (sent as JSON on one line). */
export interface SseEvent {
  id: string | number | null;
  event: string;
  data: unknown;
}

export interface SseStream {
  /**
   * Writes one event; `data` is sent as JSON on one line. Returns false once the stream is closed
   * (the client left, `close()` was called, or the client fell too far behind).
   */
  writeEvent(id: string | number | null, event: string, data: unknown): boolean;
  /**
   * Writes several events in one write (one chunk on the wire rather than one per event: a fast
   * job's progress arrives in batches). Returns false once the stream is closed.
   */
  writeEvents(events: readonly SseEvent[]): boolean;
  /** Writes a comment line (ignored by clients; keeps proxies from timing out). */
  comment(text: string): boolean;
  /**
   * Resolves once the client has taken what was written so far (at once if nothing waits), or the
   * stream closed: await it between batches of a replay so a long history does not pile up.
   */
  drained(): Promise<void>;
  /** Ends the stream (idempotent). */
  close(): void;
  readonly closed: boolean;
  /** Aborted when the stream closes, by either side. */
  readonly signal: AbortSignal;
}

interface OpenStream {
  server: FastifyInstance;
  stream: SseStream;
  /** Resolves once the response is over (its last byte handed to the socket, or the socket gone). */
  finished: Promise<void>;
}

const open = new Set<OpenStream>();

/** One line, no CR/LF: ids and event names must not break the framing. */
const field = (value: string): string => value.replace(/[\r\n]/g, " ");

function formatEvent({ id, event, data }: SseEvent): string {
  // a number needs no escaping (a job's steps: the common case, thousands a second)
  const head = id === null ? "" : typeof id === "number" ? `id: ${id}\n` : `id: ${field(id)}\n`;
  return `${head}event: ${field(event)}\ndata: ${JSON.stringify(data) ?? "null"}\n\n`;
}

/**
 * Starts an event stream as the reply: status 200, `content-type: text/event-stream`, no caching
 * or proxy buffering, then `retry:`. The handler returns `reply` and keeps writing until done.
 */
export function startSse(request: FastifyRequest, reply: FastifyReply, options: SseOptions = {}): SseStream {
  const { retryMs = 3000, heartbeatMs = 15_000, maxBufferedBytes = 4 * 1024 * 1024 } = options;
  const body = new PassThrough();
  const controller = new AbortController();
  let closed = false;

  const write = (chunk: string): boolean => {
    if (closed) return false;
    body.write(chunk);
    if (body.writableLength > maxBufferedBytes) {
      request.log.warn({ buffered: body.writableLength }, "event stream client too slow: closing the stream");
      stream.close();
      return false;
    }
    return true;
  };
  const heartbeat = setInterval(() => write(": heartbeat\n\n"), heartbeatMs);
  heartbeat.unref();

  const stream: SseStream = {
    writeEvent: (id, event, data) => write(formatEvent({ id, event, data })),
    writeEvents(events) {
      if (events.length === 0) return !closed;
      let chunk = "";
      for (const e of events) chunk += formatEvent(e);
      return write(chunk);
    },
    comment: (text) => write(`: ${field(text)}\n\n`),
    drained() {
      if (closed || !body.writableNeedDrain) return Promise.resolve();
      return new Promise((resolve) => {
        const done = (): void => {
          body.off("drain", done);
          body.off("close", done);
          resolve();
        };
        body.once("drain", done);
        body.once("close", done);
      });
    },
    close() {
      if (closed) return;
      cleanup();
      body.end();
    },
    get closed() {
      return closed;
    },
    signal: controller.signal,
  };

  const entry: OpenStream = {
    server: request.server,
    stream,
    finished: new Promise((resolve) => {
      reply.raw.once("finish", resolve);
      reply.raw.once("close", resolve);
    }),
  };
  function cleanup(): void {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    open.delete(entry);
    controller.abort();
  }
  // The client hung up (Fastify destroys the body stream) or the stream ended.
  body.on("close", cleanup);
  open.add(entry);

  reply
    .code(200)
    .header("content-type", "text/event-stream; charset=utf-8")
    .header("cache-control", "no-cache, no-transform")
    .header("connection", "keep-alive")
    .header("x-accel-buffering", "no")
    .send(body);
  write(`retry: ${retryMs}\n\n`);
  return stream;
}

/**
 * The event id a reconnecting client last saw: the `Last-Event-ID` header (sent by EventSource on
 * reconnect) or a `last_event_id` query parameter (for the first connection); null if neither.
 */
export function lastEventId(request: FastifyRequest): string | null {
  const header = request.headers["last-event-id"];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader !== undefined && fromHeader.trim() !== "") return fromHeader.trim();
  const query = request.query as Record<string, unknown> | undefined;
  const param = query?.last_event_id;
  const fromQuery = Array.isArray(param) ? param[0] : param;
  if (typeof fromQuery === "string" && fromQuery.trim() !== "") return fromQuery.trim();
  return null;
}

/**
 * Ends every open stream of `app` and waits (up to `timeoutMs`) until their responses are over, so
 * their keep-alive connections are idle when the server closes and none holds `app.close()` up.
 * buildApp calls this in a preClose hook.
 */
export async function closeStreams(app: FastifyInstance, timeoutMs = 1000): Promise<number> {
  const closing: Promise<void>[] = [];
  for (const { server, stream, finished } of [...open]) {
    if (server === app || Object.prototype.isPrototypeOf.call(app, server)) {
      stream.close();
      closing.push(finished);
    }
  }
  if (closing.length > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closing), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
  return closing.length;
}
