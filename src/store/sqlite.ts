import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import {
  API_KEY_COLUMNS,
  CHECKPOINT_COLUMNS,
  DATASET_COLUMNS,
  EVENT_COLUMNS,
  insertInto,
  JOB_COLUMNS,
  JOB_MUTABLE_COLUMNS,
  MODEL_COLUMNS,
  restoreVersionSql,
  SELECT_LIST,
  setList,
  TENANT_COLUMNS,
  valuesOf,
  type Param,
} from "./columns.js";
import {
  applyPatch,
  checkJobWrite,
  clampLimit,
  isTerminal,
  now,
  page,
  StoreCursorError,
  UPLOAD,
  versionAfter,
  versionPage,
  type JobPatch,
  type VersionOrigin,
  type DeletedKind,
} from "./common.js";
import { eventsAfter, lastSeqOfPage, packEvents, truncateRow, type EventRow } from "./event_rows.js";
import { retentionStep, type EventRetentionPolicy, type ProgressDeletion, type PruneBudget, type PruneResult, type RetentionJob } from "./retention.js";
import {
  bytes,
  checkpointFromRow,
  datasetFromRow,
  datasetSummaryFromRow,
  datasetToRow,
  jobChangesToRow,
  jobFromRow,
  jobToRow,
  modelFromRow,
  modelSummaryFromRow,
  modelToRow,
  quotaOverrides,
  toJson,
  versionWeightsFromRow,
  type ApiKeyRow,
  type CheckpointRow,
  type DatasetRow,
  type DatasetSummaryRow,
  type JobRow,
  type ModelRow,
  type ModelSummaryRow,
  type ModelVersionRow,
  type ModelVersionWeightsRow,
  type NewVersionRow,
  type QuotaRow,
  type TenantRow,
} from "./rows.js";
import { migrate } from "./sqlite_schema.js";
import { StoreConflictError, type Store } from "./store.js";
import type {
  ApiKeyRecord,
  ByteRange,
  CheckpointRecord,
  DatasetRecord,
  DatasetSummaryRecord,
  JobAttempt,
  JobEvent,
  JobRecord,
  JobStatus,
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

export { StoreCursorError };

export interface SqliteStoreOptions {
  /** Database file (parent directories are created), or ":memory:" for a throwaway store. */
  path: string;
}

/** Must match the partial indexes' WHERE in sqlite_schema.ts for SQLite to use them. */
const ACTIVE = `status IN ('queued', 'running')`;
const param: Param = () => "?";

/** SQLite has no boolean type: cancel_requested is 0 or 1. */
type SqliteJobRow = JobRow<0 | 1>;
const flag = (value: boolean): 0 | 1 => (value ? 1 : 0);
/** A job's row as the writes to it read it: with the attempt they check. */
type SqliteJobWriteRow = SqliteJobRow & { attempt: number };
const jobFromSqliteRow = (row: SqliteJobRow): JobRecord => jobFromRow(row, row.cancelRequested === 1);

// ---- Statements of the transactions (each runs inside one, see SqliteStore.transaction) ----

/**
 * The row of a job about to be written, checked (checkJobWrite). The write transactions are
 * IMMEDIATE: they hold the database's write lock, so the row stays as read until they commit.
 */
function jobForWrite(s: Statements, id: string, attempt: number | undefined): SqliteJobWriteRow | undefined {
  const row = s.getJobForWrite.get(id);
  if (row) checkJobWrite(id, row, attempt);
  return row;
}

/** The seq of the job's last event, 0 if none. */
function lastSeq(s: Statements, jobId: string): number {
  return s.lastSeq.get(jobId)?.seq ?? 0;
}

/** Appends events after the job's last (runs of steps packed, event_rows.ts); returns the last seq. */
function append(s: Statements, jobId: string, events: readonly NewEvent[]): number {
  const last = lastSeq(s, jobId);
  for (const row of packEvents(jobId, events, last + 1)) s.insertEvent.run(...valuesOf(row, EVENT_COLUMNS));
  return last + events.length;
}

/** Writes the job's mutable fields; a job that ends loses its checkpoint. */
function writeJob(s: Statements, job: JobRecord): void {
  s.updateJob.run(...valuesOf(jobChangesToRow(job, flag(job.cancelRequested)), JOB_MUTABLE_COLUMNS), job.id);
  if (isTerminal(job.status)) s.deleteCheckpoint.run(job.id);
}

/**
 * Replaces a model's weights, keeps them as its newest version (made by `origin.jobId`, null: an
 * upload) and bumps its `version`; the new `version`, or undefined if the model is absent.
 */
function setWeights(
  s: Statements,
  id: string,
  weights: Uint8Array,
  generatorState: Uint8Array,
  origin: VersionOrigin,
  expectedVersion?: number,
): number | undefined {
  const row = s.modelForWeights.get(id);
  if (!row) return undefined;
  if (expectedVersion !== undefined && row.version !== expectedVersion) {
    throw new StoreConflictError(`model ${id} is at version ${row.version}, not ${expectedVersion}`, "version_conflict");
  }
  const at = now();
  const kept = s.lastVersion.get(id)!.last + 1;
  s.insertVersion.run({ modelId: id, version: kept, tenantId: row.tenantId, jobId: origin.jobId, metrics: toJson(origin.metrics), createdAt: at, generatorState, weights });
  s.updateWeights.run({ id, weights, generatorState, version: row.version + 1, currentVersion: kept, updatedAt: at });
  return row.version + 1;
}

/** Remembers a deleted model's, dataset's or job's seq and tenant, so a cursor naming it still continues in place. */
function rememberDeleted(s: Statements, kind: DeletedKind, id: string, row: { seq: number; tenantId: string }): void {
  s.insertDeleted.run(kind, id, row.seq, row.tenantId);
}

/** The statements of a listing, with and without a tenant filter (see `listing`). */
type Listing<R, P extends unknown[]> = ReturnType<typeof listing<R, P>>;

/** A listing's rows after the seq `after`: the tenant's when one is given. */
function listRows<R, P extends unknown[]>(
  list: Listing<R, P>,
  tenantId: string | undefined,
  params: P,
  after: number,
  limit: number,
): R[] {
  return tenantId === undefined ? list.all.all(...params, after, limit) : list.tenant.all(tenantId, ...params, after, limit);
}

/**
 * The embedded SQLite implementation of Store (better-sqlite3, synchronous under the hood): the
 * rules are the interface's (store.ts); each write is one IMMEDIATE transaction, so the one writer
 * connection of this process holds SQLite's write lock for its whole read-then-write.
 */
export class SqliteStore implements Store {
  private readonly s: Statements;
  /** Runs its argument in a transaction (better-sqlite3 wraps a function once, so it takes the work). */
  private readonly run: Database.Transaction<(work: () => unknown) => unknown>;

  private constructor(private readonly db: Database.Database) {
    this.s = prepareStatements(db);
    this.run = db.transaction((work: () => unknown) => work());
  }

  static open(options: SqliteStoreOptions): SqliteStore {
    const memory = options.path === ":memory:";
    if (!memory) mkdirSync(dirname(resolve(options.path)), { recursive: true });
    const db = new Database(options.path);
    try {
      // Wait (up to 5 s) for other connections' locks instead of failing with SQLITE_BUSY.
      db.pragma("busy_timeout = 5000");
      // Write-ahead log: readers never block the writer and vice versa, and a commit is a single
      // append to the -wal file.
      const mode = db.pragma("journal_mode = WAL", { simple: true });
      if (!memory && mode !== "wal") throw new Error(`SQLite refused WAL mode (journal_mode=${String(mode)})`);
      // In WAL mode, synchronous=NORMAL writes every commit to the -wal file before the commit
      // returns but only fsyncs at checkpoints. The committed bytes are then in the OS page cache,
      // which outlives the process: a crash or kill -9 of the process loses nothing (the next
      // open replays the WAL). Only an OS crash or power loss can drop the last transactions —
      // and never corrupts the database. That is the Store contract (survive kill -9) without an
      // fsync per commit (synchronous=FULL).
      db.pragma("synchronous = NORMAL");
      // Enforced per connection, off by default in SQLite.
      db.pragma("foreign_keys = ON");
      migrate(db);
      return new SqliteStore(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Runs `work` in one IMMEDIATE transaction: committed if it returns, else rolled back. It takes
   * the write lock up front, so a read-then-write never fails on a lock upgrade.
   */
  private transaction<T>(work: () => T): T {
    return this.run.immediate(work) as T; // what `work` returned
  }

  /** Runs the reads of `work` in one deferred transaction, so that they see one state of the database. */
  private snapshot<T>(work: () => T): T {
    return this.run.deferred(work) as T; // what `work` returned
  }

  /**
   * The seq after which a listing continues; a deleted model's, dataset's or job's is remembered. With
   * `tenantId`, an item of another tenant is refused as one that never existed.
   */
  private cursorSeq(kind: "model" | "dataset" | "job" | "tenant" | "apiKey", after: string | undefined, tenantId?: string): number {
    if (after === undefined) return 0;
    const { s } = this;
    const row = kind === "tenant" ? s.seqOf.tenant.get(after) : (s.cursorOf[kind].get(after) ?? (kind === "apiKey" ? undefined : s.deletedCursor.get(kind, after)));
    if (!row || (tenantId !== undefined && "tenantId" in row && row.tenantId !== null && row.tenantId !== tenantId)) throw new StoreCursorError(after);
    return row.seq;
  }

  /** A page of a listing, in creation order (the tenant's items when `options.tenantId` is given). */
  private list<R extends { id: string }, T, P extends unknown[]>(
    kind: "model" | "dataset" | "job" | "apiKey",
    list: Listing<R, P>,
    fromRow: (row: R) => T,
    options: ListOptions,
    params: P,
  ): Page<T> {
    return this.snapshot(() => {
      const limit = clampLimit(options.limit);
      const after = this.cursorSeq(kind, options.after, options.tenantId);
      return page(listRows(list, options.tenantId, params, after, limit + 1), limit, fromRow);
    });
  }

  // ---- Models ----

  async createModel(model: ModelRecord): Promise<void> {
    this.s.insertModel.run(...valuesOf(modelToRow(model), MODEL_COLUMNS));
  }

  async getModel(id: string): Promise<ModelRecord | null> {
    const row = this.s.getModel.get(id);
    return row ? modelFromRow(row) : null;
  }

  async getModelSummary(id: string): Promise<ModelSummaryRecord | null> {
    const row = this.s.getModelSummary.get(id);
    return row ? modelSummaryFromRow(row) : null;
  }

  async getModelVersion(id: string): Promise<number | null> {
    return this.s.modelVersion.get(id)?.version ?? null;
  }

  async listModels(options: ListOptions = {}): Promise<Page<ModelSummaryRecord>> {
    return this.list("model", this.s.listModels, modelSummaryFromRow, options, []);
  }

  async deleteModel(id: string): Promise<boolean> {
    const { s } = this;
    return this.transaction(() => {
      const row = s.cursorOf.model.get(id);
      if (!row) return false;
      if (s.modelInUse.get(id)) {
        throw new StoreConflictError(`model ${id} is used by a queued or running job`, "model_in_use");
      }
      s.deleteModel.run(id);
      rememberDeleted(s, "model", id, row);
      return true;
    });
  }

  async updateModelWeights(
    id: string,
    weights: Uint8Array,
    generatorState: Uint8Array,
    expectedVersion?: number,
  ): Promise<ModelRecord | null> {
    const { s } = this;
    return this.transaction(() => {
      if (setWeights(s, id, weights, generatorState, UPLOAD, expectedVersion) === undefined) return null;
      return modelFromRow(s.getModel.get(id)!);
    });
  }

  // ---- Versions ----

  async listVersions(modelId: string, options: Omit<ListOptions, "tenantId"> = {}): Promise<Page<ModelVersionRecord>> {
    const { s } = this;
    return this.snapshot(() => {
      const limit = clampLimit(options.limit);
      const after = versionAfter(options.after);
      if (after > 0 && !s.versionExists.get(modelId, after)) throw new StoreCursorError(options.after!);
      return versionPage(s.listVersions.all(modelId, after, limit + 1), limit);
    });
  }

  async getVersion(modelId: string, version: number): Promise<ModelVersionWeights | null> {
    const row = this.s.getVersion.get(modelId, version);
    return row ? versionWeightsFromRow(row) : null;
  }

  async getVersionOfJob(jobId: string): Promise<ModelVersionWeights | null> {
    const row = this.s.getVersionOfJob.get(jobId);
    return row ? versionWeightsFromRow(row) : null;
  }

  async restoreVersion(modelId: string, version: number): Promise<ModelSummaryRecord | null> {
    const row = this.s.restoreVersion.get({ modelId, version, updatedAt: now() });
    return row ? modelSummaryFromRow(row) : null;
  }

  // ---- Datasets ----

  async createDataset(dataset: DatasetRecord): Promise<void> {
    this.s.insertDataset.run(...valuesOf(datasetToRow(dataset), DATASET_COLUMNS));
  }

  async getDataset(id: string): Promise<DatasetRecord | null> {
    const row = this.s.getDataset.get(id);
    return row ? datasetFromRow(row) : null;
  }

  async getDatasetSummary(id: string): Promise<DatasetSummaryRecord | null> {
    const row = this.s.getDatasetSummary.get(id);
    return row ? datasetSummaryFromRow(row) : null;
  }

  async getDatasetBytes(id: string, ranges: { features: ByteRange; labels: ByteRange }): Promise<{ features: Uint8Array; labels: Uint8Array } | null> {
    const { features: f, labels: l } = ranges;
    // substr counts from 1; SQLite reads the blob in its page cache, and only the slice comes out
    const row = this.s.getDatasetBytes.get({ id, fs: f.start + 1, fl: f.length, ls: l.start + 1, ll: l.length });
    return row ? { features: bytes(row.features), labels: bytes(row.labels) } : null;
  }

  async listDatasets(options: ListOptions = {}): Promise<Page<DatasetSummaryRecord>> {
    return this.list("dataset", this.s.listDatasets, datasetSummaryFromRow, options, []);
  }

  async deleteDataset(id: string): Promise<boolean> {
    const { s } = this;
    return this.transaction(() => {
      const row = s.cursorOf.dataset.get(id);
      if (!row) return false;
      if (s.datasetInUse.get({ id })) {
        throw new StoreConflictError(`dataset ${id} is used by a queued or running job`, "dataset_in_use");
      }
      s.deleteDataset.run(id);
      rememberDeleted(s, "dataset", id, row);
      return true;
    });
  }

  // ---- Jobs ----

  async createJob(job: JobRecord, firstEvent: NewEvent): Promise<{ job: JobRecord; created: boolean }> {
    const { s } = this;
    return this.transaction(() => {
      if (job.idempotencyKey !== null) {
        const existing = s.getJobByIdempotencyKey.get(job.tenantId, job.idempotencyKey);
        if (existing) return { job: jobFromSqliteRow(existing), created: false };
      }
      if (!s.seqOf.model.get(job.modelId)) throw new Error(`model ${job.modelId} not found`);
      if (!s.seqOf.dataset.get(job.datasetId)) throw new Error(`dataset ${job.datasetId} not found`);
      if (job.validationDatasetId !== null && !s.seqOf.dataset.get(job.validationDatasetId)) {
        throw new Error(`validation dataset ${job.validationDatasetId} not found`);
      }
      s.insertJob.run(...valuesOf(jobToRow(job, flag(job.cancelRequested)), JOB_COLUMNS));
      append(s, job.id, [firstEvent]);
      return { job: jobFromSqliteRow(s.getJob.get(job.id)!), created: true };
    });
  }

  async deleteJob(id: string): Promise<boolean> {
    const { s } = this;
    return this.transaction(() => {
      const row = s.cursorOf.job.get(id);
      if (!row) return false;
      if (s.jobActive.get(id)) throw new StoreConflictError(`job ${id} is queued or running: cancel it first`, "job_active");
      s.deleteJob.run(id); // its events and checkpoint cascade
      rememberDeleted(s, "job", id, row);
      return true;
    });
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const row = this.s.getJob.get(id);
    return row ? jobFromSqliteRow(row) : null;
  }

  async getJobByIdempotencyKey(tenantId: string, key: string): Promise<JobRecord | null> {
    const row = this.s.getJobByIdempotencyKey.get(tenantId, key);
    return row ? jobFromSqliteRow(row) : null;
  }

  async listJobs(options: ListOptions & { status?: JobStatus[] } = {}): Promise<Page<JobRecord>> {
    const { s } = this;
    if (options.status === undefined) return this.list("job", s.listJobs, jobFromSqliteRow, options, []);
    return this.list("job", s.listJobsByStatus, jobFromSqliteRow, options, [JSON.stringify(options.status)]);
  }

  async countJobs(statuses: JobStatus[], tenantId?: string): Promise<number> {
    const json = JSON.stringify(statuses);
    const { s } = this;
    return (tenantId === undefined ? s.countJobs.get(json) : s.countTenantJobs.get(tenantId, json))!.count;
  }

  async tenantUsage(tenantId: string): Promise<TenantUsage> {
    return this.s.tenantUsage.get({ tenantId })!;
  }

  async beginAttempt(id: string): Promise<JobAttempt | null> {
    const { s } = this;
    return this.transaction(() => {
      const row = s.getJobForWrite.get(id);
      if (!row || isTerminal(row.status)) return null;
      const attempt = row.attempt + 1;
      s.setAttempt.run(attempt, id);
      return { job: jobFromSqliteRow(row), attempt, lastSeq: lastSeq(s, id) };
    });
  }

  async startJob(id: string, startedAt: string, events: NewEvent[], attempt: number, runningLimit: number): Promise<JobRecord | "at_limit" | null> {
    const { s } = this;
    // the transaction holds the database's write lock: no other start counts in between
    return this.transaction(() => {
      const row = jobForWrite(s, id, attempt);
      if (!row) return null;
      if (s.countTenantJobs.get(row.tenantId, JSON.stringify(["running"]))!.count >= runningLimit) return "at_limit";
      const job = applyPatch(jobFromSqliteRow(row), { status: "running", startedAt }, now());
      writeJob(s, job);
      append(s, id, events);
      return job;
    });
  }

  async updateJob(id: string, patch: JobPatch, events: NewEvent[] = [], attempt?: number): Promise<JobRecord | null> {
    const { s } = this;
    return this.transaction(() => {
      const row = jobForWrite(s, id, attempt);
      if (!row) return null;
      const job = applyPatch(jobFromSqliteRow(row), patch, now());
      writeJob(s, job);
      append(s, id, events);
      return job;
    });
  }

  async finishJob(
    id: string,
    patch: Parameters<Store["finishJob"]>[1],
    events: Parameters<Store["finishJob"]>[2],
    modelUpdate?: Parameters<Store["finishJob"]>[3],
    attempt?: number,
  ): Promise<JobRecord | null> {
    if (!isTerminal(patch.status)) throw new RangeError(`finishJob needs a terminal status, got ${patch.status}`);
    const { s } = this;
    return this.transaction(() => {
      const row = jobForWrite(s, id, attempt);
      if (!row) return null;
      const job = applyPatch(jobFromSqliteRow(row), patch, now());
      writeJob(s, job); // also drops the checkpoint
      append(s, id, typeof events === "function" ? events(job) : events);
      if (modelUpdate) {
        const { modelId, weights, generatorState } = modelUpdate;
        // throwing rolls back the job's patch and events too
        const origin = { jobId: id, metrics: modelUpdate.metrics ?? null };
        if (setWeights(s, modelId, weights, generatorState, origin) === undefined) throw new Error(`model ${modelId} not found`);
      }
      return job;
    });
  }

  // ---- Events and checkpoints ----

  async appendEvents(jobId: string, events: NewEvent[], attempt?: number): Promise<number> {
    const { s } = this;
    return this.transaction(() => {
      if (!jobForWrite(s, jobId, attempt)) throw new Error(`job ${jobId} not found`);
      return append(s, jobId, events);
    });
  }

  async listEvents(jobId: string, afterSeq = 0, limit?: number): Promise<JobEvent[]> {
    const max = limit === undefined ? null : Math.max(0, Math.floor(limit));
    if (max === 0) return [];
    const found = this.s.listEventRows.all({ jobId, after: afterSeq, last: lastSeqOfPage(afterSeq, max) });
    return eventsAfter(found, afterSeq, max);
  }

  async saveCheckpoint(jobId: string, state: Uint8Array, events: NewEvent[], attempt?: number): Promise<CheckpointRecord> {
    const { s } = this;
    return this.transaction(() => {
      if (!jobForWrite(s, jobId, attempt)) throw new Error(`job ${jobId} not found`);
      const seq = append(s, jobId, events);
      const createdAt = now();
      s.upsertCheckpoint.run(...valuesOf({ jobId, seq, state, createdAt }, CHECKPOINT_COLUMNS));
      return { jobId, seq, state: new Uint8Array(state), createdAt };
    });
  }

  async getCheckpoint(jobId: string): Promise<CheckpointRecord | null> {
    const row = this.s.getCheckpoint.get(jobId);
    return row ? checkpointFromRow(row) : null;
  }

  async truncateEvents(jobId: string, afterSeq: number, attempt?: number): Promise<void> {
    const { s } = this;
    this.transaction(() => {
      if (!jobForWrite(s, jobId, attempt)) return;
      // a row of steps that straddles afterSeq keeps its steps up to it
      const straddling = s.eventRowAt.get(jobId, afterSeq);
      if (straddling && straddling.seq + straddling.nEvents - 1 > afterSeq) {
        s.replaceEventRow.run(truncateRow(straddling, afterSeq));
      }
      s.truncateEvents.run(jobId, afterSeq);
    });
  }

  async pruneEvents(policy: EventRetentionPolicy, cursor: string | null, budget: PruneBudget): Promise<PruneResult> {
    const { s } = this;
    return this.transaction(() => {
      const jobs = s.retentionJobs.all(this.cursorSeq("job", cursor ?? undefined), budget.maxJobs);
      const step = retentionStep(jobs, cursor, policy, budget);
      for (let next = step.next(); ; next = step.next(s.deleteProgressRows.run(next.value).changes)) {
        if (next.done) return next.value;
      }
    });
  }

  // ---- Tenants and API keys ----

  async createTenant(tenant: TenantRecord): Promise<{ tenant: TenantRecord; created: boolean }> {
    const { s } = this;
    return this.transaction(() => {
      const existing = s.getTenantByName.get(tenant.name);
      if (existing) return { tenant: existing, created: false };
      s.insertTenant.run(...valuesOf(tenant, TENANT_COLUMNS));
      return { tenant: s.getTenant.get(tenant.id)!, created: true };
    });
  }

  async getTenant(id: string): Promise<TenantRecord | null> {
    return this.s.getTenant.get(id) ?? null;
  }

  async getTenantByName(name: string): Promise<TenantRecord | null> {
    return this.s.getTenantByName.get(name) ?? null;
  }

  async listTenants(options: Omit<ListOptions, "tenantId"> = {}): Promise<Page<TenantRecord>> {
    return this.snapshot(() => {
      const limit = clampLimit(options.limit);
      return page(this.s.listTenants.all(this.cursorSeq("tenant", options.after), limit + 1), limit, (row) => row);
    });
  }

  async getTenantQuotas(tenantId: string): Promise<QuotaOverrides> {
    return quotaOverrides(this.s.getTenantQuotas.all(tenantId));
  }

  async setTenantQuotas(tenantId: string, changes: Record<string, number | null>): Promise<QuotaOverrides | null> {
    const { s } = this;
    return this.transaction(() => {
      if (!s.getTenant.get(tenantId)) return null;
      for (const [name, value] of Object.entries(changes)) {
        if (value === null) s.deleteTenantQuota.run(tenantId, name);
        else s.setTenantQuota.run(tenantId, name, value);
      }
      return quotaOverrides(s.getTenantQuotas.all(tenantId));
    });
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    const { s } = this;
    this.transaction(() => {
      if (!s.getTenant.get(key.tenantId)) throw new Error(`tenant ${key.tenantId} not found`);
      s.insertApiKey.run(...valuesOf(key, API_KEY_COLUMNS));
    });
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    return this.s.getApiKey.get(id) ?? null;
  }

  async getApiKeyByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    return this.s.getApiKeyByPrefix.get(prefix) ?? null;
  }

  async listApiKeys(options: ListOptions = {}): Promise<Page<ApiKeyRecord>> {
    return this.list("apiKey", this.s.listApiKeys, (row) => row, options, []);
  }

  async hasActiveApiKeys(now: string): Promise<boolean> {
    return this.s.hasActiveApiKeys.get(now)!.active === 1;
  }

  async revokeApiKey(id: string, at: string): Promise<ApiKeyRecord | null> {
    return this.s.revokeApiKey.get(at, id) ?? null;
  }

  async recordApiKeyUse(uses: { id: string; at: string }[]): Promise<void> {
    if (uses.length > 0) this.s.recordApiKeyUse.run(JSON.stringify(uses));
  }

  // ---- Lifecycle ----

  async ping(): Promise<void> {
    this.s.ping.get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

type Statements = ReturnType<typeof prepareStatements>;

/** Every statement the store runs, prepared once per connection. */
function prepareStatements(db: Database.Database) {
  const seq = (table: string) => db.prepare<[string], { seq: number }>(`SELECT seq FROM ${table} WHERE id = ?`);
  /** An item's seq by its id, for each kind a listing's `after` names. */
  const seqOf = { model: seq("models"), dataset: seq("datasets"), job: seq("jobs"), tenant: seq("tenants"), apiKey: seq("api_keys") };
  const cursor = (table: string) => db.prepare<[string], { seq: number; tenantId: string }>(`SELECT seq, tenant_id AS tenantId FROM ${table} WHERE id = ?`);
  /** A tenant's item's seq and tenant by its id, for a listing's `after`. */
  const cursorOf = { model: cursor("models"), dataset: cursor("datasets"), job: cursor("jobs"), apiKey: cursor("api_keys") };
  return {
    ping: db.prepare<[], { ok: number }>(`SELECT 1 AS ok`),
    seqOf,
    cursorOf,

    // inserts bind a row's values in its column list's order (columns.ts)
    insertModel: db.prepare<unknown[]>(insertInto("models", MODEL_COLUMNS, param)),
    getModel: db.prepare<[string], ModelRow>(`SELECT ${SELECT_LIST.model} FROM models WHERE id = ?`),
    getModelSummary: db.prepare<[string], ModelSummaryRow>(`SELECT ${SELECT_LIST.modelSummary} FROM models WHERE id = ?`),
    modelVersion: db.prepare<[string], { version: number }>(`SELECT version FROM models WHERE id = ?`),
    modelForWeights: db.prepare<[string], { version: number; tenantId: string }>(`SELECT version, tenant_id AS tenantId FROM models WHERE id = ?`),
    listModels: listing<ModelSummaryRow>(db, "models", SELECT_LIST.modelSummary),
    modelInUse: db.prepare<[string], { one: number }>(
      `SELECT 1 AS one FROM jobs WHERE model_id = ? AND ${ACTIVE} LIMIT 1`,
    ),
    deleteModel: db.prepare<[string]>(`DELETE FROM models WHERE id = ?`),
    updateWeights: db.prepare<
      [{ id: string; weights: Uint8Array; generatorState: Uint8Array; version: number; currentVersion: number; updatedAt: string }]
    >(
      `UPDATE models SET weights = @weights, generator_state = @generatorState, version = @version,
         current_version = @currentVersion, updated_at = @updatedAt
       WHERE id = @id`,
    ),

    lastVersion: db.prepare<[string], { last: number }>(`SELECT COALESCE(MAX(version), 0) AS last FROM model_versions WHERE model_id = ?`),
    insertVersion: db.prepare<[NewVersionRow]>(
      `INSERT INTO model_versions (model_id, version, tenant_id, job_id, metrics, created_at, generator_state, weights)
       VALUES (@modelId, @version, @tenantId, @jobId, @metrics, @createdAt, @generatorState, @weights)`,
    ),
    versionExists: db.prepare<[string, number], { one: number }>(`SELECT 1 AS one FROM model_versions WHERE model_id = ? AND version = ?`),
    listVersions: db.prepare<[string, number, number], ModelVersionRow>(
      `SELECT ${SELECT_LIST.version}, length(weights) AS bytes FROM model_versions
       WHERE model_id = ? AND version > ? ORDER BY version LIMIT ?`,
    ),
    getVersion: db.prepare<[string, number], ModelVersionWeightsRow>(
      `SELECT ${SELECT_LIST.version}, length(weights) AS bytes, generator_state AS generatorState, weights
       FROM model_versions WHERE model_id = ? AND version = ?`,
    ),
    getVersionOfJob: db.prepare<[string], ModelVersionWeightsRow>(
      `SELECT ${SELECT_LIST.version}, length(weights) AS bytes, generator_state AS generatorState, weights
       FROM model_versions WHERE job_id = ?`,
    ),
    restoreVersion: db.prepare<[{ modelId: string; version: number; updatedAt: string }], ModelSummaryRow>(
      restoreVersionSql({ modelId: "@modelId", version: "@version", updatedAt: "@updatedAt" }),
    ),

    insertDataset: db.prepare<unknown[]>(insertInto("datasets", DATASET_COLUMNS, param)),
    getDataset: db.prepare<[string], DatasetRow>(`SELECT ${SELECT_LIST.dataset} FROM datasets WHERE id = ?`),
    getDatasetSummary: db.prepare<[string], DatasetSummaryRow>(
      `SELECT ${SELECT_LIST.datasetSummary} FROM datasets WHERE id = ?`,
    ),
    getDatasetBytes: db.prepare<[{ id: string; fs: number; fl: number; ls: number; ll: number }], { features: Buffer; labels: Buffer }>(
      `SELECT substr(features, @fs, @fl) AS features, substr(labels, @ls, @ll) AS labels FROM datasets WHERE id = @id`,
    ),
    listDatasets: listing<DatasetSummaryRow>(db, "datasets", SELECT_LIST.datasetSummary),
    datasetInUse: db.prepare<[{ id: string }], { one: number }>(
      `SELECT 1 AS one FROM jobs WHERE dataset_id = @id AND ${ACTIVE}
       UNION ALL
       SELECT 1 AS one FROM jobs WHERE validation_dataset_id = @id AND ${ACTIVE}
       LIMIT 1`,
    ),
    deleteDataset: db.prepare<[string]>(`DELETE FROM datasets WHERE id = ?`),

    insertDeleted: db.prepare<[DeletedKind, string, number, string]>(
      `INSERT OR REPLACE INTO deleted_rows (kind, id, seq, tenant_id) VALUES (?, ?, ?, ?)`,
    ),
    // tenantId is null for rows deleted before deleted_rows kept it
    deletedCursor: db.prepare<[DeletedKind, string], { seq: number; tenantId: string | null }>(
      `SELECT seq, tenant_id AS tenantId FROM deleted_rows WHERE kind = ? AND id = ?`,
    ),

    insertJob: db.prepare<unknown[]>(insertInto("jobs", JOB_COLUMNS, param)),
    // the mutable columns, then the id
    updateJob: db.prepare<unknown[]>(`UPDATE jobs SET ${setList(JOB_MUTABLE_COLUMNS, param)} WHERE id = ?`),
    getJob: db.prepare<[string], SqliteJobRow>(`SELECT ${SELECT_LIST.job} FROM jobs WHERE id = ?`),
    jobActive: db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM jobs WHERE id = ? AND ${ACTIVE}`),
    deleteJob: db.prepare<[string]>(`DELETE FROM jobs WHERE id = ?`),
    getJobForWrite: db.prepare<[string], SqliteJobWriteRow>(`SELECT ${SELECT_LIST.job}, attempt FROM jobs WHERE id = ?`),
    setAttempt: db.prepare<[number, string]>(`UPDATE jobs SET attempt = ? WHERE id = ?`),
    getJobByIdempotencyKey: db.prepare<[string, string], SqliteJobRow>(
      `SELECT ${SELECT_LIST.job} FROM jobs WHERE tenant_id = ? AND idempotency_key = ?`,
    ),
    listJobs: listing<SqliteJobRow>(db, "jobs", SELECT_LIST.job),
    // The statuses come as one JSON array parameter, so one prepared statement serves any set.
    listJobsByStatus: listing<SqliteJobRow, [string]>(db, "jobs", SELECT_LIST.job, `status IN (SELECT value FROM json_each(?))`),
    countJobs: db.prepare<[string], { count: number }>(
      `SELECT COUNT(*) AS count FROM jobs WHERE status IN (SELECT value FROM json_each(?))`,
    ),
    countTenantJobs: db.prepare<[string, string], { count: number }>(
      `SELECT COUNT(*) AS count FROM jobs WHERE tenant_id = ? AND status IN (SELECT value FROM json_each(?))`,
    ),
    // length() of a blob reads its size from the row's header, not its overflow pages; the jobs'
    // counts come from the index of active jobs (its WHERE is ACTIVE)
    tenantUsage: db.prepare<[{ tenantId: string }], TenantUsage>(
      `SELECT
         (SELECT COUNT(*) FROM models WHERE tenant_id = @tenantId) AS models,
         (SELECT COUNT(*) FROM datasets WHERE tenant_id = @tenantId) AS datasets,
         (SELECT COALESCE(SUM(length(weights)), 0) FROM models WHERE tenant_id = @tenantId)
           + (SELECT COALESCE(SUM(length(weights)), 0) FROM model_versions WHERE tenant_id = @tenantId)
           + (SELECT COALESCE(SUM(length(features) + length(labels)), 0) FROM datasets WHERE tenant_id = @tenantId) AS bytes,
         (SELECT COUNT(*) FROM jobs WHERE tenant_id = @tenantId AND ${ACTIVE} AND status = 'queued') AS queuedJobs,
         (SELECT COUNT(*) FROM jobs WHERE tenant_id = @tenantId AND ${ACTIVE} AND status = 'running') AS runningJobs`,
    ),

    // job_events rows hold runs of events (see event_rows.ts): seq is a row's first event
    lastSeq: db.prepare<[string], { seq: number }>(
      `SELECT seq + n_events - 1 AS seq FROM job_events WHERE job_id = ? ORDER BY seq DESC LIMIT 1`,
    ),
    insertEvent: db.prepare<unknown[]>(insertInto("job_events", EVENT_COLUMNS, param)),
    // the rows of events (after, last]: from the row holding event after + 1 (the last row starting
    // at or before it) to the last starting at or before `last` or, past a gap, the first after `after`
    listEventRows: db.prepare<[{ jobId: string; after: number; last: number }], EventRow>(
      `SELECT ${SELECT_LIST.event} FROM job_events
       WHERE job_id = @jobId
         AND seq >= COALESCE((SELECT MAX(seq) FROM job_events WHERE job_id = @jobId AND seq <= @after + 1), 0)
         AND seq <= MAX(@last, COALESCE((SELECT MIN(seq) FROM job_events WHERE job_id = @jobId AND seq > @after), 0))
       ORDER BY seq`,
    ),
    eventRowAt: db.prepare<[string, number], EventRow>(
      `SELECT ${SELECT_LIST.event} FROM job_events WHERE job_id = ? AND seq <= ? ORDER BY seq DESC LIMIT 1`,
    ),
    replaceEventRow: db.prepare<[EventRow]>(
      `UPDATE job_events SET n_events = @nEvents, type = @type, data = @data WHERE job_id = @jobId AND seq = @seq`,
    ),
    truncateEvents: db.prepare<[string, number]>(`DELETE FROM job_events WHERE job_id = ? AND seq > ?`),
    // event retention (retention.ts): jobs in creation order, each with its last event's seq
    retentionJobs: db.prepare<[number, number], RetentionJob>(
      `SELECT id, status, finished_at AS "finishedAt",
         (SELECT seq + n_events - 1 FROM job_events WHERE job_id = jobs.id ORDER BY seq DESC LIMIT 1) AS "lastSeq"
       FROM jobs WHERE seq > ? ORDER BY seq LIMIT ?`,
    ),
    deleteProgressRows: db.prepare<[ProgressDeletion]>(
      `DELETE FROM job_events WHERE job_id = @jobId AND seq IN (
         SELECT seq FROM job_events
         WHERE job_id = @jobId AND type = 'progress' AND seq < @before AND seq + n_events <= @before
         ORDER BY seq LIMIT @max)`,
    ),

    upsertCheckpoint: db.prepare<unknown[]>(
      `${insertInto("checkpoints", CHECKPOINT_COLUMNS, param)}
       ON CONFLICT (job_id) DO UPDATE SET seq = excluded.seq, created_at = excluded.created_at,
         state = excluded.state`,
    ),
    getCheckpoint: db.prepare<[string], CheckpointRow>(
      `SELECT ${SELECT_LIST.checkpoint} FROM checkpoints WHERE job_id = ?`,
    ),
    deleteCheckpoint: db.prepare<[string]>(`DELETE FROM checkpoints WHERE job_id = ?`),

    insertTenant: db.prepare<unknown[]>(insertInto("tenants", TENANT_COLUMNS, param)),
    getTenant: db.prepare<[string], TenantRow>(`SELECT ${SELECT_LIST.tenant} FROM tenants WHERE id = ?`),
    getTenantByName: db.prepare<[string], TenantRow>(`SELECT ${SELECT_LIST.tenant} FROM tenants WHERE name = ?`),
    listTenants: db.prepare<[number, number], TenantRow>(`SELECT ${SELECT_LIST.tenant} FROM tenants WHERE seq > ? ORDER BY seq LIMIT ?`),

    getTenantQuotas: db.prepare<[string], QuotaRow>(`SELECT name, value FROM tenant_quotas WHERE tenant_id = ? ORDER BY name`),
    setTenantQuota: db.prepare<[string, string, number]>(
      `INSERT INTO tenant_quotas (tenant_id, name, value) VALUES (?, ?, ?) ON CONFLICT (tenant_id, name) DO UPDATE SET value = excluded.value`,
    ),
    deleteTenantQuota: db.prepare<[string, string]>(`DELETE FROM tenant_quotas WHERE tenant_id = ? AND name = ?`),

    insertApiKey: db.prepare<unknown[]>(insertInto("api_keys", API_KEY_COLUMNS, param)),
    getApiKey: db.prepare<[string], ApiKeyRow>(`SELECT ${SELECT_LIST.apiKey} FROM api_keys WHERE id = ?`),
    getApiKeyByPrefix: db.prepare<[string], ApiKeyRow>(`SELECT ${SELECT_LIST.apiKey} FROM api_keys WHERE prefix = ?`),
    listApiKeys: listing<ApiKeyRow>(db, "api_keys", SELECT_LIST.apiKey),
    // ISO-8601 UTC timestamps compare as text
    hasActiveApiKeys: db.prepare<[string], { active: 0 | 1 }>(
      `SELECT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)) AS active`,
    ),
    // a revoked key keeps its first revocation time
    revokeApiKey: db.prepare<[string, string], ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING ${SELECT_LIST.apiKey}`,
    ),
    // the uses as one JSON array [{ id, at }]; each key's latest use, and only forward in time
    recordApiKeyUse: db.prepare<[string]>(
      `UPDATE api_keys SET last_used_at = uses.at
       FROM (SELECT json_extract(value, '$.id') AS id, MAX(json_extract(value, '$.at')) AS at
             FROM json_each(?) GROUP BY 1) AS uses
       WHERE api_keys.id = uses.id AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < uses.at)`,
    ),
  };
}

/**
 * A listing's two statements: rows after a seq, in creation order, and a tenant's such rows
 * (binding the tenant first); `where` narrows both, binding `P` before the seq and limit.
 */
function listing<R, P extends unknown[] = []>(db: Database.Database, table: string, columns: string, where = "") {
  const sql = (tenant: string) =>
    `SELECT ${columns} FROM ${table} WHERE ${tenant}${where ? `${where} AND ` : ""}seq > ? ORDER BY seq LIMIT ?`;
  return {
    all: db.prepare<[...P, number, number], R>(sql("")),
    tenant: db.prepare<[string, ...P, number, number], R>(sql("tenant_id = ? AND ")),
  };
}
