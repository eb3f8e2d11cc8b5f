/**
 * The column lists of the SQL stores (SQLite and Postgres), each written once. A column is named
 * by its row field (rows.ts, event_rows.ts): the field `createdAt` is the column `created_at`,
 * selected `AS "createdAt"` (a double-quoted alias keeps its case in both databases).
 */
import type { EventRow } from "./event_rows.js";
import type {
  ApiKeyRow,
  CheckpointRow,
  DatasetRow,
  DatasetSummaryRow,
  JobChangesRow,
  JobRow,
  ModelRow,
  ModelSummaryRow,
  ModelVersionRow,
  TenantRow,
} from "./rows.js";

type Missing<Row, L extends readonly string[]> = Exclude<keyof Row & string, L[number]>;

/** The list of every field of `Row`, checked: a field left out is a compile error. */
const allFieldsOf =
  <Row>() =>
  <const L extends readonly (keyof Row & string)[]>(
    fields: L & ([Missing<Row, L>] extends [never] ? unknown : { missing: Missing<Row, L> }),
  ): L =>
    fields;

export const MODEL_SUMMARY_COLUMNS = allFieldsOf<ModelSummaryRow>()([
  "id",
  "tenantId",
  "name",
  "spec",
  "summary",
  "version",
  "currentVersion",
  "createdAt",
  "updatedAt",
]);
export const MODEL_COLUMNS = allFieldsOf<ModelRow>()([...MODEL_SUMMARY_COLUMNS, "weights", "generatorState"]);
/** A version's columns but its blobs; `bytes` is not a column (each store selects its weights' length). */
export const VERSION_SUMMARY_COLUMNS = ["modelId", "tenantId", "version", "jobId", "metrics", "createdAt"] as const satisfies readonly (keyof ModelVersionRow)[];
export const DATASET_SUMMARY_COLUMNS = allFieldsOf<DatasetSummaryRow>()([
  "id",
  "tenantId",
  "name",
  "numSamples",
  "featureShape",
  "featureDtype",
  "labelShape",
  "labelDtype",
  "numClasses",
  "createdAt",
]);
export const DATASET_COLUMNS = allFieldsOf<DatasetRow>()([...DATASET_SUMMARY_COLUMNS, "features", "labels"]);
export const JOB_COLUMNS = allFieldsOf<JobRow<unknown>>()([
  "id",
  "tenantId",
  "modelId",
  "datasetId",
  "validationDatasetId",
  "spec",
  "status",
  "progress",
  "metrics",
  "error",
  "idempotencyKey",
  "cancelRequested",
  "createdAt",
  "startedAt",
  "finishedAt",
  "updatedAt",
]);
/** What a write to a job changes. */
export const JOB_MUTABLE_COLUMNS = allFieldsOf<JobChangesRow<unknown>>()([
  "status",
  "progress",
  "metrics",
  "error",
  "cancelRequested",
  "startedAt",
  "finishedAt",
  "updatedAt",
]);
export const EVENT_COLUMNS = allFieldsOf<EventRow>()(["jobId", "seq", "nEvents", "type", "data"]);
export const CHECKPOINT_COLUMNS = allFieldsOf<CheckpointRow>()(["jobId", "seq", "state", "createdAt"]);
export const TENANT_COLUMNS = allFieldsOf<TenantRow>()(["id", "name", "createdAt"]);
export const API_KEY_COLUMNS = allFieldsOf<ApiKeyRow>()([
  "id",
  "tenantId",
  "prefix",
  "hash",
  "role",
  "name",
  "createdAt",
  "expiresAt",
  "revokedAt",
  "lastUsedAt",
]);

/** A driver's parameter marker for the n-th value (from 1): SQLite's `?`, Postgres's `$n`. */
export type Param = (n: number) => string;

const column = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `id, created_at AS "createdAt", …`: the columns under their row fields' names. */
export function selectList(fields: readonly string[]): string {
  return fields.map((f) => (column(f) === f ? f : `${column(f)} AS "${f}"`)).join(", ");
}

/** `INSERT INTO table (id, created_at, …) VALUES (…)`, the values bound in the fields' order. */
export function insertInto(table: string, fields: readonly string[], param: Param): string {
  return `INSERT INTO ${table} (${fields.map(column).join(", ")}) VALUES (${fields.map((_, i) => param(i + 1)).join(", ")})`;
}

/** `status = …, updated_at = …`, the values bound in the fields' order (a WHERE's come after). */
export function setList(fields: readonly string[], param: Param): string {
  return fields.map((f, i) => `${column(f)} = ${param(i + 1)}`).join(", ");
}

/** The row's values of `fields`, in their order (what insertInto and setList bind). */
export function valuesOf<R>(row: R, fields: readonly (keyof R)[]): unknown[] {
  return fields.map((f) => row[f]);
}

/** The select lists of the row types, built once (Postgres's queries are strings run each time). */
export const SELECT_LIST = {
  modelSummary: selectList(MODEL_SUMMARY_COLUMNS),
  model: selectList(MODEL_COLUMNS),
  datasetSummary: selectList(DATASET_SUMMARY_COLUMNS),
  dataset: selectList(DATASET_COLUMNS),
  job: selectList(JOB_COLUMNS),
  event: selectList(EVENT_COLUMNS),
  checkpoint: selectList(CHECKPOINT_COLUMNS),
  tenant: selectList(TENANT_COLUMNS),
  version: selectList(VERSION_SUMMARY_COLUMNS),
  apiKey: selectList(API_KEY_COLUMNS),
} as const;

/**
 * Restores a kept version (Store.restoreVersion) and returns the model's summary: the version's
 * blobs are copied inside the database, never read into the process. `p` names the parameters.
 */
export function restoreVersionSql(p: Record<"modelId" | "version" | "updatedAt", string>): string {
  const kept = (column: string) => `(SELECT ${column} FROM model_versions WHERE model_id = ${p.modelId} AND version = ${p.version})`;
  return `UPDATE models SET weights = ${kept("weights")}, generator_state = ${kept("generator_state")},
      version = version + 1, current_version = ${p.version}, updated_at = ${p.updatedAt}
    WHERE id = ${p.modelId} AND EXISTS ${kept("1")}
    RETURNING ${SELECT_LIST.modelSummary}`;
}
