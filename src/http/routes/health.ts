/**
 * Operations routes: liveness, readiness, metrics and the API description.
 * (/docs, the Swagger UI over the same description, is a plugin registered by buildApp.)
 */
import { z } from "zod";
import type { ReadinessCheck } from "../context.js";
import { ApiError, ErrorDetail } from "../errors.js";
import { defineRoute } from "../route.js";

/** How long one readiness check may take before it counts as failed. */
export const READINESS_TIMEOUT_MS = 5000;

export const HealthStatus = z.object({ status: z.literal("ok") }).meta({ id: "HealthStatus" });

export const ReadinessStatus = z
  .object({
    status: z.enum(["ok", "degraded"]),
    details: z.array(ErrorDetail).optional().meta({ description: "When degraded: which checks, and why" }),
  })
  .meta({ id: "ReadinessStatus" });

export const healthz = defineRoute({
  method: "GET",
  url: "/healthz",
  operationId: "getHealth",
  summary: "Liveness: the process serves requests",
  tags: ["operations"],
  access: "public",
  responses: { 200: { description: "Alive", schema: HealthStatus } },
  handler: () => ({ status: "ok" as const }),
});

async function withTimeout<T>(check: () => Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([check(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const readyz = defineRoute({
  method: "GET",
  url: "/readyz",
  operationId: "getReadiness",
  summary: "Readiness: the store and every other dependency answer",
  description:
    "`ok` when the store, the job queue and every other dependency answer. `degraded` (still 200, so that load " +
    "balancers keep sending this process requests: it serves every route) when a dependency answers but something is " +
    "missing: an API-only process (`KILN_WORKERS=0`) that sees no trainer connected to the shared queue accepts jobs, " +
    "which wait until one connects; `details` say which. 503 when a dependency does not answer.",
  tags: ["operations"],
  access: "public",
  responses: {
    200: { description: "Ready (`ok`), or serving with something missing (`degraded`, naming it in `details`)", schema: ReadinessStatus },
    503: { description: "Not ready (unavailable); details name the failing checks" },
  },
  handler: async ({ ctx, log }) => {
    const checks: [string, ReadinessCheck][] = [
      ["store", () => ctx.store.ping()],
      ...ctx.readiness.map((check, i): [string, ReadinessCheck] => [check.name || `readiness[${i}]`, check]),
    ];
    const results = await Promise.allSettled(checks.map(([, check]) => withTimeout(check, READINESS_TIMEOUT_MS)));
    const failures: ErrorDetail[] = [];
    const degraded: ErrorDetail[] = [];
    results.forEach((result, i) => {
      const path = checks[i]![0];
      if (result.status === "rejected") {
        const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
        failures.push({ path, message: reason });
      } else if (result.value) {
        degraded.push({ path, message: result.value.degraded });
      }
    });
    if (failures.length > 0) {
      log.warn({ failures }, "not ready");
      throw new ApiError("unavailable", "The service is not ready", { details: failures, headers: { "retry-after": "5" } });
    }
    return degraded.length > 0 ? { status: "degraded" as const, details: degraded } : { status: "ok" as const };
  },
});

export const metrics = defineRoute({
  method: "GET",
  url: "/metrics",
  operationId: "getMetrics",
  summary: "Prometheus metrics (text exposition format)",
  description:
    "The process's own (CPU, memory, event loop, `http_request_duration_seconds`), and training's: " +
    "`kiln_job_samples_per_second` and `kiln_job_step_seconds` (per `job_id`, for the jobs this process trains now), " +
    "`kiln_job_duration_seconds` (by final `status`) and `kiln_jobs_failed_total` (by error `code`) for the jobs this " +
    "process ended, `kiln_jobs_running` in this process, and, for the whole queue (the same from every process when it " +
    "is shared), `kiln_queue_jobs` (by `state`) and `kiln_trainers_connected`. Each HELP line says whether a series is " +
    "this process's (sum them across processes) or the queue's. A scrape reads no stored record.",
  tags: ["operations"],
  access: "public",
  responses: { 200: { description: "The metrics", contentType: "text/plain" } },
  handler: async ({ ctx }, reply) => reply.type(ctx.metrics.contentType).send(await ctx.metrics.render()),
});

export const openapi = defineRoute({
  method: "GET",
  url: "/openapi.json",
  operationId: "getOpenApi",
  summary: "This API's OpenAPI 3.1 document",
  tags: ["operations"],
  access: "public",
  responses: { 200: { description: "The OpenAPI document", schema: z.record(z.string(), z.unknown()) } },
  handler: ({ ctx }) => ctx.openapi,
});

export const healthRoutes = [healthz, readyz, metrics, openapi];
