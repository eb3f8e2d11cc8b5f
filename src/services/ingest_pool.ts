import { Piscina } from "piscina";
import type { DatasetTensors } from "../schema/index.js";
import { Tensor } from "../tensor/index.js";
import { BodyTooHeavyError, ParsersBusyError } from "./errors.js";
import { errorOf, type DatasetUpload, type IngestTask, type Ingested, type OnnxExport, type SharedDataset, type WeightsUpload } from "./ingest.js";
import type { DrawnModel, ModelDraw } from "./models.js";

/**
 * The worker threads that parse request bodies (datasets and weights), draw new models' weights and
 * write models as ONNX, apart from the training pool so that a busy trainer never holds up an upload. The API thread only
 * hands the work over and takes the result back: no user-sized work runs on it.
 */
export interface IngestPool {
  /**
   * The dataset in an upload's body. Throws what parsing it throws (SpecError, ZodError,
   * JsonSyntaxError), BodyTooHeavyError, or ParsersBusyError. The body moves to the worker: the
   * caller's view of it is left empty.
   */
  dataset(upload: DatasetUpload): Promise<DatasetTensors & { name: string | undefined }>;
  /** A new model's initial weights, drawn (`drawModel`); SpecError past the parameter limit. */
  model(draw: ModelDraw): Promise<DrawnModel>;
  /**
   * The model's next weights file (safetensors) from an upload, its keys, shapes and dtypes
   * checked against the current file's (SpecError otherwise). The body and the current file move
   * to the worker, as for `dataset`.
   */
  weights(upload: WeightsUpload): Promise<Uint8Array>;
  /** A model's .onnx file (`exportOnnx`); its weights move to the worker, as a body does. */
  onnx(model: OnnxExport): Promise<Uint8Array>;
  destroy(): Promise<void>;
}

export interface IngestPoolOptions {
  /** The JavaScript heap each parse worker may use; a body that needs more is refused (413). */
  maxHeapMb?: number;
  /** Bodies that may wait for a worker, per worker; more are refused (503) until some are done. */
  queuePerThread?: number;
}

/**
 * Enough heap to JSON.parse the odd part of the largest body that the readers take back from their
 * fast paths (a sample, the labels); a body built to make JSON.parse allocate (64 MiB of `[]`) needs
 * gigabytes and is refused instead of taking the process's memory.
 */
const MAX_HEAP_MB = 512;
const QUEUE_PER_THREAD = 32;

/**
 * Bytes as they go to a worker: a shared buffer as it is; an ArrayBuffer of their own, moved; else
 * (a view of Node's pool of small Buffers) a copy, moved.
 */
function handOver(bytes: Uint8Array, transfer: ArrayBuffer[]): Uint8Array {
  const { buffer } = bytes;
  if (buffer instanceof SharedArrayBuffer) return bytes;
  const owned = bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength ? bytes : new Uint8Array(bytes);
  transfer.push(owned.buffer as ArrayBuffer);
  return owned;
}

/**
 * A Piscina pool of `threads` workers running `workers/ingest` (the .ts file through tsx from
 * sources, the compiled .js from the build), each within `maxHeapMb` of heap.
 */
export function createIngestPool(threads: number, options: IngestPoolOptions = {}): IngestPool {
  const { maxHeapMb = MAX_HEAP_MB, queuePerThread = QUEUE_PER_THREAD } = options;
  const fromSource = import.meta.url.endsWith(".ts");
  const pool = new Piscina({
    filename: new URL(`../../workers/ingest.${fromSource ? "ts" : "js"}`, import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    execArgv: fromSource ? ["--import", "tsx"] : [],
    resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
  });

  async function run<T>(task: IngestTask, transferList: ArrayBuffer[]): Promise<T> {
    if (pool.queueSize >= threads * queuePerThread) throw new ParsersBusyError(pool.queueSize);
    let outcome: Ingested<T>;
    try {
      outcome = (await pool.run(task, { transferList })) as Ingested<T>;
    } catch (error) {
      // the worker hit its heap limit and was stopped (Piscina starts another)
      if ((error as { code?: unknown }).code === "ERR_WORKER_OUT_OF_MEMORY") throw new BodyTooHeavyError(maxHeapMb);
      throw error;
    }
    if (!outcome.ok) throw errorOf(outcome.failure);
    return outcome.value;
  }

  return {
    async dataset(upload) {
      const transfer: ArrayBuffer[] = [];
      const task: IngestTask = { kind: "dataset", upload: { ...upload, body: handOver(upload.body, transfer) } };
      const { features, labels, ...rest } = await run<SharedDataset>(task, transfer);
      return { ...rest, features: Tensor.fromShared(features), labels: Tensor.fromShared(labels) };
    },
    model: (draw) => run<DrawnModel>({ kind: "model", draw }, []),
    weights(upload) {
      const transfer: ArrayBuffer[] = [];
      const body = handOver(upload.body, transfer);
      const task: IngestTask = { kind: "weights", upload: { ...upload, body, current: handOver(upload.current, transfer) } };
      return run<Uint8Array>(task, transfer);
    },
    onnx(model) {
      const transfer: ArrayBuffer[] = [];
      return run<Uint8Array>({ kind: "onnx", model: { ...model, weights: handOver(model.weights, transfer) } }, transfer);
    },
    destroy: () => pool.destroy(),
  };
}
