/**
 * A job with a long history of events written straight into a store, as the job manager would
 * have stored it had the job been trained (nothing is): for tests of replays and retention.
 */
import { jobView } from "../../src/services/views.js";
import type { Store } from "../../src/store/store.js";
import type { JobEvent, JobRecord, Json } from "../../src/store/types.js";
import { statusEvent, storeJob } from "../store/contract.js";

type NewEvent = Omit<JobEvent, "jobId" | "seq">;

export interface JobHistoryOptions {
  /** Training steps: one `progress` event each. */
  steps: number;
  /** An `epoch` event after every this many steps (default 10,000). */
  stepsPerEpoch?: number;
  /** When the job ended (ISO-8601; default now); null leaves it running. */
  finishedAt?: string | null;
}

/**
 * `queued`, `running`, the steps with an `epoch` event after each epoch's last, then (unless left
 * running) `succeeded` and `done`. Returns the job and its last event's seq.
 */
export async function storeJobHistory(store: Store, options: JobHistoryOptions): Promise<{ job: JobRecord; lastSeq: number }> {
  const { steps, stepsPerEpoch = 10_000, finishedAt = new Date().toISOString() } = options;
  const { job } = await storeJob(store);
  await store.updateJob(job.id, { status: "running", startedAt: job.createdAt }, [statusEvent("running")]);
  let batch: NewEvent[] = [];
  let lastSeq = 2;
  for (let step = 1; step <= steps; step++) {
    const epoch = Math.ceil(step / stepsPerEpoch);
    batch.push({ type: "progress", data: { step, epoch, batch: (step - 1) % stepsPerEpoch, loss: 1 / (step + 1) } });
    if (step % stepsPerEpoch === 0 || step === steps) batch.push({ type: "epoch", data: { epoch, train_loss: 1 / (step + 1), train_accuracy: 0.5 } });
    if (batch.length >= 8192 || step === steps) lastSeq = await store.appendEvents(job.id, batch.splice(0));
  }
  if (finishedAt === null) return { job: (await store.getJob(job.id))!, lastSeq };
  const ended = await store.finishJob(job.id, { status: "succeeded", metrics: {}, error: null, finishedAt }, (j) => [
    statusEvent("succeeded"),
    { type: "done", data: jobView(j) as unknown as Json },
  ]);
  return { job: ended!, lastSeq: lastSeq + 2 };
}
