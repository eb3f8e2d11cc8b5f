/** A model, dataset or job that does not exist (HTTP 404). */
export class NotFoundError extends Error {
  override name = "NotFoundError";
  constructor(
    readonly resource: "model" | "dataset" | "job",
    readonly id: string,
    readonly field?: string,
  ) {
    super(`${resource} ${id} not found`);
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
    readonly code: "job_not_active" | "idempotency_conflict",
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
