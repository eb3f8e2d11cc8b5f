/**
 * Piscina entry point for training jobs: one task = one job run (or the rest of one, from a
 * checkpoint). Progress, epoch metrics and checkpoints go through the task's MessagePort in
 * batches; `end` follows the last one, whether the run succeeded, stopped or threw.
 */
import type { MessagePort } from "node:worker_threads";
import { runTraining } from "../src/jobs/runner.js";
import type { TrainingOutcome, TrainingTask, WorkerMessage } from "../src/jobs/task.js";
import { UpdateBatcher } from "./update_batcher.js";

/** How often a running job's steps reach the API thread (the first one goes at once). */
const POST_INTERVAL_MS = 50;

export default function train({ task, port }: { task: TrainingTask; port: MessagePort }): TrainingOutcome {
  const post = (message: WorkerMessage): void => port.postMessage(message);
  const batcher = new UpdateBatcher(post, POST_INTERVAL_MS);
  try {
    return runTraining(task, (message) => batcher.add(message));
  } finally {
    batcher.flush();
    post({ kind: "end" });
    port.close();
  }
}
