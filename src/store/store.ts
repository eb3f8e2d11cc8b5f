import type {
  ByteRange,
  CheckpointRecord,
  DatasetRecord,
  DatasetSummaryRecord,
  Json,
  JobAttempt,
  JobEvent,
  JobRecord,
  JobStatus,
  ApiKeyRecord,
  ListOptions,
  ModelRecord,
  ModelSummaryRecord,
  ModelVersionRecord,
  ModelVersionWeights,
  NewEvent,
  Page,
  QuotaOverrides,
  TenantRecord,
  TenantUsage,
} from "./types.js";
import type { EventRetentionPolicy, PruneBudget, PruneResult } from "./retention.js";

/**
 * Raised when a write conflicts with what is stored. The HTTP layer answers 409, except for
 * "attempt_superseded", which only a run's own writes can raise (never a request's).
 */
export class StoreConflictError extends Error {
  override name = "StoreConflictError";
  constructor(
    message: string,
    readonly code: "model_in_use" | "dataset_in_use" | "job_active" | "version_conflict" | "job_not_active" | "attempt_superseded",
  ) {
    super(message);
  }
}

/** What a succeeded job writes to its model (Store.finishJob). */
export interface ModelUpdate {
  modelId: string;
  /** The trained weights, as a safetensors file. */
  weights: Uint8Array;
  generatorState: Uint8Array;
  /** What the new version keeps of the job's final metrics (ModelVersionRecord.metrics); null if left out. */
  metrics?: Json;
}

/**
 * Durable storage for models, datasets, jobs, their events and checkpoints. Every method is one
 * atomic transaction: after it resolves, its effect survives a crash (kill -9) of the process.
 * Implementations: SQLite (embedded default) and Postgres (shared by the processes of a
 * deployment), behind one contract (test/store/contract.ts).
 *
 * Rules every implementation keeps for jobs:
 * - A job in a terminal status (succeeded, failed, cancelled) is final: updateJob, finishJob,
 *   appendEvents, saveCheckpoint and truncateEvents on it throw StoreConflictError
 *   ("job_not_active") and change nothing. So nothing is ever stored after a job's `done` event,
 *   which finishJob writes last.
 * - Fencing: each run of a job (the first, and every resume after a crash, a shutdown or a lost
 *   queue lock) begins with beginAttempt, which numbers it; the run passes that `attempt` to every
 *   write it makes (updateJob, finishJob, appendEvents, saveCheckpoint, truncateEvents). A write
 *   whose attempt is not the job's latest throws StoreConflictError("attempt_superseded") and
 *   changes nothing, whatever else is wrong with it: a newer run owns the job, and a paused run
 *   that wakes up cannot write over it. The check runs under the job's row lock, in the write's
 *   transaction. Writes that are not a run's (a cancel request) pass no attempt and are not fenced.
 * - A job that becomes terminal through updateJob also loses its checkpoint, as with finishJob.
 * - createJob throws a plain Error if the model, dataset or validation dataset does not exist
 *   (checked in the same transaction, so a concurrent delete cannot slip in between).
 * - appendEvents and saveCheckpoint throw a plain Error for an unknown job; truncateEvents,
 *   listEvents and getCheckpoint treat it as having no events or checkpoint.
 * - finishJob requires a terminal status; its modelUpdate must name an existing model (else it
 *   throws and nothing is written). The model update is applied whenever it is given: the weights
 *   become the model's newest version, made by the job, and its current weights.
 *
 * Rules for listings: `limit` defaults to PAGE_LIMITS.default and is clamped to [1, PAGE_LIMITS.max];
 * an `after` naming a deleted model or dataset still continues at its place; an `after` that never
 * existed throws StoreCursorError (a RangeError). `listJobs({ status: [] })` matches nothing, like
 * `countJobs([])` counts nothing. With `tenantId`, a listing holds that tenant's items only, and
 * an `after` naming another tenant's item (live or deleted) throws StoreCursorError as one that
 * never existed: a listing tells nothing of other tenants' ids.
 *
 * Tenants and API keys are never deleted (a key is revoked instead). Timestamps compared by the
 * store (a key's expiry, its last use) are the records' ISO-8601 UTC strings, which compare as text.
 */
export interface Store {
  createModel(model: ModelRecord): Promise<void>;
  getModel(id: string): Promise<ModelRecord | null>;
  /** The model without its weights and generator state (what views and size checks need). */
  getModelSummary(id: string): Promise<ModelSummaryRecord | null>;
  /** The model's weights version, or null if there is no such model: what a cache of it checks. */
  getModelVersion(id: string): Promise<number | null>;
  listModels(options?: ListOptions): Promise<Page<ModelSummaryRecord>>;
  /**
   * Deletes a model and its versions; StoreConflictError("model_in_use") while a queued or running
   * job uses it. Returns false if absent.
   */
  deleteModel(id: string): Promise<boolean>;
  /**
   * Replaces a model's weights and generator state, keeps them as its newest version (made by no
   * job) and bumps its `version`. With `expectedVersion`, fails with
   * StoreConflictError("version_conflict") if the model changed meanwhile.
   */
  updateModelWeights(id: string, weights: Uint8Array, generatorState: Uint8Array, expectedVersion?: number): Promise<ModelRecord | null>;

  /**
   * The model's versions, oldest first, without their weights; `after` is a version number (as
   * text), and one the model never had throws StoreCursorError. Empty for an unknown model.
   * `tenantId` is not used: the caller checks the model's.
   */
  listVersions(modelId: string, options?: Omit<ListOptions, "tenantId">): Promise<Page<ModelVersionRecord>>;
  /** One version of a model with its weights; null if the model or the version does not exist. */
  getVersion(modelId: string, version: number): Promise<ModelVersionWeights | null>;
  /** The version a job made when it succeeded, with its weights; null if none is kept (or no such job). */
  getVersionOfJob(jobId: string): Promise<ModelVersionWeights | null>;
  /**
   * Makes a kept version's weights and generator state the model's current ones (currentVersion
   * set to it, `version` bumped), copying them inside the store. Null, writing nothing, if the
   * model or the version does not exist.
   */
  restoreVersion(modelId: string, version: number): Promise<ModelSummaryRecord | null>;

  createDataset(dataset: DatasetRecord): Promise<void>;
  getDataset(id: string): Promise<DatasetRecord | null>;
  getDatasetSummary(id: string): Promise<DatasetSummaryRecord | null>;
  /**
   * Slices of a dataset's feature and label bytes (clipped at their ends), without the rest: a
   * few samples of a large dataset. Null for an unknown id.
   */
  getDatasetBytes(id: string, ranges: { features: ByteRange; labels: ByteRange }): Promise<{ features: Uint8Array; labels: Uint8Array } | null>;
  listDatasets(options?: ListOptions): Promise<Page<DatasetSummaryRecord>>;
  /** Deletes a dataset; StoreConflictError("dataset_in_use") while a queued or running job uses it. */
  deleteDataset(id: string): Promise<boolean>;

  /**
   * Creates a job and its first event ("status": queued). When the job's tenant already stored a
   * job with `job.idempotencyKey`, creates nothing and returns that job with `created: false`.
   */
  createJob(job: JobRecord, firstEvent: NewEvent): Promise<{ job: JobRecord; created: boolean }>;
  /**
   * Deletes an ended job with its events and checkpoint, in one transaction;
   * StoreConflictError("job_active") while it is queued or running. The model version it made
   * stays, naming it in `jobId`. Its Idempotency-Key is freed with it. Returns false if absent.
   */
  deleteJob(id: string): Promise<boolean>;
  getJob(id: string): Promise<JobRecord | null>;
  /** The job the tenant created with this Idempotency-Key, if any. */
  getJobByIdempotencyKey(tenantId: string, key: string): Promise<JobRecord | null>;
  listJobs(options?: ListOptions & { status?: JobStatus[] }): Promise<Page<JobRecord>>;
  /** Jobs in these statuses: the tenant's when given, else all. */
  countJobs(statuses: JobStatus[], tenantId?: string): Promise<number>;
  /**
   * What the tenant holds (its quotas' use): a few aggregates over indexed rows, reading no blob
   * (its sizes come from the rows' headers, or TOAST pointers in Postgres). Zeros for an unknown tenant.
   */
  tenantUsage(tenantId: string): Promise<TenantUsage>;
  /**
   * Begins a run of a job: numbers it with the job's next attempt (fencing out every earlier run)
   * and returns the job as it is, that attempt and the seq of its last event (0 if none). Null,
   * and no new attempt, when there is no such job or it has ended: there is nothing to run.
   */
  beginAttempt(id: string): Promise<JobAttempt | null>;
  /**
   * Moves a queued job to running (status, startedAt, `events`) unless its tenant already runs
   * `runningLimit` jobs: then it writes nothing and returns "at_limit". The count and the write are
   * one transaction, serialised per tenant across processes, so concurrent starts never pass the
   * limit. Null for an unknown job; the rules above apply for ended jobs and `attempt`.
   */
  startJob(id: string, startedAt: string, events: NewEvent[], attempt: number, runningLimit: number): Promise<JobRecord | "at_limit" | null>;
  /**
   * Patches a job's mutable fields and appends `events` (numbered after the last) in one
   * transaction. Null for an unknown job; see the rules above for ended jobs and `attempt`.
   */
  updateJob(
    id: string,
    patch: Partial<Pick<JobRecord, "status" | "progress" | "metrics" | "error" | "startedAt" | "finishedAt" | "cancelRequested">>,
    events?: NewEvent[],
    attempt?: number,
  ): Promise<JobRecord | null>;
  /**
   * Ends a job: its final patch and events, plus, on success, the model's new weights and generator
   * state, kept as the model's newest version (made by this job, with `metrics`) — all in one
   * transaction, so a crash never leaves a succeeded job with old weights or without its version.
   * `events` may be a function of the ended job (for a last event that carries it). Also drops the
   * job's checkpoint. Null for an unknown job; a superseded `attempt` writes no weights either.
   */
  finishJob(
    id: string,
    patch: Pick<JobRecord, "status" | "metrics" | "error" | "finishedAt"> & Partial<Pick<JobRecord, "progress">>,
    events: NewEvent[] | ((ended: JobRecord) => NewEvent[]),
    modelUpdate?: ModelUpdate,
    attempt?: number,
  ): Promise<JobRecord | null>;

  /** Appends events, numbered after the job's last event; returns the last seq. Throws a plain Error for an unknown job. */
  appendEvents(jobId: string, events: NewEvent[], attempt?: number): Promise<number>;
  /**
   * Events with seq > afterSeq, in order: at most `limit`, those of seqs (afterSeq, afterSeq + limit],
   * read without touching the rows of later events. Seq has gaps where retention deleted events
   * (pruneEvents), so a page may hold fewer than `limit` though more follow; it is empty only when
   * no event follows afterSeq (read pages until one is empty).
   */
  listEvents(jobId: string, afterSeq?: number, limit?: number): Promise<JobEvent[]>;

  /**
   * Saves the job's checkpoint (replacing the previous) after appending `events`, atomically; the
   * checkpoint's seq is the last event's. Throws a plain Error for an unknown job.
   */
  saveCheckpoint(jobId: string, state: Uint8Array, events: NewEvent[], attempt?: number): Promise<CheckpointRecord>;
  getCheckpoint(jobId: string): Promise<CheckpointRecord | null>;
  /** Deletes the job's events after `seq` (a resumed job regenerates them identically); nothing for an unknown job. */
  truncateEvents(jobId: string, afterSeq: number, attempt?: number): Promise<void>;
  /**
   * One bounded step of event retention; a pass calls it from cursor null until `done`. Visits at
   * most `budget.maxJobs` jobs after `cursor` (a job id), in creation order, and deletes whole rows
   * of their `progress` events as `policy` says, at most `budget.maxRows` rows (then the next step
   * starts at the job it stopped in). Other events (`epoch`, `status`, `done`) and a job's last row
   * stay; readers see gaps in seq.
   */
  pruneEvents(policy: EventRetentionPolicy, cursor: string | null, budget: PruneBudget): Promise<PruneResult>;

  /**
   * Creates a tenant; when its name is taken, creates nothing and returns the existing one with
   * `created: false`. The default tenant (DEFAULT_TENANT) always exists.
   */
  createTenant(tenant: TenantRecord): Promise<{ tenant: TenantRecord; created: boolean }>;
  getTenant(id: string): Promise<TenantRecord | null>;
  getTenantByName(name: string): Promise<TenantRecord | null>;
  listTenants(options?: Omit<ListOptions, "tenantId">): Promise<Page<TenantRecord>>;
  /** The tenant's quota overrides; {} when it has none (or does not exist). */
  getTenantQuotas(tenantId: string): Promise<QuotaOverrides>;
  /**
   * Sets (a number) or clears (null) some of the tenant's quota overrides in one transaction and
   * returns all of them afterwards; null, writing nothing, if there is no such tenant.
   */
  setTenantQuotas(tenantId: string, changes: Record<string, number | null>): Promise<QuotaOverrides | null>;

  /** Stores a key's record; a plain Error if its tenant does not exist. */
  createApiKey(key: ApiKeyRecord): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  /** The key record whose public prefix this is: what authenticating a request reads. */
  getApiKeyByPrefix(prefix: string): Promise<ApiKeyRecord | null>;
  /** Keys in creation order: the tenant's when `tenantId` is given, else all (revoked ones too). */
  listApiKeys(options?: ListOptions): Promise<Page<ApiKeyRecord>>;
  /** Whether any key that is neither revoked nor expired at `now` exists (the start-up auth mode check). */
  hasActiveApiKeys(now: string): Promise<boolean>;
  /** Sets revokedAt (once: a revoked key keeps its first revocation time); null if there is no such key. */
  revokeApiKey(id: string, at: string): Promise<ApiKeyRecord | null>;
  /** Records when keys were last used (batched by the caller); unknown ids are ignored. */
  recordApiKeyUse(uses: { id: string; at: string }[]): Promise<void>;

  /** Quick liveness check for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
