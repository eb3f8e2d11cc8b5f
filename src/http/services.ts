import { BullMQQueue, EventRetention, RedisEventSignal, createIngestPool, createTrainingPool, JobManager, ModelService, TenantQuotas, type IngestPool, type JobManagerOptions } from "../services/index.js";
import type { Store } from "../store/index.js";
import type { Config } from "./config.js";
import { jobEndMetrics, registerJobGauges } from "./job_metrics.js";
import type { Metrics } from "./metrics.js";

/**
 * How often a subscriber of a job trained by another process reads its new events from the store
 * when no signal came (the training process stores them every ~100 ms and signals each write).
 */
const SHARED_EVENT_POLL_MS = 500;
/** How often a process queues again the stored jobs that should be in a shared queue. */
const SHARED_REQUEUE_MS = 5000;

export interface StartedServices {
  models: ModelService;
  jobs: JobManager;
  /** Deletes old progress events in the background; stop it at shutdown, before the store closes. */
  retention: EventRetention;
  /** The threads that parse request bodies (datasets, weights); destroy it at shutdown. */
  ingest: IngestPool;
  /** Checks what each tenant stores against its quotas. */
  quotas: TenantQuotas;
}

/**
 * The services behind the routes, started: a training pool of `config.workers` threads and the
 * job manager over it (which picks up jobs a previous process left queued or running), plus the
 * jobs' series on /metrics, event retention, and the threads that parse request bodies and draw new
 * models. Stop with `jobs.shutdown()`, `retention.stop()` and `ingest.destroy()`, before closing the
 * store.
 */
export async function startServices(
  store: Store,
  config: Config,
  metrics?: Metrics,
  options: { checkpointIntervalMs?: number; log?: JobManagerOptions["log"] } = {},
): Promise<StartedServices> {
  // a shared queue: other processes may train this process's jobs, and this one theirs
  const redisUrl = config.redisUrl;
  const shared =
    redisUrl === undefined
      ? {}
      : {
          queue: new BullMQQueue({ url: redisUrl, name: config.queueName, lockDurationMs: config.queueLockMs, ...(options.log ? { log: options.log } : {}) }),
          eventSignal: new RedisEventSignal(redisUrl, `kiln:${config.queueName}:events`, options.log),
          eventPollMs: SHARED_EVENT_POLL_MS,
          requeueIntervalMs: SHARED_REQUEUE_MS,
        };
  const q = config.quotas;
  const quotas = new TenantQuotas(store, {
    models: q.models,
    datasets: q.datasets,
    bytes: q.bytes,
    queued_jobs: q.queuedJobs,
    running_jobs: q.runningJobs,
    event_streams: q.eventStreams,
  });
  const jobs = new JobManager({
    store,
    // an API-only process (0 workers) trains nothing: no pool, and it takes no job from the queue
    pool: config.workers > 0 ? createTrainingPool(config.workers, config.threadsPerWorker) : null,
    concurrency: config.workers,
    ...shared,
    maxQueuedJobs: config.limits.maxQueuedJobs,
    quotas,
    maxEpochs: config.limits.maxEpochs,
    maxJobSteps: config.limits.maxJobSteps,
    maxStepValues: config.limits.maxStepValues,
    checkpointIntervalMs: config.checkpointIntervalMs,
    ...(metrics ? { onJobEnded: jobEndMetrics(metrics) } : {}),
    ...options,
  });
  await jobs.start();
  if (metrics) registerJobGauges(metrics, jobs);
  const retention = new EventRetention(store, { days: config.eventRetentionDays, keepLastEvents: config.eventRetentionEvents, ...(options.log ? { log: options.log } : {}) });
  retention.start();
  const { maxParams, maxResponseValues, maxPredictWork } = config.limits;
  const ingest = createIngestPool(config.parseThreads);
  // a new model's weights are drawn on a parse thread: 10M of them take a few hundred ms
  const models = new ModelService(store, { maxParams, maxResponseValues, maxPredictWork }, (draw) => ingest.model(draw), quotas);
  return { models, jobs, retention, ingest, quotas };
}
