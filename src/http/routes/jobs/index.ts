import { jobView } from "../../../jobs/index.js";
import { NotFoundError } from "../../../jobs/errors.js";
import { TrainingSpec } from "../../../spec/index.js";
import { TERMINAL_STATUSES, type JobEvent, type JobRecord } from "../../../store/index.js";
import type { AppContext } from "../../context.js";
import { validationError } from "../../errors.js";
import { defineRoute, type RouteDef } from "../../route.js";
import { lastEventId, startSse } from "../../sse.js";
import { IdParams, pageOf } from "../common.js";
import { EventsQuery, JobHeaders, JobListQuery, JobView } from "./schemas.js";

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
  headers: JobHeaders,
  body: TrainingSpec,
  responses: {
    202: { description: "The job, queued (or, for a retried Idempotency-Key, as it is now)", schema: JobView },
    404: { description: "The model or a dataset does not exist" },
    409: { description: "The Idempotency-Key was used for a different job" },
    422: { description: "Valid JSON that does not fit (the details name the field)" },
    429: { description: "The queue is full; retry after Retry-After seconds" },
  },
  handler: async ({ body, headers, ctx }, reply) => {
    const { job, created } = await ctx.jobs.submit(body, headers["idempotency-key"]);
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
  handler: async ({ query, ctx }) => {
    const { status, ...page } = query;
    const result = await ctx.store.listJobs({ ...page, ...(status ? { status: [status] } : {}) });
    return { items: result.items.map(jobView), next_cursor: result.nextCursor };
  },
});

async function loadJob(ctx: AppContext, id: string): Promise<JobRecord> {
  const job = await ctx.store.getJob(id);
  if (!job) throw new NotFoundError("job", id);
  return job;
}

const getJob = defineRoute({
  method: "GET",
  url: "/v1/jobs/:id",
  operationId: "getJob",
  summary: "Get a job: status, progress, metrics",
  tags,
  params: IdParams,
  responses: { 200: { description: "The job", schema: JobView }, 404: { description: "No such resource" } },
  handler: async ({ params, ctx }) => jobView(await loadJob(ctx, params.id)),
});

const cancelJob = defineRoute({
  method: "POST",
  url: "/v1/jobs/:id/cancel",
  operationId: "cancelJob",
  summary: "Cancel a job: a queued job at once, a running one within one step",
  tags,
  params: IdParams,
  responses: { 202: { description: "The job, cancelled or with cancel_requested set", schema: JobView }, 404: { description: "No such resource" }, 409: { description: "The job has already ended" } },
  handler: async ({ params, ctx }) => jobView(await ctx.jobs.cancel(params.id)),
});

const jobEvents = defineRoute({
  method: "GET",
  url: "/v1/jobs/:id/events",
  operationId: "streamJobEvents",
  summary: "Stream a job's events (text/event-stream), replayed from the first, then live",
  description:
    "`progress` for every optimizer step (`step`, `epoch`, `batch`, `loss`), `epoch` with each epoch's metrics, " +
    "`status` on every change, and a last `done` with the final job, after which the stream ends. Event ids " +
    "count from 1; send `Last-Event-ID` (or `?last_event_id=`) to resume after one.",
  tags,
  params: IdParams,
  query: EventsQuery,
  responses: { 200: { description: "The event stream", contentType: "text/event-stream" }, 404: { description: "No such resource" } },
  handler: async ({ params, ctx, raw }, reply) => {
    await loadJob(ctx, params.id);
    const given = lastEventId(raw);
    const after = given === null ? 0 : Number(given);
    if (!Number.isInteger(after) || after < 0) {
      throw validationError([{ path: "Last-Event-ID", message: `expected an event id (an integer ≥ 0), got ${JSON.stringify(given)}` }]);
    }
    const stream = startSse(raw, reply);
    let sent = after;
    let replaying = true;
    const early: JobEvent[] = [];
    // one write per batch: a fast job's steps arrive together and go out as one chunk
    const send = (events: readonly JobEvent[]): void => {
      if (stream.closed) return;
      const fresh: JobEvent[] = [];
      for (const e of events) {
        if (e.seq <= sent) continue;
        fresh.push(e);
        sent = e.seq;
        if (e.type === "done") break;
      }
      stream.writeEvents(fresh.map((e) => ({ id: e.seq, event: e.type, data: e.data })));
      if (fresh.at(-1)?.type === "done") stream.close();
    };
    // subscribe before replaying so nothing falls between the two; `send` drops duplicates
    const unsubscribe = ctx.jobs.subscribe(
      params.id,
      (events) => (replaying ? events.forEach((e) => early.push(e)) : send(events)),
      () => sent,
    );
    stream.signal.addEventListener("abort", unsubscribe);
    for (;;) {
      const events = await ctx.store.listEvents(params.id, sent, 1000);
      send(events);
      if (events.length < 1000 || stream.closed) break;
      await stream.drained();
    }
    replaying = false;
    send(early);
    // a finished job whose `done` the client already saw has nothing more to say
    const job = await ctx.store.getJob(params.id);
    if (!stream.closed && job && TERMINAL_STATUSES.includes(job.status)) {
      send(await ctx.store.listEvents(params.id, sent, 1000));
      stream.close();
    }
    return reply;
  },
});

export const jobRoutes: RouteDef[] = [createJob, listJobs, getJob, cancelJob, jobEvents];
