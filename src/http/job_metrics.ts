/**
 * The training series on /metrics: what a user watches of jobs (throughput, durations, failures)
 * and of the service training them (queue depth, trainers connected).
 *
 * Per job, throughput is a pair of gauges labelled `job_id`, set only for the jobs this process
 * trains now and gone when they end: at any scrape a process has at most KILN_WORKERS such series
 * each, and a job's series lives as long as the job. A step-time histogram could not say which job
 * is slow without a `job_id` label, and with one it would keep a dozen bucket series per job
 * ever run. Nothing here reads the store at a scrape: the gauges read this process's memory and,
 * with a shared queue, Redis (a few commands, none of which reads the jobs one by one).
 */
import { Counter, Histogram } from "prom-client";
import { THROUGHPUT_WINDOW_MS, TRAINING_FAILURE_CODES, type JobManager } from "../services/index.js";
import type { JobRecord } from "../store/index.js";
import type { Metrics } from "./metrics.js";

const WINDOW_S = THROUGHPUT_WINDOW_MS / 1000;
/** Training jobs take seconds to days. */
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21_600, 86_400];

/**
 * The counters of jobs ending, registered on `metrics`; returns what the job manager calls with
 * each job this process ends (JobManagerOptions.onJobEnded).
 */
export function jobEndMetrics(metrics: Metrics): (job: JobRecord) => void {
  const duration = new Histogram({
    name: "kiln_job_duration_seconds",
    help: "Jobs this process ended, by final status: seconds from their start to their end (resumed runs included; jobs cancelled before they started are left out)",
    labelNames: ["status"] as const,
    buckets: DURATION_BUCKETS,
    registers: [metrics.registry],
  });
  const failed = new Counter({
    name: "kiln_jobs_failed_total",
    help: "Jobs this process ended as failed, by error code",
    labelNames: ["code"] as const,
    registers: [metrics.registry],
  });
  // every code at 0 from the start, so that rate() sees a job's first failure
  for (const code of TRAINING_FAILURE_CODES) failed.inc({ code }, 0);
  return (job) => {
    if (job.status === "failed") failed.inc({ code: job.error?.code ?? "unknown" });
    if (job.startedAt !== null && job.finishedAt !== null) {
      duration.observe({ status: job.status }, (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000);
    }
  };
}

/** The gauges of running jobs, the queue and its trainers, read from `jobs` at each scrape. */
export function registerJobGauges(metrics: Metrics, jobs: JobManager): void {
  metrics.registerGauge(
    "kiln_job_samples_per_second",
    `Training samples per second of step time, over the last ${WINDOW_S} s, of each job this process trains now`,
    () => Object.fromEntries(jobs.throughput().map((t) => [t.jobId, t.samplesPerSecond])),
    "job_id",
  );
  metrics.registerGauge(
    "kiln_job_step_seconds",
    `Mean time of one optimizer step (batch, forward, backward, step), over the last ${WINDOW_S} s, of each job this process trains now`,
    () => Object.fromEntries(jobs.throughput().map((t) => [t.jobId, t.stepSeconds])),
    "job_id",
  );
  metrics.registerGauge(
    "kiln_queue_jobs",
    "Jobs in the queue by state: waiting, deferred (held to their tenant's quota of running jobs), active (training). " +
      "With a shared queue, the whole queue's: every process reports the same numbers (aggregate with max, not sum)",
    async () => ({ ...(await jobs.queueDepth()) }),
    "state",
  );
  metrics.registerGauge("kiln_jobs_running", "Jobs training in this process (KILN_WORKERS at most)", async () => (await jobs.stats()).running);
  metrics.registerGauge(
    "kiln_trainers_connected",
    "Processes training from the queue: with a shared queue, every one connected to it (every process reports the same number); else 1, this process",
    () => jobs.trainers(),
  );
}
