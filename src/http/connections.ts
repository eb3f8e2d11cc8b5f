/**
 * The HTTP server below the request level: its timeouts, the cap on open connections, and the
 * answer to requests Node's parser refuses before any route sees them (malformed HTTP, oversized
 * headers, timeouts) — in the API's error shape like every other error.
 */
import { STATUS_CODES, type ServerOptions } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import type { Limits, Timeouts } from "./config.js";
import { ApiError } from "./errors.js";

/** How often Node looks for connections past their headers or request timeout. */
const TIMEOUT_CHECK_MS = 1000;

/** Fastify's server options for the configured timeouts. */
export function serverTimeouts(timeouts: Timeouts): Pick<FastifyServerOptions, "requestTimeout" | "keepAliveTimeout"> & { http: ServerOptions } {
  return {
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: TIMEOUT_CHECK_MS },
  };
}

/** A whole HTTP/1.1 response carrying `error`, written straight to a socket that has no request object. */
function rawResponse(error: ApiError): string {
  const body = JSON.stringify(error.toJSON());
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ""}\r\n` +
    `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

function clientError(code: string | undefined): ApiError {
  switch (code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new ApiError("request_timeout");
    case "HPE_HEADER_OVERFLOW":
      return new ApiError("headers_too_large");
    default:
      return new ApiError("bad_request", `The request is not valid HTTP${code ? ` (${code})` : ""}`);
  }
}

/**
 * For Fastify's `clientErrorHandler` option (bound to the app): Node's parser could not read a
 * request (garbage, a bad Content-Length or chunk, headers over the limit) or the client took too
 * long. The answer goes straight to the socket, which then closes, as Node's own handler does.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // a reset connection is gone: there is no one to answer
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const api = clientError(error.code);
  this.log.info({ code: api.code, status: api.status, parserError: error.code }, "request rejected by the HTTP parser");
  if (socket.writable) socket.write(rawResponse(api));
  socket.destroy();
}

/**
 * Counts the server's open connections. Each one past `limits.maxConnections` is answered 503
 * `too_many_connections` at its first request and then closed (one that never sends a request is
 * cut by the headers timeout): the client reads a clear refusal instead of a reset.
 */
export function capConnections(app: FastifyInstance, limits: Pick<Limits, "maxConnections">): void {
  let open = 0;
  const overCap = new WeakSet<Socket>();
  app.server.on("connection", (socket: Socket) => {
    open++;
    if (open > limits.maxConnections) overCap.add(socket);
    socket.once("close", () => open--);
  });
  app.addHook("onRequest", async (request, reply) => {
    if (!overCap.has(request.raw.socket)) return;
    reply.header("connection", "close");
    throw new ApiError("too_many_connections", undefined, { headers: { "retry-after": "1" } });
  });
}
