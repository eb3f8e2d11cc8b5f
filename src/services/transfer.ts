import type { StoredTrainingOutcome, StoredTrainingTask, WorkerMessage } from "./task.js";

/**
 * The buffers behind `views` that postMessage can move to the other thread instead of copying
 * them: ArrayBuffers each view covers whole (moving a buffer detaches every view of it, so one
 * shared with other data is copied instead), each listed once.
 */
function movableBuffers(views: readonly (Uint8Array | null)[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const view of views) {
    if (view && view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) buffers.add(view.buffer);
  }
  return [...buffers];
}

/** What a stored task moves to its worker: the model's weights, the datasets and the checkpoint. */
export function taskTransferList(task: StoredTrainingTask): ArrayBuffer[] {
  const datasets = [task.dataset, task.validationDataset].flatMap((d) => (d ? [d.features, d.labels] : []));
  return movableBuffers([task.weights, task.checkpoint, ...datasets]);
}

/** What a worker's message moves to the job manager: its checkpoints, ready to store. */
export function messageTransferList(message: WorkerMessage): ArrayBuffer[] {
  if (message.kind === "end") return [];
  return movableBuffers(message.updates.map((u) => (u.kind === "checkpoint" ? u.state : null)));
}

/** What a worker's outcome moves to the job manager: the trained weights, ready to store. */
export function outcomeTransferList(outcome: StoredTrainingOutcome): ArrayBuffer[] {
  return outcome.status === "succeeded" ? movableBuffers([outcome.weights]) : [];
}
