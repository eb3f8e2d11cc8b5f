/**
 * Rate limits per API key (@fastify/rate-limit): each authenticated route spends one of four
 * budgets (reads, writes, training, predictions), counted per caller over a fixed window. The
 * limit runs in the route's onRequest hooks right after authentication, so it knows the key and
 * a limited request is refused before its body is read. With a shared Redis the counts are the
 * deployment's, not one process's.
 */
import rateLimit, { normalizeIP } from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Redis } from "ioredis";
import { BUDGET_VARS, budgetOf, type Budget } from "./budgets.js";
import type { RouteDef } from "./route.js";
import type { Config } from "./config.js";
import { rateLimited } from "./errors.js";

/** An onRequest hook that counts a request against its caller's budget (429 once spent). */
export type RateLimitHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** The hook of a route, or undefined when it is public or its budget is off (0). */
export type RateLimiters = (route: RouteDef) => RateLimitHook | undefined;

/**
 * Who a request counts against: its key, the operator key, or in open mode (no keys) the client's
 * address (an IPv6 one by its /64, as the plugin does). The access hook has set `principal` by the
 * time this runs.
 */
function callerOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal?.operator) return "operator";
  return principal?.keyId ?? `ip:${normalizeIP(request.ip)}`;
}

/**
 * The Redis client of the shared counts. Without an offline queue, a count that cannot reach Redis
 * fails at once and the request goes through (`skipOnError`): an outage of Redis lifts the limits
 * rather than failing every request, and /readyz reports it (the queue shares the server).
 */
function sharedCounts(url: string): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  return redis;
}

/**
 * Registers the plugin on `app` (before the routes) and returns each route's hook. The Redis
 * client, when there is one, closes with the app.
 */
export async function installRateLimits(app: FastifyInstance, config: Config): Promise<RateLimiters> {
  const limits = config.rateLimits;
  const budgets = (Object.keys(BUDGET_VARS) as Budget[]).filter((budget) => limits[budget] > 0);
  const redis = config.redisUrl === undefined || budgets.length === 0 ? undefined : sharedCounts(config.redisUrl);
  if (redis) {
    app.addHook("onClose", async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  }
  await app.register(rateLimit, {
    global: false, // only the routes given a budget's hook
    enableDraftSpec: true, // RateLimit-Limit/-Remaining/-Reset
    // deployments sharing one Redis keep apart by the queue's name, as their queues do
    ...(redis ? { redis, nameSpace: `kiln:${config.queueName}:rate-limit:`, skipOnError: true } : {}),
  });
  const hooks = new Map<Budget, RateLimitHook>();
  for (const budget of budgets) {
    const max = limits[budget];
    // one limiter per budget: its own counts, keyed by budget and caller
    const count = app.rateLimit({
      max,
      timeWindow: limits.windowMs,
      cache: 10_000, // callers remembered by one process (without Redis), the least recent forgotten
      keyGenerator: (request) => `${budget}:${callerOf(request)}`,
      errorResponseBuilder: (_request, context) => rateLimited(budget, max, limits.windowMs, context.ttl),
    });
    hooks.set(budget, async (request, reply) => {
      await count.call(app, request, reply);
    });
  }
  return (route) => {
    const budget = budgetOf(route);
    return budget === null ? undefined : hooks.get(budget);
  };
}
