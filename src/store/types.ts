/**
 * What Kiln stores. The store keeps specs, summaries and metrics as opaque JSON (the layers above
 * validate them with Zod); tensors travel as bytes. Timestamps are ISO-8601 strings in UTC.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ModelRecord {
  id: string;
  /** The tenant that owns it (TenantRecord.id); never changes. */
  tenantId: string;
  name: string | null;
  /** The model spec as accepted (input_shape, layers with in_features resolved, seed). */
  spec: Json;
  /** Derived facts shown by the API: num_params, per-layer output shapes, PyTorch's repr. */
  summary: Json;
  /** The weights as a safetensors file (F32, PyTorch's state-dict keys). */
  weights: Uint8Array;
  /** The model's random-number generator state (PyTorch's 5056-byte layout). */
  generatorState: Uint8Array;
  /** Bumped each time the weights change (what a cache of them checks; not a ModelVersionRecord's number). */
  version: number;
  /**
   * The ModelVersionRecord whose weights the model holds: the newest unless one was restored
   * (Store.restoreVersion); null while it holds the weights it was created with.
   */
  currentVersion: number | null;
  createdAt: string;
  updatedAt: string;
}

export type ModelSummaryRecord = Omit<ModelRecord, "weights" | "generatorState">;

/**
 * Weights a model held, kept: each succeeded job's (Store.finishJob) and each upload's
 * (Store.updateModelWeights), numbered 1, 2, … per model. They go with their model.
 */
export interface ModelVersionRecord {
  modelId: string;
  /** The model's tenant. */
  tenantId: string;
  /** 1, 2, … per model, in the order they were made; never reused. */
  version: number;
  /** The job whose success made it; null for weights uploaded, or held when versions began to be kept. */
  jobId: string | null;
  /** What the service kept of the job's final metrics (opaque JSON); null when no job made it. */
  metrics: Json;
  /** Bytes of its weights: what it counts against its tenant's bytes. */
  bytes: number;
  createdAt: string;
}

/** A version with its weights (safetensors) and the model's generator state as the weights were made. */
export interface ModelVersionWeights extends ModelVersionRecord {
  weights: Uint8Array;
  generatorState: Uint8Array;
}

export interface DatasetRecord {
  id: string;
  /** The tenant that owns it (TenantRecord.id); never changes. */
  tenantId: string;
  name: string | null;
  numSamples: number;
  /** Shape of one sample's features, e.g. [50]. */
  featureShape: number[];
  /** How the features are stored: float32, or uint8 for images (which the model converts). */
  featureDtype: "float32" | "uint8";
  /** Shape of one sample's label: [] for class indices or scalar targets. */
  labelShape: number[];
  labelDtype: "int64" | "float32";
  /** For int64 labels: max label + 1; null for float labels. */
  numClasses: number | null;
  /** Raw little-endian bytes of featureDtype, numSamples × featureShape. */
  features: Uint8Array;
  /** Raw little-endian bytes of labelDtype, numSamples × labelShape. */
  labels: Uint8Array;
  createdAt: string;
}

export type DatasetSummaryRecord = Omit<DatasetRecord, "features" | "labels">;

/** Bytes `[start, start + length)` of a blob. */
export interface ByteRange {
  start: number;
  length: number;
}

/** Every status a job can be in; the API's enums are built from this list. */
export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "cancelled"];

export interface JobRecord {
  id: string;
  /** The tenant that owns it (TenantRecord.id); never changes. Its events and checkpoint are the job's. */
  tenantId: string;
  modelId: string;
  datasetId: string;
  validationDatasetId: string | null;
  /** The training spec as accepted (loss, optimizer, epochs, batch_size, ...). */
  spec: Json;
  status: JobStatus;
  /** { epoch, epochs, step, total_steps } */
  progress: Json;
  /** { loss, epochs: [{ epoch, lr, train_loss, train_accuracy?, val_loss?, val_accuracy? }] } */
  metrics: Json;
  error: { code: string; message: string } | null;
  /** Unique per tenant: two tenants may use the same key. */
  idempotencyKey: string | null;
  /** Whether a cancel was requested (the job stops at its next step). */
  cancelRequested: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

/** A run's hold on a job (Store.beginAttempt): its fencing token, and where the job's events end. */
export interface JobAttempt {
  job: JobRecord;
  /** The run's number, counting from 1 per job: what each of its writes passes to be let through. */
  attempt: number;
  /** The job's last event's seq when the run began (0 if none). */
  lastSeq: number;
}

export type JobEventType = "progress" | "epoch" | "status" | "done";

/** One server-sent event of a job; `seq` counts from 1 per job and is the SSE event id. */
export interface JobEvent {
  jobId: string;
  seq: number;
  type: JobEventType;
  data: Json;
}

/** An event as a writer gives it: the store numbers it (`seq`) and files it under its job. */
export type NewEvent = Omit<JobEvent, "jobId" | "seq">;

/** Everything needed to resume a running job exactly; `seq` is the last event it accounts for. */
export interface CheckpointRecord {
  jobId: string;
  seq: number;
  state: Uint8Array;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  /** Pass as `after` to get the next page; null on the last page. */
  nextCursor: string | null;
}

/** What a tenant holds in the store: what its quotas count (Store.tenantUsage). */
export interface TenantUsage {
  models: number;
  datasets: number;
  /** Bytes of its models' weights, their kept versions' and its datasets' features and labels. */
  bytes: number;
  queuedJobs: number;
  runningJobs: number;
}

export interface ListOptions {
  limit?: number;
  /** The id after which to continue (items are ordered by creation, oldest first). */
  after?: string;
  /** Only this tenant's items (all tenants' when left out: the service's own work, e.g. requeueing). */
  tenantId?: string;
}

/** The tenant every resource belonged to before tenants existed, and the open (keyless) mode's tenant. */
export const DEFAULT_TENANT: TenantRecord = { id: "ten_default", name: "default", createdAt: "1970-01-01T00:00:00.000Z" };

/** Who owns resources: every model, dataset and job belongs to one tenant. */
export interface TenantRecord {
  id: string;
  /** Unique: 1 to 64 characters of [a-z0-9-]. */
  name: string;
  createdAt: string;
}

/**
 * A tenant's own quota limits, set by the operator over the service's defaults: quota name →
 * limit. The store keeps whatever names it is given; the service names the quotas.
 */
export type QuotaOverrides = Record<string, number>;

/** What a key may do: manage its tenant's keys and everything else (admin), everything else (member), GET only (read). */
export const KEY_ROLES = ["admin", "member", "read"] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

/**
 * An API key, without the key: the store keeps a SHA-256 hash of the whole key and a short public
 * prefix (part of the key itself) to find the record by, never the key.
 */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  /** The key's public part (unique), which the key starts with: what finds the record. */
  prefix: string;
  /** SHA-256 of the whole key, lowercase hex. */
  hash: string;
  role: KeyRole;
  name: string | null;
  createdAt: string;
  /** After this time the key is refused; null: never. */
  expiresAt: string | null;
  /** When it was revoked (it is refused from then on); null: not revoked. */
  revokedAt: string | null;
  /** When it was last used, to within a minute or so (uses are recorded in batches). */
  lastUsedAt: string | null;
}
