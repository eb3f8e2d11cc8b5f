/**
 * Operations routes: liveness, readiness, metrics and the API description.
 * (/docs, the Swagger UI over the same description, is a plugin registered by buildApp.)
 */
import { z } from "zod";
import { ApiError, type ErrorDetail } from "../errors.js";
import { defineRoute } from "../route.js";

/** How long one readiness check may take before it counts as failed. */
export const READINESS_TIMEOUT_MS = 5000;

export const HealthStatus = z.object({ status: z.literal("ok") }).meta({ id: "HealthStatus" });

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

async function withTimeout(check: () => Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([check(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const readyz = defineRoute({
  method: "GET",
  url: "/readyz",
  operationId: "getReadiness",
  summary: "Readiness: the store and every other dependency answer",
  tags: ["operations"],
  access: "public",
  responses: {
    200: { description: "Ready", schema: HealthStatus },
    503: { description: "Not ready (unavailable); details name the failing checks" },
  },
  handler: async ({ ctx, log }) => {
    const checks: [string, () => Promise<void>][] = [
      ["store", () => ctx.store.ping()],
      ...ctx.readiness.map((check, i): [string, () => Promise<void>] => [check.name || `readiness[${i}]`, check]),
    ];
    const results = await Promise.allSettled(checks.map(([, check]) => withTimeout(check, READINESS_TIMEOUT_MS)));
    const failures: ErrorDetail[] = [];
    results.forEach((result, i) => {
      if (result.status === "rejected") {
        const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
        failures.push({ path: checks[i]![0], message: reason });
      }
    });
    if (failures.length > 0) {
      log.warn({ failures }, "not ready");
      throw new ApiError("unavailable", "The service is not ready", { details: failures, headers: { "retry-after": "5" } });
    }
    return { status: "ok" as const };
  },
});

export const metrics = defineRoute({
  method: "GET",
  url: "/metrics",
  operationId: "getMetrics",
  summary: "Prometheus metrics (text exposition format)",
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
