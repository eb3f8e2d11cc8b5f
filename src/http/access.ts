/**
 * Who may call a route: each route declares an `access`, and a hook on the route (before its body
 * is read) authenticates the request and checks the caller's role against it.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { UnauthorizedError, type OperatorPrincipal, type Principal, type TenantPrincipal } from "../services/index.js";
import type { AppContext } from "./context.js";
import { forbidden, tooManyAuthFailures } from "./errors.js";

/**
 * `public`: anyone (health, metrics, the API description). `tenant`: a tenant's key (a read key
 * only GETs). `keys`: a tenant's admin key (its tenant's keys) or the operator key (any tenant's).
 * `operator`: the operator key only.
 */
export type Access = "public" | "tenant" | "keys" | "operator";

/** The caller a handler of a route of this access sees. */
export type PrincipalOf<A extends Access> = A extends "tenant"
  ? TenantPrincipal
  : A extends "operator"
    ? OperatorPrincipal
    : A extends "keys"
      ? Principal
      : null;

const READ_METHODS = new Set(["GET", "HEAD"]);

/** Throws a 403 `forbidden` unless the caller may use a route of this access with this method. */
export function checkAccess(access: Exclude<Access, "public">, principal: Principal, method: string): void {
  if (access === "operator") {
    if (!principal.operator) throw forbidden("Only the operator key (KILN_ADMIN_KEY) manages tenants");
    return;
  }
  if (access === "keys") {
    if (!principal.operator && principal.role !== "admin") throw forbidden("Only an admin key or the operator key manages API keys");
    return;
  }
  if (principal.operator) throw forbidden("The operator key manages tenants and keys only; use a tenant's key for this");
  if (principal.role === "read" && !READ_METHODS.has(method)) throw forbidden("A read key may only GET");
}

/**
 * The onRequest hook of a route of this access: authenticates, authorizes, and names the caller in
 * the request's log lines. Its answers, refusals too, are no cache's to keep: they hold a tenant's
 * data, or a new key.
 */
export function accessHook(access: Access, ctx: AppContext): ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) | undefined {
  if (access === "public") return undefined;
  return async (request, reply) => {
    reply.header("cache-control", "no-store");
    const { authFailures } = ctx;
    const blockedMs = authFailures.blockedFor(request.ip);
    if (blockedMs > 0) {
      const { authFailures: max, windowMs } = ctx.config.rateLimits;
      throw tooManyAuthFailures(max, windowMs, blockedMs);
    }
    let principal: Principal;
    try {
      principal = await ctx.auth.authenticate(request.headers.authorization);
    } catch (error) {
      if (error instanceof UnauthorizedError) authFailures.failed(request.ip);
      throw error;
    }
    request.log = request.log.child(principal.operator ? { operator: true } : { tenantId: principal.tenantId, keyId: principal.keyId });
    checkAccess(access, principal, request.method);
    request.principal = principal;
  };
}

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated caller (null on public routes). */
    principal: Principal | null;
  }
}
