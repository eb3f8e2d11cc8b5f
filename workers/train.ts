/**
 * Piscina entry point for training jobs: one task = one job run (or the rest of one, from a
 * checkpoint). Progress, epoch metrics and checkpoints go through the task's MessagePort in
 * batches; `end` follows the last one, whether the run succeeded, stopped or threw. Checkpoints
 * and the trained weights move to the API thread (transferred), not copied.
 */
import type { MessagePort } from "node:worker_threads";
import { move, transferableSymbol, valueSymbol } from "piscina";
import { runStoredTraining } from "../src/services/stored_task.js";
import type { StoredTrainingTask, WorkerMessage } from "../src/services/task.js";
import { messageTransferList, outcomeTransferList } from "../src/services/transfer.js";
import { UpdateBatcher } from "./update_batcher.js";

/** How often a running job's steps reach the API thread (the first one goes at once). */
const POST_INTERVAL_MS = 50;

export default function train({ task, port }: { task: StoredTrainingTask; port: MessagePort }): ReturnType<typeof move> {
  const post = (message: WorkerMessage): void => port.postMessage(message, messageTransferList(message));
  const batcher = new UpdateBatcher(post, POST_INTERVAL_MS);
  try {
    const outcome = runStoredTraining(task, (message) => batcher.add(message));
    return move({ [transferableSymbol]: outcomeTransferList(outcome), [valueSymbol]: outcome });
  } finally {
    batcher.flush();
    post({ kind: "end" });
    port.close();
  }
}
