/**
 * What a parse worker does (workers/ingest.ts): a request body's bytes become a dataset's tensors
 * or a model's next weights file, and a model's weights its ONNX file, in shared memory, so that the API thread takes them over without
 * copying. The errors a body can cause come back as data (`IngestFailure`) for the API thread to
 * throw again as what they were (a thrown error loses its class between threads); any other error
 * is a bug, and goes as it is.
 */
import { z } from "zod";
import {
  datasetFromCsv,
  datasetFromNpz,
  datasetFromSafetensors,
  exportOnnx,
  isZip,
  JsonSyntaxError,
  readJsonDataset,
  readJsonWeights,
  SpecError,
  type DatasetTensors,
  type JsonDatasetBody,
  type ModelSpec,
  type SpecPath,
} from "../schema/index.js";
import { safetensors, type SharedTensor } from "../tensor/index.js";
import { drawModel, replacementWeights, type DrawnModel, type ModelDraw } from "./models.js";

export interface DatasetUpload {
  /** "safetensors" is any binary body: one that begins as a zip archive is read as .npz. */
  format: "json" | "csv" | "safetensors" | "npz";
  body: Uint8Array;
  maxSamples: number;
  /** CSV only: the label column's header (default: the last column). */
  labelColumn?: string;
}

export interface WeightsUpload {
  format: "json" | "safetensors";
  body: Uint8Array;
  /** The model's weights file now: the upload must have its keys, shapes and dtypes. */
  current: Uint8Array;
}

/** A model to write as ONNX (`exportOnnx`): its spec as stored, its weights file (safetensors) and the graph's name. */
export interface OnnxExport {
  spec: ModelSpec;
  weights: Uint8Array;
  name: string;
}

/** A dataset's tensors as they cross between threads, and the name a JSON body gave it. */
export interface SharedDataset extends Omit<DatasetTensors, "features" | "labels"> {
  features: SharedTensor;
  labels: SharedTensor;
  name: string | undefined;
}

export type IngestFailure =
  | { kind: "zod"; issues: z.core.$ZodIssue[] }
  | { kind: "spec"; message: string; path: SpecPath }
  | { kind: "json"; message: string }
  | { kind: "safetensors"; message: string };

export type Ingested<T> = { ok: true; value: T } | { ok: false; failure: IngestFailure };

/** A parse worker's task: a dataset upload, a weights upload, a new model's draw or an ONNX export. */
export type IngestTask =
  | { kind: "dataset"; upload: DatasetUpload }
  | { kind: "weights"; upload: WeightsUpload }
  | { kind: "model"; draw: ModelDraw }
  | { kind: "onnx"; model: OnnxExport };

/**
 * Runs a task (in a parse worker): a dataset task gives a SharedDataset, a weights task the file,
 * a model task the new model's weights and what is stored with them, an ONNX task the .onnx file.
 */
export function ingest(task: IngestTask): Ingested<SharedDataset | Uint8Array | DrawnModel> {
  switch (task.kind) {
    case "dataset":
      return ingestDataset(task.upload);
    case "weights":
      return ingestWeights(task.upload);
    case "model":
      return attempt(() => {
        const drawn = drawModel(task.draw);
        return { ...drawn, weights: shared(drawn.weights) };
      });
    case "onnx": {
      const { spec, weights, name } = task.model;
      // ~0.5 s for 10M parameters (protobufjs copies the bytes as it nests messages): never on the API thread
      return attempt(() => shared(exportOnnx(spec, safetensors.parse(weights).tensors, name)));
    }
  }
}

/** `bytes` copied into shared memory: the API thread takes them over without a copy of its own. */
function shared(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  out.set(bytes);
  return out;
}

function ingestDataset(upload: DatasetUpload): Ingested<SharedDataset> {
  return attempt(() => {
    const { dataset, name } = readDataset(upload);
    return { ...dataset, features: dataset.features.toShared(), labels: dataset.labels.toShared(), name };
  });
}

function readDataset({ format, body, maxSamples, labelColumn }: DatasetUpload): JsonDatasetBody {
  const limits = { maxSamples };
  if (format === "json") return readJsonDataset(body, limits);
  if (format === "npz" || (format === "safetensors" && isZip(body))) return { dataset: datasetFromNpz(body, limits), name: undefined };
  if (format === "safetensors") return { dataset: datasetFromSafetensors(body, limits), name: undefined };
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  return { dataset: datasetFromCsv(text, { ...limits, ...(labelColumn === undefined ? {} : { labelColumn }) }), name: undefined };
}

/** The model's next weights file, in shared memory. */
function ingestWeights(upload: WeightsUpload): Ingested<Uint8Array> {
  return attempt(() => {
    const given = upload.format === "json" ? readJsonWeights(upload.body) : safetensors.parse(upload.body).tensors;
    return shared(safetensors.serialize(replacementWeights(safetensors.parse(upload.current).tensors, given)));
  });
}

function attempt<T>(work: () => T): Ingested<T> {
  try {
    return { ok: true, value: work() };
  } catch (error) {
    const failure = failureOf(error);
    if (failure === null) throw error;
    return { ok: false, failure };
  }
}

function failureOf(error: unknown): IngestFailure | null {
  if (error instanceof z.ZodError) return { kind: "zod", issues: error.issues };
  if (error instanceof SpecError) return { kind: "spec", message: error.message, path: error.path };
  if (error instanceof JsonSyntaxError) return { kind: "json", message: error.message };
  if (error instanceof safetensors.SafetensorsError) return { kind: "safetensors", message: error.message };
  return null;
}

/** The error a failure was, to throw on the API thread. */
export function errorOf(failure: IngestFailure): Error {
  switch (failure.kind) {
    case "zod":
      return new z.ZodError(failure.issues);
    case "spec":
      return new SpecError(failure.message, failure.path);
    case "json":
      return new JsonSyntaxError(failure.message);
    case "safetensors":
      return new safetensors.SafetensorsError(failure.message);
  }
}
