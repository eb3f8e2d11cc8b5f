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
