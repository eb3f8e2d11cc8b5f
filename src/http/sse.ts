/**
 * Server-sent events (`text/event-stream`): start a stream on a reply, write events, keep the
 * connection alive with comments, and end it — also when the app closes, so a graceful shutdown
 * does not wait for clients that never hang up.
 */
import type { Server } from "node:http";
import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { QuotaExceededError } from "../services/errors.js";
import { tooManyStreams } from "./errors.js";

export interface SseOptions {
  /** The reconnection delay sent to the client (`retry:`), in ms. Default 3000. */
  retryMs?: number;
  /** Interval of `: heartbeat` comments, in ms. Default 15000. */
  heartbeatMs?: number;
  /**
   * Bytes written but not yet taken by a slow client (held in this process: the response body's
   * buffer and the socket's) beyond which the client is dropped: its connection is destroyed
   * together with what waits in it, and it reconnects with Last-Event-ID. Default 1 MiB. Code that
   * writes many events (a replay) should `await stream.drained()` between batches, and then holds
   * about one batch per client.
   */
  maxBufferedBytes?: number;
  /** A client that takes none of the bytes waiting for it for this long (in ms) is dropped likewise. Default 30000. */
  stallTimeoutMs?: number;
  /**
   * Streams open at once on the request's server (from the start of each until its response is
   * over) beyond which startSse throws a 503 `too_many_streams` instead of starting one. Default: no limit.
   */
  maxStreams?: number;
  /**
   * The tenant the stream is for, and how many streams it may have open at once on the request's
   * server: past that, startSse throws a QuotaExceededError (`event_streams`). Checked before
   * `maxStreams`, so that a tenant at its quota learns so however busy the server is.
   */
  tenant?: { id: string; maxStreams: number };
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

/** The most bytes handed to the response in one write. */
const WRITE_PIECE = 16 * 1024;

/** Streams whose response is not over yet, and how many of them each HTTP server has. */
const open = new Set<OpenStream>();
const openPerServer = new WeakMap<Server, number>();
/** The open streams of each tenant, per server (tenants with none are left out). */
const tenantsPerServer = new WeakMap<Server, Map<string, number>>();

/** One line, no CR/LF: ids and event names must not break the framing. */
const field = (value: string): string => value.replace(/[\r\n]/g, " ");

function formatEvent({ id, event, data }: SseEvent): string {
  // a number needs no escaping (a job's steps: the common case, thousands a second)
  const head = id === null ? "" : typeof id === "number" ? `id: ${id}\n` : `id: ${field(id)}\n`;
  return `${head}event: ${field(event)}\ndata: ${JSON.stringify(data) ?? "null"}\n\n`;
}

/**
 * Starts an event stream as the reply: status 200, `content-type: text/event-stream`, no storing by caches (a tenant's events)
 * or proxy buffering, then `retry:`. The handler returns `reply` and keeps writing until done.
 * Throws (before it starts anything) when the tenant's `maxStreams` or the server's are open already.
 */
export function startSse(request: FastifyRequest, reply: FastifyReply, options: SseOptions = {}): SseStream {
  const { retryMs = 3000, heartbeatMs = 15_000, maxBufferedBytes = 1024 * 1024, stallTimeoutMs = 30_000, maxStreams = Infinity, tenant } = options;
  const httpServer = request.server.server;
  const perTenant = tenantsPerServer.get(httpServer) ?? new Map<string, number>();
  tenantsPerServer.set(httpServer, perTenant);
  const tenantStreams = tenant === undefined ? 0 : (perTenant.get(tenant.id) ?? 0);
  if (tenant !== undefined && tenantStreams >= tenant.maxStreams) {
    throw new QuotaExceededError("event_streams", tenant.maxStreams, tenantStreams, "close one of its streams first");
  }
  const streams = openPerServer.get(httpServer) ?? 0;
  if (streams >= maxStreams) throw tooManyStreams(maxStreams);
  openPerServer.set(httpServer, streams + 1);
  if (tenant !== undefined) perTenant.set(tenant.id, tenantStreams + 1);

  const body = new PassThrough();
  const response = reply.raw;
  const controller = new AbortController();
  let closed = false;
  /** Bytes written so far, and the part of them that left this process the last time some did. */
  let written = 0;
  let takenMark = 0;
  let lastTakenAt = Date.now();

  /** What waits for the client in this process: the body's buffers and the response's (with the socket's). */
  const buffered = (): number => body.writableLength + body.readableLength + response.writableLength;

  /** Destroys the connection and everything buffered for it (Fastify destroys the body then too). */
  const drop = (reason: string): void => {
    request.log.warn({ buffered: buffered(), reason }, "event stream client too slow: dropping it");
    cleanup();
    body.destroy();
    response.destroy();
  };

  const write = (chunk: string): boolean => {
    if (closed) return false;
    const bytes = Buffer.from(chunk);
    written += bytes.length;
    // in pieces: a write counts as taken only once all of it is, and the stall check must see a
    // slow client's progress
    for (let at = 0; at < bytes.length; at += WRITE_PIECE) body.write(bytes.subarray(at, at + WRITE_PIECE));
    if (buffered() > maxBufferedBytes) {
      drop(`over ${maxBufferedBytes} bytes waiting`);
      return false;
    }
    return true;
  };
  const heartbeat = setInterval(() => write(": heartbeat\n\n"), heartbeatMs);
  heartbeat.unref();
  // Checked a few times per timeout; runs until the response is over, so that a client that
  // never takes the end of a closed stream is dropped too. (Chunk framing counts as waiting
  // bytes that were never written, so only a rise in what was taken is progress.)
  const stallCheck = setInterval(() => {
    const now = Date.now();
    const waiting = buffered();
    const taken = written - waiting;
    if (waiting === 0 || taken > takenMark) {
      takenMark = taken;
      lastTakenAt = now;
    } else if (now - lastTakenAt >= stallTimeoutMs) {
      drop(`took nothing for ${stallTimeoutMs} ms`);
    }
  }, Math.max(10, stallTimeoutMs / 4));
  stallCheck.unref();

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
      response.once("finish", resolve);
      response.once("close", resolve);
    }),
  };
  function cleanup(): void {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    controller.abort();
  }
  // The client hung up (Fastify destroys the body stream) or the stream ended.
  body.on("close", cleanup);
  let over = false;
  const responseOver = (): void => {
    if (over) return;
    over = true;
    cleanup();
    clearInterval(stallCheck);
    open.delete(entry);
    openPerServer.set(httpServer, (openPerServer.get(httpServer) ?? 1) - 1);
    if (tenant !== undefined) {
      const left = (perTenant.get(tenant.id) ?? 1) - 1;
      if (left > 0) perTenant.set(tenant.id, left);
      else perTenant.delete(tenant.id);
    }
  };
  response.once("close", responseOver);
  open.add(entry);
  // a client that left before its stream started: its response's 'close' has gone by
  if (response.destroyed) responseOver();

  reply
    .code(200)
    .header("content-type", "text/event-stream; charset=utf-8")
    .header("cache-control", "no-store, no-transform")
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

/** The streams of `app`'s server whose response is not over yet. */
export function openStreamCount(app: FastifyInstance): number {
  return openPerServer.get(app.server) ?? 0;
}

/** The streams of `app`'s server open for the tenant (see SseOptions.tenant). */
export function openTenantStreamCount(app: FastifyInstance, tenantId: string): number {
  return tenantsPerServer.get(app.server)?.get(tenantId) ?? 0;
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
