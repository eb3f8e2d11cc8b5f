/**
 * How rows of the SQL stores (SQLite and Postgres) become records and records become rows. Both
 * stores select their columns under these names (columns.ts). Both drivers give text as strings,
 * numbers as numbers (Postgres's bigint through the store's type parser) and blobs as Buffers; JSON
 * and timestamps are stored as text. The one difference is a job's `cancel_requested`: see JobRow.
 */
import type {
  ApiKeyRecord,
  CheckpointRecord,
  DatasetRecord,
  DatasetSummaryRecord,
  JobRecord,
  JobStatus,
  Json,
  ModelRecord,
  ModelSummaryRecord,
  ModelVersionRecord,
  ModelVersionWeights,
  QuotaOverrides,
  TenantRecord,
} from "./types.js";

export interface ModelSummaryRow {
  id: string;
  tenantId: string;
  name: string | null;
  spec: string;
  summary: string;
  version: number;
  currentVersion: number | null;
  createdAt: string;
  updatedAt: string;
}
export interface ModelRow extends ModelSummaryRow {
  weights: Buffer;
  generatorState: Buffer;
}
/** A row of `model_versions` as the stores read it, `bytes` being its weights' length. */
export interface ModelVersionRow {
  modelId: string;
  tenantId: string;
  version: number;
  jobId: string | null;
  metrics: string;
  createdAt: string;
  bytes: number;
}
export interface ModelVersionWeightsRow extends ModelVersionRow {
  weights: Buffer;
  generatorState: Buffer;
}
export interface DatasetSummaryRow {
  id: string;
  tenantId: string;
  name: string | null;
  numSamples: number;
  featureShape: string;
  featureDtype: "float32" | "uint8";
  labelShape: string;
  labelDtype: "int64" | "float32";
  numClasses: number | null;
  createdAt: string;
}
export interface DatasetRow extends DatasetSummaryRow {
  features: Buffer;
  labels: Buffer;
}
/**
 * A row of `jobs`. `Flag` is how the driver returns `cancel_requested`: SQLite has no boolean type
 * (0 or 1), Postgres returns a boolean.
 */
export interface JobRow<Flag> {
  id: string;
  tenantId: string;
  modelId: string;
  datasetId: string;
  validationDatasetId: string | null;
  spec: string;
  status: JobStatus;
  progress: string;
  metrics: string;
  error: string | null;
  idempotencyKey: string | null;
  cancelRequested: Flag;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}
/** A tenant's and an API key's columns are all text (a key's role checked by the schema): a row is its record. */
export type TenantRow = TenantRecord;
export type ApiKeyRow = ApiKeyRecord;
/** One of a tenant's quota overrides. */
export interface QuotaRow {
  name: string;
  value: number;
}
export const quotaOverrides = (rows: readonly QuotaRow[]): QuotaOverrides => Object.fromEntries(rows.map((row) => [row.name, row.value]));
export interface CheckpointRow {
  jobId: string;
  seq: number;
  state: Buffer;
  createdAt: string;
}

/** A row as the stores write it: a record's blobs are any Uint8Array, not only Buffers. */
export type Written<R> = { [K in keyof R]: R[K] extends Buffer ? Uint8Array : R[K] };
/** A new version's row (its `bytes` is its weights' length, not a column). */
export type NewVersionRow = Omit<Written<ModelVersionWeightsRow>, "bytes">;

export const toJson = (value: Json): string => JSON.stringify(value);
export const fromJson = <T = Json>(text: string): T => JSON.parse(text) as T;

/**
 * A plain Uint8Array with its own memory. Drivers return a blob as a Buffer; one that owns its
 * whole ArrayBuffer is viewed without copying (dropping the Buffer prototype), anything else (a
 * slice of Node's shared pool) is copied.
 */
export function bytes(buffer: Buffer): Uint8Array {
  if (buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength) {
    return new Uint8Array(buffer.buffer, 0, buffer.byteLength);
  }
  return new Uint8Array(buffer);
}

export function modelSummaryFromRow(row: ModelSummaryRow): ModelSummaryRecord {
  return {
    id: row.id,
    tenantId: row.tenantId,
    name: row.name,
    spec: fromJson(row.spec),
    summary: fromJson(row.summary),
    version: row.version,
    currentVersion: row.currentVersion,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function modelFromRow(row: ModelRow): ModelRecord {
  return { ...modelSummaryFromRow(row), weights: bytes(row.weights), generatorState: bytes(row.generatorState) };
}

export function versionFromRow(row: ModelVersionRow): ModelVersionRecord {
  return {
    modelId: row.modelId,
    tenantId: row.tenantId,
    version: row.version,
    jobId: row.jobId,
    metrics: fromJson(row.metrics),
    // Postgres's octet_length is an integer, SQLite's length too
    bytes: Number(row.bytes),
    createdAt: row.createdAt,
  };
}

export function versionWeightsFromRow(row: ModelVersionWeightsRow): ModelVersionWeights {
  return { ...versionFromRow(row), weights: bytes(row.weights), generatorState: bytes(row.generatorState) };
}

export function datasetSummaryFromRow(row: DatasetSummaryRow): DatasetSummaryRecord {
  return {
    id: row.id,
    tenantId: row.tenantId,
    name: row.name,
    numSamples: row.numSamples,
    featureShape: fromJson<number[]>(row.featureShape),
    featureDtype: row.featureDtype,
    labelShape: fromJson<number[]>(row.labelShape),
    labelDtype: row.labelDtype,
    numClasses: row.numClasses,
    createdAt: row.createdAt,
  };
}

export function datasetFromRow(row: DatasetRow): DatasetRecord {
  return { ...datasetSummaryFromRow(row), features: bytes(row.features), labels: bytes(row.labels) };
}

/** The job of a row whose `cancel_requested` the caller has read as a boolean (drivers differ there). */
export function jobFromRow(row: JobRow<unknown>, cancelRequested: boolean): JobRecord {
  return {
    id: row.id,
    tenantId: row.tenantId,
    modelId: row.modelId,
    datasetId: row.datasetId,
    validationDatasetId: row.validationDatasetId,
    spec: fromJson(row.spec),
    status: row.status,
    progress: fromJson(row.progress),
    metrics: fromJson(row.metrics),
    error: row.error === null ? null : fromJson<{ code: string; message: string }>(row.error),
    idempotencyKey: row.idempotencyKey,
    cancelRequested,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    updatedAt: row.updatedAt,
  };
}

export function modelToRow(model: ModelRecord): Written<ModelRow> {
  return {
    id: model.id,
    tenantId: model.tenantId,
    name: model.name,
    spec: toJson(model.spec),
    summary: toJson(model.summary),
    version: model.version,
    currentVersion: model.currentVersion,
    createdAt: model.createdAt,
    updatedAt: model.updatedAt,
    weights: model.weights,
    generatorState: model.generatorState,
  };
}

export function datasetToRow(dataset: DatasetRecord): Written<DatasetRow> {
  return {
    id: dataset.id,
    tenantId: dataset.tenantId,
    name: dataset.name,
    numSamples: dataset.numSamples,
    featureShape: JSON.stringify(dataset.featureShape),
    featureDtype: dataset.featureDtype,
    labelShape: JSON.stringify(dataset.labelShape),
    labelDtype: dataset.labelDtype,
    numClasses: dataset.numClasses,
    createdAt: dataset.createdAt,
    features: dataset.features,
    labels: dataset.labels,
  };
}

/** The columns of a job that its writes change (the rest is set at creation). */
export type JobChangesRow<Flag> = Pick<
  JobRow<Flag>,
  "status" | "progress" | "metrics" | "error" | "cancelRequested" | "startedAt" | "finishedAt" | "updatedAt"
>;

/** A job's changeable columns, with `cancel_requested` as the caller's driver stores it (see JobRow). */
export function jobChangesToRow<Flag>(job: JobRecord, cancelRequested: Flag): JobChangesRow<Flag> {
  return {
    status: job.status,
    progress: toJson(job.progress),
    metrics: toJson(job.metrics),
    error: job.error === null ? null : JSON.stringify(job.error),
    cancelRequested,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    updatedAt: job.updatedAt,
  };
}

/** The row of a job, with `cancel_requested` as the caller's driver stores it (see JobRow). */
export function jobToRow<Flag>(job: JobRecord, cancelRequested: Flag): JobRow<Flag> {
  return {
    ...jobChangesToRow(job, cancelRequested),
    id: job.id,
    tenantId: job.tenantId,
    modelId: job.modelId,
    datasetId: job.datasetId,
    validationDatasetId: job.validationDatasetId,
    spec: toJson(job.spec),
    idempotencyKey: job.idempotencyKey,
    createdAt: job.createdAt,
  };
}

export function checkpointFromRow(row: CheckpointRow): CheckpointRecord {
  return { jobId: row.jobId, seq: row.seq, state: bytes(row.state), createdAt: row.createdAt };
}
