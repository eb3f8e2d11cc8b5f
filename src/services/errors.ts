/** A resource that does not exist, or is another tenant's (HTTP 404). */
export class NotFoundError extends Error {
  override name = "NotFoundError";
  constructor(
    readonly resource: "model" | "dataset" | "job" | "tenant" | "key" | "version" | "weights",
    readonly id: string,
    readonly field?: string,
    message = `${resource} ${id} not found`,
  ) {
    super(message);
  }
}

/**
 * A request without a valid key (HTTP 401). `reason` is for the log only: the client gets one
 * message for unknown keys and wrong secrets alike, so that it learns nothing about which exist.
 */
export class UnauthorizedError extends Error {
  override name = "UnauthorizedError";
  constructor(
    message: string,
    readonly reason: "missing" | "malformed" | "invalid" | "revoked" | "expired",
  ) {
    super(message);
  }
}

/** The queue holds as many jobs as it may (HTTP 429). */
export class QueueFullError extends Error {
  override name = "QueueFullError";
  constructor(readonly limit: number) {
    super(`the job queue is full (${limit} queued jobs); retry later`);
  }
}

/** A request that conflicts with a resource's state (HTTP 409). */
export class ConflictError extends Error {
  override name = "ConflictError";
  constructor(
    message: string,
    readonly code: "job_not_active" | "idempotency_conflict" | "job_not_succeeded",
  ) {
    super(message);
  }
}

/** A request body whose parsing needs more memory than a parse worker may use (HTTP 413). */
export class BodyTooHeavyError extends Error {
  override name = "BodyTooHeavyError";
  constructor(readonly heapMb: number) {
    super(`parsing the request body needs more than the ${heapMb} MB a parse worker may use`);
  }
}

/** As many request bodies wait for the parse workers as may (HTTP 503; retry later). */
export class ParsersBusyError extends Error {
  override name = "ParsersBusyError";
  constructor(readonly waiting: number) {
    super(`${waiting} request bodies are waiting to be parsed; retry later`);
  }
}

/** What a tenant's quotas limit (GET /v1/usage shows each one's use and limit). */
export const QUOTA_NAMES = ["models", "datasets", "bytes", "queued_jobs", "running_jobs", "event_streams"] as const;
export type QuotaName = (typeof QUOTA_NAMES)[number];

/** A request that would take the tenant past one of its quotas (HTTP 403); nothing of it is stored. */
export class QuotaExceededError extends Error {
  override name = "QuotaExceededError";
  constructor(
    readonly quota: QuotaName,
    readonly limit: number,
    readonly used: number,
    advice: string,
  ) {
    super(`the tenant's ${quota} quota is ${limit} and it uses ${used}; ${advice}`);
  }
}
