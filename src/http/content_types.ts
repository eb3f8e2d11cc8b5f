/**
 * Request body parsers: JSON (a route's own reader, or Fastify's parser guarded against deep
 * nesting), CSV as a string and raw bytes (octet-stream, NumPy's .npz) as a Buffer; any body as a Buffer for a route that takes
 * it raw. All read by `readBody`, within the route's body limit.
 */
import type { IncomingMessage } from "node:http";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { MAX_JSON_DEPTH } from "../schema/index.js";
import { readBody } from "./body.js";
import { ApiError } from "./errors.js";

export const CONTENT_TYPES = ["application/json", "text/csv", "application/octet-stream", "application/x-npz"] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/**
 * The deepest nesting of arrays and objects in `text` (strings skipped), stopping early once it
 * passes `limit`. Parsing is not needed: this runs before `JSON.parse`, so a body of 100,000 `[`
 * never reaches code that recurses over the parsed value.
 */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string: find its closing quote, jumping over escapes.
      for (i++; i < n; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c /* \ */) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/**
 * A route's own reader for the JSON bodies it usually gets (`RouteSpec.readJson`): the body, or
 * undefined to leave it to the standard parser.
 */
export type JsonReader = (body: Buffer) => unknown;

declare module "fastify" {
  interface FastifyContextConfig {
    readJson?: JsonReader;
    /** The route takes its body as a Buffer, whatever its media type (`RouteSpec.rawBody`). */
    rawBody?: boolean;
  }
}

/**
 * Replaces Fastify's JSON parser with the route's own reader when it has one and it takes the body,
 * else the same parser behind a nesting check; adds CSV and bytes. A route that takes its body raw
 * gets the bytes, undecoded.
 */
export function installContentTypeParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", async (request: FastifyRequest, payload: IncomingMessage) => {
    const bytes = await readBody(request, payload);
    if (request.routeOptions.config.rawBody) return bytes;
    const read = request.routeOptions.config.readJson?.(bytes);
    if (read !== undefined) return read;
    const text = bytes.toString("utf8");
    if (jsonDepthExceeds(text)) throw new ApiError("malformed_json", `The request body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`);
    return new Promise((resolve, reject) => parseJson(request, text, (error, body) => (error ? reject(error) : resolve(body))));
  });
  app.addContentTypeParser("text/csv", async (request: FastifyRequest, payload: IncomingMessage) => {
    const bytes = await readBody(request, payload);
    return request.routeOptions.config.rawBody ? bytes : bytes.toString("utf8");
  });
  app.addContentTypeParser("application/octet-stream", (request: FastifyRequest, payload: IncomingMessage) => readBody(request, payload));
  app.addContentTypeParser("application/x-npz", (request: FastifyRequest, payload: IncomingMessage) => readBody(request, payload));
}

/** The media type of a Content-Type header, lower-cased and without parameters. */
export function mediaType(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const type = header.split(";", 1)[0]!.trim().toLowerCase();
  return type === "" ? undefined : type;
}
