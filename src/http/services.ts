import { createTrainingPool, JobManager, ModelService, type JobManagerOptions } from "../jobs/index.js";
import type { Store } from "../store/index.js";
import type { Config } from "./config.js";
import type { Metrics } from "./metrics.js";

export interface StartedServices {
  models: ModelService;
  jobs: JobManager;
}

/**
 * The services behind the routes, started: a training pool of `config.workers` threads and the
 * job manager over it (which picks up jobs a previous process left queued or running), plus the
 * jobs' gauges on /metrics. Stop with `jobs.shutdown()`, before closing the store.
 */
export async function startServices(
  store: Store,
  config: Config,
  metrics?: Metrics,
  options: { checkpointIntervalMs?: number; log?: JobManagerOptions["log"] } = {},
): Promise<StartedServices> {
  const jobs = new JobManager({
    store,
    pool: createTrainingPool(config.workers, config.threadsPerWorker),
    concurrency: config.workers,
    maxQueuedJobs: config.limits.maxQueuedJobs,
    maxEpochs: config.limits.maxEpochs,
    checkpointIntervalMs: config.checkpointIntervalMs,
    ...options,
  });
  await jobs.start();
  metrics?.registerGauge("kiln_jobs_active", "Jobs queued (in the shared queue, when there is one) or running in this process", async () => {
    const { queued, running } = await jobs.stats();
    return { queued, running };
  });
  return { models: new ModelService(store, { maxParams: config.limits.maxParams }), jobs };
}
