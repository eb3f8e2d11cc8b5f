/**
 * The HTTP app: plugins, then routes. It never listens (server.ts does; tests use `inject` or
 * `listen({ port: 0 })`) and owns none of its dependencies (the caller closes the store).
 */
import { randomBytes } from "node:crypto";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { Authenticator } from "../services/index.js";
import { AuthFailures } from "./auth_failures.js";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from "fastify";
import { resolveAuthMode, type ResolvedAuthMode } from "./auth_mode.js";
import { capConnections, clientErrorHandler, serverTimeouts } from "./connections.js";
import { installContentTypeParsers } from "./content_types.js";
import { installCors } from "./cors.js";
import type { AppContext, ReadinessCheck, Services } from "./context.js";
import { dashboard } from "./dashboard.js";
import { frameworkErrorHandler, installErrorHandlers, unavailable } from "./errors.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { buildOpenApiDocument } from "./openapi.js";
import { installRateLimits } from "./rate_limit.js";
import { registerRoutes, type RouteDef } from "./route.js";
import { DOCS_CSP, installSecurityHeaders } from "./security_headers.js";
import { healthRoutes } from "./routes/health.js";
import { allRoutes, apiInfo, apiServers } from "./routes/index.js";
import { closeStreams, openStreamCount } from "./sse.js";

export type { AppContext, ReadinessCheck, Services } from "./context.js";

export interface AppDeps extends Services {
  /** The API's routes; defaults to `allRoutes`. The health routes are always there. */
  routes?: readonly RouteDef[];
  /** Checks /readyz runs besides `store.ping()`. */
  readiness?: ReadinessCheck[];
  /** Logger options merged over `{ level: config.logLevel }` (e.g. `{ stream }` in tests). */
  logger?: Exclude<FastifyServerOptions["logger"], boolean | undefined>;
  /** A pino logger to use as it is (server.ts shares one with the job manager); overrides `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** Metrics to expose (to register gauges before the app exists); a fresh registry otherwise. */
  metrics?: Metrics;
  /** Whether requests need keys (server.ts decides it first, to log it); resolved from config and store otherwise. */
  authMode?: ResolvedAuthMode;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

// Random bytes for request ids, drawn 4 KiB at a time: one randomBytes call per request costs
// more than the rest of the id.
const ID_BYTES = 8;
let idPool = Buffer.alloc(0);
let idPoolAt = 0;

function randomHex(): string {
  if (idPoolAt + ID_BYTES > idPool.length) {
    idPool = randomBytes(4096);
    idPoolAt = 0;
  }
  idPoolAt += ID_BYTES;
  return idPool.toString("hex", idPoolAt - ID_BYTES, idPoolAt);
}

/** `req_` + 16 hex digits, or the caller's own `x-request-id` when it looks like an id. */
export function requestId(incoming: string | string[] | undefined): string {
  const id = Array.isArray(incoming) ? incoming[0] : incoming;
  return id !== undefined && REQUEST_ID.test(id) ? id : `req_${randomHex()}`;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { routes: extraRoutes = allRoutes, readiness = [], logger, loggerInstance, metrics = createMetrics(), authMode, ...services } = deps;
  const { config, store } = services;
  const routes = [...new Set([...healthRoutes, ...extraRoutes])];
  const openapi = buildOpenApiDocument(routes, apiInfo, apiServers);
  const { mode } = authMode ?? (await resolveAuthMode(config, store));
  const auth = new Authenticator(store, { mode, adminKey: config.adminKey, onError: (err) => app.log.error({ err }, "could not record API key uses") });
  const { authFailures: maxAuthFailures, windowMs } = config.rateLimits;
  const authFailures = new AuthFailures({ max: maxAuthFailures, windowMs });
  const ctx: AppContext = { ...services, auth, authFailures, metrics, openapi, readiness };

  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: { level: config.logLevel, ...logger } }),
    bodyLimit: config.limits.maxBodyBytes,
    requestIdHeader: false,
    genReqId: (req) => requestId(req.headers["x-request-id"]),
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    ...serverTimeouts(config.timeouts),
    return503OnClosing: false,
    // one access-log line per request (in onResponse below) instead of Fastify's two
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.decorate("kiln", ctx);
  app.decorateRequest("principal", null);

  installErrorHandlers(app);
  installContentTypeParsers(app);
  capConnections(app, config.limits);
  installSecurityHeaders(app);
  await installCors(app, config.corsOrigins);

  let closing = false;
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    if (closing) {
      reply.header("connection", "close");
      throw unavailable("The service is shutting down", 1);
    }
  });
  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 },
      "request completed",
    );
    metrics.httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? "unmatched", status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  metrics.registerGauge("kiln_event_streams_open", "Event streams open in this process (KILN_MAX_EVENT_STREAMS at most)", () => openStreamCount(app));
  // Stop taking requests and end event streams, so close() only waits for ordinary requests.
  app.addHook("preClose", async () => {
    closing = true;
    await closeStreams(app);
  });

  // the last key uses, written before the caller closes the store
  app.addHook("onClose", () => auth.flushUses());

  await app.register(swagger, { mode: "static", specification: { document: openapi as never } });

  // the page's own CSP in place of the API's; no validator badge, which would send the spec's URL to swagger.io
  await app.register(swaggerUi, { routePrefix: "/docs", staticCSP: DOCS_CSP, uiConfig: { validatorUrl: null } });

  await app.register(dashboard);

  registerRoutes(app, routes, ctx, await installRateLimits(app, config));
  return app;
}
