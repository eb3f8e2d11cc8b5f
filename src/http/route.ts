/**
 * Typed routes: a route is a value (`defineRoute({...})`) holding its Zod schemas and its handler.
 * `registerRoutes` parses every request with those schemas before the handler runs, and
 * `buildOpenApiDocument` (openapi.ts) derives the API's description from the same schemas.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { accessHook, type Access, type PrincipalOf } from "./access.js";
import { mediaType, type ContentType, type JsonReader } from "./content_types.js";
import type { AppContext } from "./context.js";
import type { Limits } from "./config.js";
import type { RateLimiters } from "./rate_limit.js";
import { fromZodError, unsupportedMediaType } from "./errors.js";

export type { ContentType } from "./content_types.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface ResponseDef {
  description: string;
  /** The body's schema (output side); error statuses without one get the shared ApiError schema. */
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
  /** Other media types the same status answers with, as the request's Accept asks: files (binary bodies). */
  fileTypes?: readonly string[];
  /** Response headers worth documenting (e.g. Location, Retry-After). */
  headers?: Record<string, { description: string; schema?: z.ZodType }>;
}

type Out<S, Fallback> = S extends z.ZodType ? z.output<S> : Fallback;

/** A request body worth showing (OpenAPI's `examples`): a real request, which `body` accepts (a test checks each). */
export interface BodyExample<B> {
  summary: string;
  value: B extends z.ZodType ? z.input<B> : never;
}

/** What a request body is, given the route's schema, accepted content types and `rawBody`. */
export type BodyOf<B, CT extends readonly ContentType[], Raw extends boolean = false> = Raw extends true
  ? Buffer
  :
      | ("application/json" extends CT[number] ? Out<B, undefined> : never)
      | ("text/csv" extends CT[number] ? string : never)
      | ("application/octet-stream" extends CT[number] ? Buffer : never);

/** The request as a handler sees it: every part already parsed by the route's schemas. */
export interface RouteRequest<P, Q, H, B, CT extends readonly ContentType[], Raw extends boolean = false, A extends Access = "tenant"> {
  params: Out<P, Record<string, never>>;
  query: Out<Q, Record<string, never>>;
  headers: Out<H, Record<string, never>>;
  /**
   * A JSON body parsed by the route's `body` schema; a text/csv body as a string and an
   * application/octet-stream body as a Buffer, for the route to parse itself (see `contentType`);
   * with `rawBody`, any body as its bytes.
   */
  body: BodyOf<B, CT, Raw>;
  /** The body's media type (without parameters), when it has one. */
  contentType: ContentType | undefined;
  /** The app's services. */
  ctx: AppContext;
  /** Who calls: for a `tenant` route, the tenant whose resources the request reads and writes. */
  principal: PrincipalOf<A>;
  log: FastifyBaseLogger;
  /** Fastify's request (id, raw headers, socket, ...). */
  raw: FastifyRequest;
}

export interface RouteSpec<
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  H extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  CT extends readonly ContentType[] = readonly ["application/json"],
  Raw extends boolean = false,
  A extends Access = "tenant",
> {
  method: HttpMethod;
  /** Fastify syntax: `/v1/models/:id`. */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Who may call it (see access.ts); `tenant` when left out. */
  access?: A;
  /**
   * The rate-limit budget it spends, for the routes with one of their own (see rate_limit.ts);
   * otherwise GETs spend the read budget and other methods the write budget.
   */
  budget?: "train" | "predict";
  params?: P;
  query?: Q;
  /** Header names in lower case; other headers are not passed to the handler. */
  headers?: H;
  /** The schema of a JSON body (input side). */
  body?: B;
  /** Examples of a JSON body, by name: every route with a `body` has at least one. */
  examples?: Record<string, BodyExample<B>>;
  /** The body's accepted media types (415 for others); defaults to JSON. */
  bodyContentTypes?: CT;
  /**
   * A faster reader for the JSON bodies this route usually gets, straight from their bytes: it
   * returns the body, or undefined for any body it does not take (which the standard JSON parser
   * then reads). Either way `body` validates the result.
   */
  readJson?: JsonReader;
  /**
   * The body as its bytes (a Buffer), whatever its media type, for a route that parses it itself:
   * off the event loop when it may be large (see `AppContext.ingest`). `body` still describes a
   * JSON body in the OpenAPI document, and answers a request that has no body at all.
   */
  rawBody?: Raw;
  /**
   * A tighter body limit than the app's (413 above), from the configured limits: for a route that
   * reads its body on the API thread.
   */
  bodyLimit?: (limits: Limits) => number;
  /**
   * By status. The lowest 2xx status is the default status of the handler's reply (so a route
   * answering 201 needs no `reply.code(201)`).
   */
  responses: Record<number, ResponseDef>;
  /**
   * Returns the response body (sent as JSON), or sends it itself with `reply` and returns `reply`
   * (streams, non-JSON bodies, 204).
   */
  handler: (req: RouteRequest<P, Q, H, B, CT, Raw, A>, reply: FastifyReply) => unknown;
}

/** Any route, for lists of routes. */
export type RouteDef = RouteSpec<any, any, any, any, any, any, any>;

/** A route; the handler's `params`, `query`, `headers` and `body` are typed from the schemas. */
export function defineRoute<
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  H extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  const CT extends readonly ContentType[] = readonly ["application/json"],
  const Raw extends boolean = false,
  const A extends Access = "tenant",
>(route: RouteSpec<P, Q, H, B, CT, Raw, A>): RouteSpec<P, Q, H, B, CT, Raw, A> {
  return route;
}

/** Who may call the route. */
export const accessOf = (route: RouteDef): Access => route.access ?? "tenant";

/** Whether the route reads a request body. */
export const hasBody = (route: RouteDef): boolean => route.body !== undefined || route.bodyContentTypes !== undefined;

/** The route's accepted body media types. */
export const bodyContentTypes = (route: RouteDef): readonly ContentType[] => route.bodyContentTypes ?? ["application/json"];

/** The status a handler's reply gets unless it sets another: the lowest declared 2xx. */
export function successStatus(route: RouteDef): number {
  const statuses = Object.keys(route.responses).map(Number).filter((s) => s >= 200 && s < 300);
  return statuses.length === 0 ? 200 : Math.min(...statuses);
}

async function parsePart(schema: z.ZodType, value: unknown, prefix: string | undefined): Promise<unknown> {
  const result = await schema.safeParseAsync(value);
  if (!result.success) throw fromZodError(result.error, prefix);
  return result.data;
}

/**
 * Registers the routes on `app`: each request's params, query, headers and body are parsed with
 * the route's schemas first (a failure answers 400 validation_error, with `query.limit`-style
 * detail paths; body paths have no prefix), then the handler runs with `req.ctx = ctx`. The caller
 * is authenticated and checked against the route's access, then counted against its rate limit
 * (`limiters`, when given), before its body is read.
 */
export function registerRoutes(app: FastifyInstance, routes: readonly RouteDef[], ctx: AppContext = app.kiln, limiters?: RateLimiters): void {
  if (ctx === undefined) throw new Error("registerRoutes: no AppContext (build the app with buildApp, or pass one)");
  for (const route of routes) {
    const status = successStatus(route);
    const accepted = bodyContentTypes(route);
    const readsBody = hasBody(route);
    const access = accessHook(accessOf(route), ctx);
    const limit = limiters?.(route);
    const onRequest = [...(access ? [access] : []), ...(limit ? [limit] : [])];
    app.route({
      method: route.method,
      url: route.url,
      ...(onRequest.length > 0 ? { onRequest } : {}),
      config: { ...(route.readJson ? { readJson: route.readJson } : {}), ...(route.rawBody ? { rawBody: true } : {}) },
      ...(route.bodyLimit ? { bodyLimit: Math.min(route.bodyLimit(ctx.config.limits), ctx.config.limits.maxBodyBytes) } : {}),
      handler: async (request, reply) => {
        const params = route.params ? await parsePart(route.params, request.params, "params") : {};
        const query = route.query ? await parsePart(route.query, request.query, "query") : {};
        const headers = route.headers ? await parsePart(route.headers, request.headers, "headers") : {};
        const contentType = mediaType(request.headers["content-type"]);
        let body: unknown = undefined;
        if (readsBody) {
          if (contentType !== undefined && !(accepted as readonly string[]).includes(contentType)) {
            throw unsupportedMediaType(contentType, accepted);
          }
          if (contentType === undefined && request.body !== undefined) throw unsupportedMediaType(undefined, accepted);
          if (route.rawBody) {
            // no body at all: the schema answers, as it does for a parsed body
            if (request.body === undefined && route.body) await parsePart(route.body, undefined, undefined);
            body = request.body ?? Buffer.alloc(0);
          } else {
            const isJson = contentType === "application/json" || (contentType === undefined && accepted.includes("application/json"));
            body = isJson && route.body ? await parsePart(route.body, request.body, undefined) : request.body;
          }
        }
        if (status !== 200) reply.code(status);
        return route.handler(
          { params, query, headers, body, contentType: contentType as ContentType | undefined, ctx, principal: request.principal, log: request.log, raw: request },
          reply,
        );
      },
    });
  }
}
