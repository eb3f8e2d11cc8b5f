import type { OptimizerStateDictJSON } from "../optim/index.js";
import type { EpochMetrics } from "./task.js";

/**
 * Everything a training run needs to continue exactly where it stopped: the weights, the
 * optimizer's state, the global generator (live, and as it was when the epoch began, so the
 * loader can redraw the epoch's order), the position, and the metrics gathered so far.
 */
export interface TrainingCheckpoint {
  version: 1;
  /** The epoch in progress (0-based) and how many of its batches are done. */
  epoch: number;
  batch: number;
  /** Optimizer steps done in total. */
  step: number;
  /** safetensors bytes of the model's state dict. */
  weights: Uint8Array;
  optimizer: OptimizerStateDictJSON;
  generator: Uint8Array;
  epochStartGenerator: Uint8Array | null;
  /** Running sums of the epoch in progress. */
  epochLossSum: number;
  epochCorrect: number;
  epochSeen: number;
  history: EpochMetrics[];
  best: number | null;
  badEpochs: number;
}

const BYTE_FIELDS = ["weights", "generator", "epochStartGenerator"] as const;

/** JSON with byte fields in base64: checkpoints are small next to the data and easy to inspect. */
export function encodeCheckpoint(c: TrainingCheckpoint): Uint8Array {
  const json: Record<string, unknown> = { ...c };
  for (const f of BYTE_FIELDS) {
    const v = c[f];
    json[f] = v === null ? null : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
  }
  return new Uint8Array(Buffer.from(JSON.stringify(json), "utf8"));
}

export function decodeCheckpoint(bytes: Uint8Array): TrainingCheckpoint {
  const json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8")) as Record<string, unknown>;
  if (json["version"] !== 1) throw new Error(`unsupported checkpoint version ${String(json["version"])}`);
  for (const f of BYTE_FIELDS) {
    const v = json[f];
    json[f] = v === null ? null : new Uint8Array(Buffer.from(v as string, "base64"));
  }
  return json as unknown as TrainingCheckpoint;
}
