import type { lrScheduler, OptimizerStateDict, ParamStateDict } from "../optim/index.js";
import { safetensors, Tensor } from "../tensor/index.js";
import type { EpochMetrics } from "./task.js";

/**
 * Everything a training run needs to continue exactly where it stopped: the weights, the
 * optimizer's and the scheduler's state, the global generator (live, and as it was when the epoch began, so the
 * loader can redraw the epoch's order), the position, and the metrics gathered so far.
 */
export interface TrainingCheckpoint {
  version: 2;
  /** The epoch in progress (0-based) and how many of its batches are done. */
  epoch: number;
  batch: number;
  /** Optimizer steps done in total. */
  step: number;
  /** The model's state dict. */
  weights: Record<string, Tensor>;
  optimizer: OptimizerStateDict;
  /** The scheduler's state dict, or null for a job without one. */
  scheduler: lrScheduler.SchedulerStateDict | null;
  generator: Uint8Array;
  epochStartGenerator: Uint8Array | null;
  /** The lr the epoch in progress began with (OneCycleLR has changed it since), and its running sums. */
  epochLr: number;
  epochLossSum: number;
  epochCorrect: number;
  epochSeen: number;
  history: EpochMetrics[];
  best: number | null;
  badEpochs: number;
}

const WEIGHT = "model/";
const STATE = "optimizer/";

/** A stand-in for an optimizer state tensor inside the JSON part: the name of its safetensors entry. */
interface TensorRef {
  $tensor: string;
}

const isRef = (v: unknown): v is TensorRef => typeof v === "object" && v !== null && "$tensor" in v;
const base64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
const unbase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));

/**
 * A checkpoint as one safetensors file: every tensor (weights and optimizer buffers) as raw bytes,
 * everything else as JSON in its metadata. No multi-megabyte base64 strings are built: checkpoints
 * are taken every second, and large strings made the worker's memory climb.
 */
export function encodeCheckpoint(c: TrainingCheckpoint): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  for (const [key, t] of Object.entries(c.weights)) tensors[WEIGHT + key] = t;
  const state: Record<string, Record<string, number | null | TensorRef>> = {};
  for (const [index, entries] of Object.entries(c.optimizer.state)) {
    const out: Record<string, number | null | TensorRef> = {};
    for (const [name, value] of Object.entries(entries as ParamStateDict)) {
      if (value instanceof Tensor) {
        const ref = `${STATE}${index}/${name}`;
        tensors[ref] = value;
        out[name] = { $tensor: ref };
      } else if (value !== undefined) {
        out[name] = value;
      }
    }
    state[index] = out;
  }
  const rest = {
    ...c,
    weights: undefined,
    optimizer: { state, param_groups: c.optimizer.param_groups },
    generator: base64(c.generator),
    epochStartGenerator: c.epochStartGenerator && base64(c.epochStartGenerator),
  };
  return safetensors.serialize(tensors, { format: "kiln-checkpoint", checkpoint: JSON.stringify(rest) });
}

/** The JSON part of a checkpoint (everything but the tensors), from its file's metadata. */
type CheckpointJson = Omit<TrainingCheckpoint, "weights" | "optimizer" | "generator" | "epochStartGenerator" | "scheduler" | "epochLr"> & {
  // absent from checkpoints written before jobs had schedulers: their lr never changed
  scheduler?: TrainingCheckpoint["scheduler"];
  epochLr?: number;
  optimizer: { state: Record<string, Record<string, number | null | TensorRef>>; param_groups: OptimizerStateDict["param_groups"] };
  generator: string;
  epochStartGenerator: string | null;
};

function checkpointJson(metadata: Record<string, string>): CheckpointJson {
  const json = metadata["checkpoint"];
  if (metadata["format"] !== "kiln-checkpoint" || json === undefined) throw new Error("not a Kiln training checkpoint");
  const rest = JSON.parse(json) as CheckpointJson;
  if (rest.version !== 2) throw new Error(`unsupported checkpoint version ${String(rest.version)}`);
  return rest;
}

export function decodeCheckpoint(bytes: Uint8Array): TrainingCheckpoint {
  const { tensors, metadata } = safetensors.parse(bytes);
  const rest = checkpointJson(metadata);
  const weights: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) if (name.startsWith(WEIGHT)) weights[name.slice(WEIGHT.length)] = t;
  const state: OptimizerStateDict["state"] = {};
  for (const [index, entries] of Object.entries(rest.optimizer.state)) {
    state[Number(index)] = Object.fromEntries(
      Object.entries(entries).map(([name, v]) => [name, isRef(v) ? tensors[v.$tensor]! : v]),
    ) as ParamStateDict;
  }
  return {
    ...rest,
    weights,
    optimizer: { state, param_groups: rest.optimizer.param_groups },
    scheduler: rest.scheduler ?? null,
    epochLr: rest.epochLr ?? rest.optimizer.param_groups[0]!.lr,
    generator: unbase64(rest.generator),
    epochStartGenerator: rest.epochStartGenerator === null ? null : unbase64(rest.epochStartGenerator),
  };
}

/**
 * The epochs a checkpoint's run had finished, from the file's header alone: what the job manager
 * needs of a checkpoint it resumes, without copying the tensors (the worker decodes those).
 */
export function checkpointHistory(bytes: Uint8Array): EpochMetrics[] {
  return checkpointJson(safetensors.readMetadata(bytes)).history;
}
