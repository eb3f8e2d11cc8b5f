/**
 * Piscina entry point for training jobs: one task = one job run (or the rest of one, from a
 * checkpoint). Progress, epoch metrics and checkpoints go through the task's MessagePort.
 */
import type { MessagePort } from "node:worker_threads";
import { runTraining } from "../src/jobs/runner.js";
import type { TrainingOutcome, TrainingTask } from "../src/jobs/task.js";

export default function train({ task, port }: { task: TrainingTask; port: MessagePort }): TrainingOutcome {
  try {
    return runTraining(task, (message) => port.postMessage(message));
  } finally {
    port.postMessage({ kind: "end" });
    port.close();
  }
}
