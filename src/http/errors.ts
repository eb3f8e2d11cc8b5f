/**
 * The API's errors: one catalog (a stable code, an HTTP status, a default message), one error type
 * (`ApiError`), and one handler that turns anything thrown into
 * `{ "error": { "code", "message", "details"? } }`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { BodyTooHeavyError, ConflictError, NotFoundError, ParsersBusyError, QueueFullError, QuotaExceededError, UnauthorizedError } from "../services/errors.js";
import { formatPath, JsonSyntaxError, SpecError, toSpecPath } from "../schema/index.js";
import { StoreCursorError } from "../store/common.js";
import { StoreConflictError } from "../store/store.js";
import { SafetensorsError } from "../tensor/safetensors.js";

/** Every error code the API answers with; clients switch on `error.code`. */
export const ERRORS = {
  validation_error: { status: 400, message: "The request is invalid" },
  malformed_json: { status: 400, message: "The request body is not valid JSON" },
  bad_request: { status: 400, message: "Bad request" },
  unauthorized: { status: 401, message: "An API key is required" },
  forbidden: { status: 403, message: "This API key may not do that" },
  quota_exceeded: { status: 403, message: "The tenant has used up one of its quotas" },
  not_found: { status: 404, message: "Not found" },
  request_timeout: { status: 408, message: "The request was not received in time" },
  model_in_use: { status: 409, message: "The model is used by a queued or running job" },
  dataset_in_use: { status: 409, message: "The dataset is used by a queued or running job" },
  job_active: { status: 409, message: "The job is queued or running; cancel it first" },
  idempotency_conflict: { status: 409, message: "The idempotency key was used with a different request" },
  version_conflict: { status: 409, message: "The resource changed meanwhile" },
  job_not_active: { status: 409, message: "The job is no longer queued or running" },
  job_not_succeeded: { status: 409, message: "The job has not succeeded: it has no weights" },
  payload_too_large: { status: 413, message: "The request body is too large" },
  unsupported_media_type: { status: 415, message: "Unsupported content type" },
  unprocessable: { status: 422, message: "The request cannot be processed" },
  queue_full: { status: 429, message: "The job queue is full; retry later" },
  rate_limited: { status: 429, message: "Too many requests with this API key; retry later" },
  headers_too_large: { status: 431, message: "The request's headers are larger than the server accepts" },
  internal: { status: 500, message: "Internal server error" },
  unavailable: { status: 503, message: "The service is unavailable" },
  too_many_connections: { status: 503, message: "The server has as many connections open as it takes; retry later" },
  too_many_streams: { status: 503, message: "Too many event streams are open; retry later" },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

/** One problem in a request: where (`layers[2].out_features`, `query.limit`) and what. */
export const ErrorDetail = z.object({ path: z.string(), message: z.string() });
export type ErrorDetail = z.output<typeof ErrorDetail>;

/** The body of every error response. */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.array(ErrorDetail).optional(),
    }),
  })
  .meta({ id: "ApiError", description: "Every 4xx and 5xx response has this body." });
export type ErrorResponse = z.output<typeof ErrorResponse>;

export interface ApiErrorOptions {
  details?: ErrorDetail[];
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error the API answers with as is: its code's status and its message. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;
  readonly details?: ErrorDetail[];
  readonly headers?: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string = ERRORS[code].message,
    options: ApiErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = ERRORS[code].status;
    if (options.details !== undefined) this.details = options.details;
    if (options.headers !== undefined) this.headers = options.headers;
  }

  toJSON(): ErrorResponse {
    return {
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}

// --- Factories -----------------------------------------------------------------------------------

/** `notFound("model", "mdl_x")` → 404 "model mdl_x not found". */
export const notFound = (resource: string, id: string, details?: ErrorDetail[]): ApiError =>
  new ApiError("not_found", `${resource} ${id} not found`, details ? { details } : {});

export const forbidden = (message: string, details?: ErrorDetail[]): ApiError => new ApiError("forbidden", message, details ? { details } : {});

export const validationError = (details: ErrorDetail[], message?: string): ApiError =>
  new ApiError("validation_error", message ?? ERRORS.validation_error.message, { details });

export const unprocessable = (message: string, details?: ErrorDetail[]): ApiError =>
  new ApiError("unprocessable", message, details ? { details } : {});

export const payloadTooLarge = (message?: string): ApiError => new ApiError("payload_too_large", message);

export const unsupportedMediaType = (contentType: string | undefined, accepted: readonly string[]): ApiError =>
  new ApiError(
    "unsupported_media_type",
    `content type ${contentType ? JSON.stringify(contentType) : "(none)"} is not accepted here; use ${accepted.join(" or ")}`,
  );

export const queueFull = (message?: string, retryAfterSeconds = 5): ApiError =>
  new ApiError("queue_full", message, { headers: { "retry-after": String(retryAfterSeconds) } });

/** A 429 for a spent budget (see rate_limit.ts): which one, its size, and when its window ends. */
export const rateLimited = (budget: string, max: number, windowMs: number, ttlMs: number): ApiError => {
  const retryAfter = Math.max(1, Math.ceil(ttlMs / 1000));
  return new ApiError("rate_limited", `Rate limit exceeded: ${max} ${budget} requests per ${windowMs / 1000} s spent (per API key, or per client address in open mode); retry in ${retryAfter} s`, {
    headers: { "retry-after": String(retryAfter) },
  });
};

/** A 429 for an address that failed to authenticate too often (see auth_failures.ts). */
export const tooManyAuthFailures = (max: number, windowMs: number, waitMs: number): ApiError => {
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  return new ApiError("rate_limited", `${max} failed authentications from this address in ${windowMs / 1000} s; retry in ${retryAfter} s`, {
    headers: { "retry-after": String(retryAfter) },
  });
};

export const unavailable = (message?: string, retryAfterSeconds?: number): ApiError =>
  new ApiError("unavailable", message, retryAfterSeconds ? { headers: { "retry-after": String(retryAfterSeconds) } } : {});

/** 403 naming the quota in its details by where GET /v1/usage shows it (`quotas.bytes`). */
export const quotaExceeded = (error: QuotaExceededError): ApiError =>
  new ApiError("quota_exceeded", error.message, { details: [{ path: `quotas.${error.quota}`, message: `${error.used} used of ${error.limit}` }] });

export const tooManyStreams = (limit: number, retryAfterSeconds = 5): ApiError =>
  new ApiError("too_many_streams", `${limit} event streams are open, as many as this server serves at once; retry after ${retryAfterSeconds} s`, {
    headers: { "retry-after": String(retryAfterSeconds) },
  });

// --- Mapping anything thrown to an ApiError -------------------------------------------------------

/** `["layers", 2, "out_features"]` → `layers[2].out_features` (the schema layer's format). */
export function formatIssuePath(path: readonly PropertyKey[], prefix?: string): string {
  const formatted = formatPath(toSpecPath(path));
  if (prefix === undefined) return formatted;
  if (formatted === "") return prefix;
  return formatted.startsWith("[") ? `${prefix}${formatted}` : `${prefix}.${formatted}`;
}

/** A ZodError as a 400 validation_error, one detail per issue; `prefix` names where (`query`). */
export function fromZodError(error: z.core.$ZodError, prefix?: string): ApiError {
  return validationError(
    error.issues.flatMap((issue) =>
      // an unknown field is named by its own path (`layers[1].inplace`), not its object's
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => ({ path: formatIssuePath([...issue.path, key], prefix), message: `Unrecognized key: ${JSON.stringify(key)}` }))
        : [{ path: formatIssuePath(issue.path, prefix), message: issue.message }],
    ),
  );
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "malformed_json",
  FST_ERR_CTP_INVALID_JSON: "malformed_json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "malformed_json",
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "bad_request",
  FST_ERR_BAD_URL: "bad_request",
  FST_ERR_INVALID_URL: "bad_request",
  FST_ERR_MAX_PARAM_LENGTH: "bad_request",
  FST_ERR_NOT_FOUND: "not_found",
};

const statusOf = (error: unknown): number | undefined => {
  const e = error as { statusCode?: unknown; status?: unknown };
  const status = typeof e.statusCode === "number" ? e.statusCode : e.status;
  return typeof status === "number" ? status : undefined;
};

/**
 * What the API answers for `error`, or null for an unexpected error (answered 500 `internal`
 * without its message).
 */
export function toApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof z.core.$ZodError) return fromZodError(error);
  if (error instanceof SpecError) {
    return unprocessable(error.message, [{ path: formatPath(error.path), message: error.message }]);
  }
  if (error instanceof StoreConflictError) {
    // only a run's own writes are fenced: a superseded attempt reaching a request is a bug (500)
    return error.code === "attempt_superseded" ? null : new ApiError(error.code, error.message);
  }
  if (error instanceof StoreCursorError) return new ApiError("bad_request", error.message, { details: [{ path: "query.after", message: error.message }] });
  // a safetensors file a client sent (weights PUT) that cannot be read
  if (error instanceof SafetensorsError) return unprocessable(`not a valid safetensors file: ${error.message}`);
  if (error instanceof NotFoundError) {
    return new ApiError("not_found", error.message, error.field ? { details: [{ path: error.field, message: error.message }] } : {});
  }
  if (error instanceof UnauthorizedError) return new ApiError("unauthorized", error.message, { headers: { "www-authenticate": 'Bearer realm="kiln"' } });
  if (error instanceof QueueFullError) return queueFull(error.message);
  if (error instanceof QuotaExceededError) return quotaExceeded(error);
  if (error instanceof ConflictError) return new ApiError(error.code, error.message);
  // bodies parsed on a parse worker (datasets, weights)
  if (error instanceof JsonSyntaxError) return new ApiError("malformed_json", `${ERRORS.malformed_json.message}: ${error.message}`);
  if (error instanceof BodyTooHeavyError) return payloadTooLarge(error.message);
  if (error instanceof ParsersBusyError) return unavailable(error.message, 1);
  if (!(error instanceof Error)) return null;

  const code = (error as Partial<FastifyError>).code;
  const mapped = code === undefined ? undefined : FASTIFY_CODES[code];
  const status = statusOf(error);
  if (mapped) return new ApiError(mapped, mapped === "bad_request" ? error.message : undefined, { cause: error });
  // A body parser's SyntaxError (it carries status 400); a SyntaxError of our own code is a bug (500).
  if (error instanceof SyntaxError && status === 400) return new ApiError("malformed_json", undefined, { cause: error });
  // Other client errors from Fastify or its plugins (their messages are written for clients).
  if (status !== undefined && status >= 400 && status < 500) {
    if (status === 404) return new ApiError("not_found", error.message, { cause: error });
    if (status === 413) return new ApiError("payload_too_large", undefined, { cause: error });
    if (status === 415) return new ApiError("unsupported_media_type", undefined, { cause: error });
    return new ApiError("bad_request", error.message, { cause: error });
  }
  return null;
}

// --- The handler -----------------------------------------------------------------------------------

const isBodyTooLarge = (error: unknown): boolean => (error as Partial<FastifyError> | null)?.code === "FST_ERR_CTP_BODY_TOO_LARGE";

/** A 413 naming the limit of the route the body was sent to (routes may take less than the app). */
const bodyTooLarge = (request: FastifyRequest): ApiError =>
  payloadTooLarge(`The request body is larger than the ${request.routeOptions.bodyLimit} bytes this route takes`);

function send(reply: FastifyReply, error: ApiError): FastifyReply {
  // Also for errors raised before the onRequest hooks ran (bad URLs).
  reply.header("x-request-id", reply.request.id);
  if (error.headers) reply.headers(error.headers);
  return reply.code(error.status).type("application/json; charset=utf-8").send(error.toJSON());
}

/** Renders `error` as the API's error response (and logs it). */
export function replyWithError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const api = isBodyTooLarge(error) ? bodyTooLarge(request) : toApiError(error);
  if (api === null) {
    request.log.error({ err: error }, "unexpected error");
    return send(reply, new ApiError("internal", `Internal server error (request ${request.id})`));
  }
  if (api.status >= 500) request.log.error({ err: error }, api.message);
  else {
    const reason = error instanceof UnauthorizedError ? { reason: error.reason } : {};
    request.log.info({ code: api.code, status: api.status, message: api.message, ...reason }, "request rejected");
  }
  return send(reply, api);
}

/** The app's error and not-found handlers. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => replyWithError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?", 1)[0]!;
    return send(reply, new ApiError("not_found", `no route ${request.method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`));
  });
}

/** For Fastify's `frameworkErrors` option (bad URLs and the like, before any route is chosen). */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  replyWithError(error, request, reply);
}
