import type { FastifyBaseLogger } from "fastify";
import { JobEventFeed, jobEventData, JobEventView, jobVersion, jobView, JobView, owned } from "../../../services/index.js";
import { TrainingSpec } from "../../../schema/index.js";
import type { JobRecord } from "../../../store/index.js";
import type { AppContext } from "../../context.js";
import { validationError } from "../../errors.js";
import { defineRoute, type RouteDef } from "../../route.js";
import { lastEventId, startSse, type SseStream } from "../../sse.js";
import { sendWeights, WEIGHTS_RESPONSES } from "../models/weights.js";
import { IdParams, pageOf, pageView, quotaForbidden } from "../common.js";
import { EventsQuery, jobExamples, JobHeaders, JobListQuery } from "./schemas.js";

const tags = ["jobs"];

const createJob = defineRoute({
  method: "POST",
  url: "/v1/jobs",
  operationId: "createJob",
  summary: "Train a model on a dataset",
  description:
    "Without `seed`, a job continues the model's random-number stream, so a model created with seed S trains " +
    "exactly as `torch.manual_seed(S); model = NeuralNetwork(...); DataLoader(...)` does; with `seed`, the job " +
    "calls `manual_seed(seed)` first.",
  tags,
  budget: "train",
  headers: JobHeaders,
  body: TrainingSpec,
  examples: jobExamples,
  responses: {
    202: { description: "The job, queued (or, for a retried Idempotency-Key, as it is now)", schema: JobView },
    403: quotaForbidden("queued_jobs"),
    404: { description: "The model or a dataset does not exist" },
    409: { description: "The Idempotency-Key was used for a different job" },
    422: { description: "Valid JSON that does not fit (the details name the field)" },
    429: { description: "The queue is full; retry after Retry-After seconds" },
  },
  handler: async ({ body, headers, ctx, principal }, reply) => {
    const { job, created } = await ctx.jobs.submit(body, principal.tenantId, headers["idempotency-key"]);
    reply.header("location", `/v1/jobs/${job.id}`);
    if (!created) reply.header("idempotent-replayed", "true");
    return jobView(job);
  },
});

const listJobs = defineRoute({
  method: "GET",
  url: "/v1/jobs",
  operationId: "listJobs",
  summary: "List jobs, oldest first",
  tags,
  query: JobListQuery,
  responses: { 200: { description: "A page of jobs", schema: pageOf(JobView) } },
  handler: async ({ query, ctx, principal }) => {
    const { status, ...page } = query;
    const result = await ctx.store.listJobs({ ...page, tenantId: principal.tenantId, ...(status ? { status: [status] } : {}) });
    return pageView(result, jobView);
  },
});

/** The tenant's job (404 for another tenant's, as for a missing one). */
async function loadJob(ctx: AppContext, id: string, tenantId: string): Promise<JobRecord> {
  return owned(await ctx.store.getJob(id), tenantId, "job", id);
}

const getJob = defineRoute({
  method: "GET",
  url: "/v1/jobs/:id",
  operationId: "getJob",
  summary: "Get a job: status, progress, metrics",
  tags,
  params: IdParams,
  responses: { 200: { description: "The job", schema: JobView }, 404: { description: "No such resource" } },
  handler: async ({ params, ctx, principal }) => jobView(await loadJob(ctx, params.id, principal.tenantId)),
});

const cancelJob = defineRoute({
  method: "POST",
  url: "/v1/jobs/:id/cancel",
  operationId: "cancelJob",
  summary: "Cancel a job: a queued job at once, a running one within one step",
  tags,
  params: IdParams,
  responses: { 202: { description: "The job, cancelled or with cancel_requested set", schema: JobView }, 404: { description: "No such resource" }, 409: { description: "The job has already ended" } },
  handler: async ({ params, ctx, principal }) => jobView(await ctx.jobs.cancel(params.id, principal.tenantId)),
});

const deleteJob = defineRoute({
  method: "DELETE",
  url: "/v1/jobs/:id",
  operationId: "deleteJob",
  summary: "Delete an ended job with its events and checkpoint (cancel a queued or running one first)",
  description:
    "The model version the job made stays with its model (its `job_id` still names the job); " +
    "GET /v1/jobs/{id}/weights then answers 404. The job's Idempotency-Key is freed: a POST retried with it creates a new job.",
  tags,
  params: IdParams,
  responses: { 204: { description: "Deleted" }, 404: { description: "No such resource" }, 409: { description: "The job is queued or running (job_active): cancel it first" } },
  handler: async ({ params, ctx, principal }, reply) => {
    await loadJob(ctx, params.id, principal.tenantId);
    await ctx.store.deleteJob(params.id);
    return reply.code(204).send();
  },
});

const getJobWeights = defineRoute({
  method: "GET",
  url: "/v1/jobs/:id/weights",
  operationId: "getJobWeights",
  summary: "Download the weights a succeeded job made: JSON, safetensors or ONNX, as GET /v1/models/{id}/weights",
  description:
    "The model's version the job made (GET /v1/models/{id}/versions), whichever version the model holds now; " +
    "they go with the model when it is deleted.",
  tags,
  params: IdParams,
  responses: {
    ...WEIGHTS_RESPONSES,
    404: { description: "No such job, or its weights are no longer kept (its model was deleted)" },
    409: { description: "The job has not succeeded (job_not_succeeded): it is queued or running, or it failed or was cancelled" },
  },
  handler: async ({ params, ctx, principal, raw }, reply) => {
    const version = await jobVersion(ctx.store, params.id, principal.tenantId);
    // the model's spec, the job's weights
    const source = { ...(await ctx.models.weightsSource(version.modelId, principal.tenantId)), name: params.id, weights: async () => version.weights };
    return sendWeights(reply, raw.headers.accept, source, ctx);
  },
});

const jobEvents = defineRoute({
  method: "GET",
  url: "/v1/jobs/:id/events",
  operationId: "streamJobEvents",
  summary: "Stream a job's events (text/event-stream), replayed from the first, then live",
  description:
    "`progress` for every optimizer step (`step`, `epoch`, `batch`, `loss`), `epoch` with each epoch's metrics " +
    "(an item of the job's `metrics.epochs`: `lr`, `train_loss`, ...), `status` on every change, and a last `done` " +
    "with the final job, after which the stream ends. Each event's data is a JSON object whose `type` is the event's " +
    "name (ProgressEvent, EpochEvent, StatusEvent, DoneEvent). Event ids count from 1; send `Last-Event-ID` (or " +
    "`?last_event_id=`) to resume after one. Ids skip the `progress` events that retention deleted. The replay goes " +
    "at the client's pace; a client that takes nothing for 30 s, or lets 1 MiB wait for it, is disconnected (it " +
    "resumes with `Last-Event-ID`).",
  tags,
  params: IdParams,
  query: EventsQuery,
  responses: {
    200: {
      description: "The event stream: each event's `data:` line holds one JobEvent, whose `type` is the event's name",
      contentType: "text/event-stream",
      schema: JobEventView,
    },
    404: { description: "No such resource" },
    403: quotaForbidden("event_streams"),
    503: { description: "Too many event streams are open in this process (too_many_streams); retry after Retry-After seconds" },
  },
  handler: async ({ params, ctx, principal, raw }, reply) => {
    // the feed reads the job's events by id alone: it starts only once the job is known to be the tenant's
    await loadJob(ctx, params.id, principal.tenantId);
    const given = lastEventId(raw);
    const after = given === null ? 0 : Number(given);
    if (!Number.isInteger(after) || after < 0) {
      throw validationError([{ path: "Last-Event-ID", message: `expected an event id (an integer ≥ 0), got ${JSON.stringify(given)}` }]);
    }
    const { event_streams } = await ctx.quotas.limits(principal.tenantId);
    const stream = startSse(raw, reply, {
      maxStreams: ctx.config.limits.maxEventStreams,
      tenant: { id: principal.tenantId, maxStreams: event_streams },
    });
    void sendEvents(new JobEventFeed(ctx, params.id, after, stream.signal), stream, raw.log);
    return reply;
  },
});

/**
 * Writes the feed's pages, each once the client has taken the one before, then ends the stream
 * (after the job's `done`, or at once if the client left or a store read failed: the client
 * reconnects with Last-Event-ID).
 */
async function sendEvents(feed: JobEventFeed, stream: SseStream, log: FastifyBaseLogger): Promise<void> {
  try {
    while (await sendPage(feed, stream)) await stream.drained();
  } catch (error) {
    log.error({ err: error }, "event stream failed");
  } finally {
    feed.close();
    stream.close();
  }
}

/**
 * Writes the next page as one chunk; false when the feed or the stream is over. A function of its
 * own so that the page is not kept alive while the client drains it (an async function's frame
 * keeps every local across an await).
 */
async function sendPage(feed: JobEventFeed, stream: SseStream): Promise<boolean> {
  const page = await feed.next();
  return page !== null && stream.writeEvents(page.map((e) => ({ id: e.seq, event: e.type, data: jobEventData(e) })));
}

export const jobRoutes: RouteDef[] = [createJob, listJobs, getJob, deleteJob, cancelJob, getJobWeights, jobEvents];
