/**
 * What route handlers can use (`req.ctx`), built once by buildApp from its dependencies.
 */
import type { AuthFailures } from "./auth_failures.js";
import type { Authenticator, IngestPool, JobManager, ModelService, TenantQuotas } from "../services/index.js";
import type { Store } from "../store/store.js";
import type { Config } from "./config.js";
import type { Metrics } from "./metrics.js";
import type { OpenApiDocument } from "./openapi.js";

/**
 * The services handed to buildApp and passed through, as they are, to every handler in `req.ctx`.
 * Add a service (e.g. the job manager) here: server.ts then has to provide it, and handlers see it.
 */
export interface Services {
  store: Store;
  config: Config;
  models: ModelService;
  jobs: JobManager;
  /** Parses request bodies (datasets, weights) on worker threads. */
  ingest: IngestPool;
  /** Each tenant's quota limits (its own, or the service's defaults) and use. */
  quotas: TenantQuotas;
}

/** `req.ctx` of every handler (also `app.kiln`). */
export interface AppContext extends Services {
  /** Who calls each request (keys mode), or the default tenant for all (open mode). */
  auth: Authenticator;
  /** Failed authentications per client address (OWASP API2). */
  authFailures: AuthFailures;
  metrics: Metrics;
  /** The OpenAPI document of the app's routes (served at /openapi.json and /docs). */
  openapi: OpenApiDocument;
  /** Checks /readyz runs besides `store.ping()`; each throws when not ready. */
  readiness: ReadinessCheck[];
}

/**
 * A readiness check: resolves when ready, throws (with a reason) when not, and resolves with a
 * `degraded` reason when the process serves requests but something it relies on is missing (an
 * API-only process that sees no trainer: jobs are accepted and wait).
 */
export type ReadinessCheck = () => Promise<void | { degraded: string }>;

declare module "fastify" {
  interface FastifyInstance {
    /** The app's services, metrics and OpenAPI document. */
    kiln: AppContext;
  }
}
