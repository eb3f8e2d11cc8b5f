/**
 * How models, datasets and jobs look in the API (snake_case JSON): each view is one Zod value, from
 * which its TypeScript type, the routes' OpenAPI responses and the `*View` functions below all come.
 */
import { z } from "zod";
import { JOB_STATUSES, type DatasetSummaryRecord, type JobEvent, type JobRecord, type Json, type ModelSummaryRecord, type ModelVersionRecord } from "../store/index.js";
import { jobMetrics, jobProgress, jobSpec, type VersionMetrics } from "./stored_job.js";
import { storedModelSpec, storedModelSummary } from "./stored_model.js";

const Shape = z.array(z.number().int());

export const LayerView = z.looseObject({
  type: z.string().describe("PyTorch's class name of the layer."),
  output_shape: Shape.describe("The shape of one sample's output of this layer (no batch dimension)."),
  num_params: z.number().int().describe("The layer's parameter count."),
});

export const ModelView = z.object({
  id: z.string(),
  name: z.string().nullable(),
  input_shape: Shape,
  output_shape: Shape.describe("The shape of one sample's output."),
  layers: z.array(LayerView).describe("The layers with every argument resolved, their output shapes and parameter counts."),
  num_params: z.number().int(),
  trainable_params: z.number().int(),
  summary: z.string().describe("PyTorch's repr of the seed's NeuralNetwork holding these layers in `self.layers`."),
  seed: z.number().int().nullable().describe("The seed the initial weights were drawn with, if one was given."),
  version: z.number().int().describe("Bumped each time the weights change."),
  current_version: z
    .number()
    .int()
    .nullable()
    .describe(
      "The version (GET /v1/models/{id}/versions) whose weights the model holds: the newest, unless one was restored; " +
        "null while it holds the weights it was created with.",
    ),
  created_at: z.string(),
  updated_at: z.string(),
}).meta({ id: "Model" });
export type ModelView = z.infer<typeof ModelView>;

export function modelView(record: ModelSummaryRecord): ModelView {
  const spec = storedModelSpec(record);
  const summary = storedModelSummary(record);
  return {
    id: record.id,
    name: record.name,
    input_shape: spec.input_shape,
    output_shape: summary.output_shape,
    layers: spec.layers.map((layer, i) => ({
      ...layer,
      output_shape: summary.layers[i]!.output_shape,
      num_params: summary.layers[i]!.num_params,
    })),
    num_params: summary.num_params,
    trainable_params: summary.trainable_params,
    summary: summary.repr,
    seed: spec.seed ?? null,
    version: record.version,
    current_version: record.currentVersion,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

export const DatasetView = z.object({
  id: z.string(),
  name: z.string().nullable(),
  num_samples: z.number().int(),
  feature_shape: z.array(z.number().int()).describe("The shape of one sample's features."),
  feature_dtype: z
    .enum(["float32", "uint8"])
    .describe("How the features are stored: float32, or uint8 (images; a model for them starts with ConvertImageDtype)."),
  label_shape: z.array(z.number().int()).describe("The shape of one sample's label: [] for class indices or one target."),
  label_dtype: z.enum(["int64", "float32"]).describe("int64 for class indices, float32 for regression targets."),
  num_classes: z.number().int().nullable().describe("For int64 labels, the largest label + 1."),
  created_at: z.string(),
}).meta({ id: "Dataset" });
export type DatasetView = z.infer<typeof DatasetView>;

export function datasetView(d: DatasetSummaryRecord): DatasetView {
  return {
    id: d.id,
    name: d.name,
    num_samples: d.numSamples,
    feature_shape: d.featureShape,
    feature_dtype: d.featureDtype,
    label_shape: d.labelShape,
    label_dtype: d.labelDtype,
    num_classes: d.numClasses,
    created_at: d.createdAt,
  };
}

export const JobStatus = z.enum(JOB_STATUSES);

/** One finished epoch's figures: an item of a job's `metrics.epochs`. */
export const EpochMetrics = z.object({
  epoch: z.number().int(),
  lr: z
    .number()
    .describe(
      "The learning rate the epoch was trained with: the optimizer's lr when the epoch began, as the scheduler set it " +
        "(OneCycleLR changes it after every step: its lr for the epoch's first step).",
    ),
  train_loss: z.number(),
  train_accuracy: z.number().optional(),
  val_loss: z.number().optional(),
  val_accuracy: z.number().optional(),
}).meta({ id: "EpochMetrics" });

/** A kept version of a model's weights. */
export const VersionView = z.object({
  version: z.number().int().describe("1, 2, … per model, in the order the versions were made."),
  job_id: z
    .string()
    .nullable()
    .describe("The job whose success made it (GET /v1/jobs/{id}/weights gives its weights); null for weights uploaded with PUT, or held when Kiln began to keep versions."),
  metrics: z
    .object({
      loss: z.number().nullable().describe("The job's last step's loss."),
      epochs: z.number().int().describe("Epochs trained."),
      last_epoch: EpochMetrics.nullable().describe("The last epoch's metrics."),
      stopped_early: z.boolean(),
    })
    .nullable()
    .describe("The job's final metrics; null when no job made it."),
  bytes: z.number().int().describe("The size of its weights (safetensors), which it counts against the tenant's bytes quota."),
  current: z.boolean().describe("Whether the model holds these weights now."),
  created_at: z.string(),
});
export type VersionView = z.infer<typeof VersionView>;

export function versionView(version: ModelVersionRecord, currentVersion: number | null): VersionView {
  return {
    version: version.version,
    job_id: version.jobId,
    metrics: version.metrics as VersionMetrics | null,
    bytes: version.bytes,
    current: version.version === currentVersion,
    created_at: version.createdAt,
  };
}

/** A job; also the payload of its final `done` event. */
export const JobView = z.object({
  id: z.string(),
  model_id: z.string(),
  dataset_id: z.string(),
  validation_dataset_id: z.string().nullable(),
  status: JobStatus,
  spec: z.record(z.string(), z.unknown()).describe("The training spec as accepted, defaults applied."),
  progress: z.object({
    epoch: z.number().int().describe("The epoch in progress (1-based; 0 before the first step)."),
    epochs: z.number().int(),
    step: z.number().int().describe("Optimizer steps done."),
    total_steps: z.number().int(),
  }),
  metrics: z.looseObject({
    loss: z.number().nullable().describe("The last step's loss."),
    epochs: z.array(EpochMetrics).describe("Per finished epoch: its learning rate, train loss, and accuracy and validation figures where they apply."),
  }),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  cancel_requested: z.boolean(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  updated_at: z.string(),
}).meta({ id: "Job" });
export type JobView = z.infer<typeof JobView>;

/**
 * A job as the API shows it. Its fields are plain JSON (spec, progress and metrics have JSON's
 * types), which the return type says too: the view is also the data of the job's `done` event.
 */
export function jobView(job: JobRecord): JobView & { [key: string]: Json } {
  return {
    id: job.id,
    model_id: job.modelId,
    dataset_id: job.datasetId,
    validation_dataset_id: job.validationDatasetId,
    status: job.status,
    spec: jobSpec(job),
    progress: jobProgress(job),
    metrics: jobMetrics(job),
    error: job.error,
    cancel_requested: job.cancelRequested,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    updated_at: job.updatedAt,
  };
}

/** Receives a job's live events in order, a batch at a time (the events stored together). */
export type EventListener = (events: readonly JobEvent[]) => void;
