import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import {
  applyPatch,
  checkJobWrite,
  clampLimit,
  isTerminal,
  now,
  page,
  StoreCursorError,
  type JobPatch,
} from "./common.js";
import { eventsAfter, lastSeqOfPage, packEvents, truncateRow, type EventRow } from "./event_rows.js";
import { retentionStep, type EventRetentionPolicy, type ProgressDeletion, type PruneBudget, type PruneResult, type RetentionJob } from "./retention.js";
import {
  checkpointFromRow,
  datasetFromRow,
  datasetSummaryFromRow,
  jobFromRow,
  modelFromRow,
  modelSummaryFromRow,
  toJson,
  type CheckpointRow,
  type DatasetRow,
  type DatasetSummaryRow,
  type JobRow,
  type ModelRow,
  type ModelSummaryRow,
} from "./rows.js";
import { migrate } from "./sqlite_schema.js";
import { StoreConflictError, type Store } from "./store.js";
import type {
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
  NewEvent,
  Page,
} from "./types.js";

export { StoreCursorError };

export interface SqliteStoreOptions {
  /** Database file (parent directories are created), or ":memory:" for a throwaway store. */
  path: string;
}

// Column aliases match the row shapes of rows.ts.
const MODEL_SUMMARY_COLUMNS = `id, name, spec, summary, version, created_at AS createdAt, updated_at AS updatedAt`;
const MODEL_COLUMNS = `${MODEL_SUMMARY_COLUMNS}, weights, generator_state AS generatorState`;
const DATASET_SUMMARY_COLUMNS = `id, name, num_samples AS numSamples, feature_shape AS featureShape,
  label_shape AS labelShape, label_dtype AS labelDtype, num_classes AS numClasses, created_at AS createdAt`;
const DATASET_COLUMNS = `${DATASET_SUMMARY_COLUMNS}, features, labels`;
const JOB_COLUMNS = `id, model_id AS modelId, dataset_id AS datasetId,
  validation_dataset_id AS validationDatasetId, spec, status, progress, metrics, error,
  idempotency_key AS idempotencyKey, cancel_requested AS cancelRequested, created_at AS createdAt,
  started_at AS startedAt, finished_at AS finishedAt, updated_at AS updatedAt`;
/** Must match the partial indexes' WHERE in sqlite_schema.ts for SQLite to use them. */
const ACTIVE = `status IN ('queued', 'running')`;

/** SQLite has no boolean type: cancel_requested is 0 or 1. */
type SqliteJobRow = JobRow<0 | 1>;
/** A job's row as the writes to it read it: with the attempt they check. */
type SqliteJobWriteRow = SqliteJobRow & { attempt: number };
const jobFromSqliteRow = (row: SqliteJobRow): JobRecord => jobFromRow(row, row.cancelRequested === 1);

/** The named parameters of the full-row job UPDATE. */
function jobParams(job: JobRecord) {
  return {
    id: job.id,
    modelId: job.modelId,
    datasetId: job.datasetId,
    validationDatasetId: job.validationDatasetId,
    spec: toJson(job.spec),
    status: job.status,
    progress: toJson(job.progress),
    metrics: toJson(job.metrics),
    error: job.error === null ? null : JSON.stringify(job.error),
    idempotencyKey: job.idempotencyKey,
    cancelRequested: job.cancelRequested ? 1 : 0,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    updatedAt: job.updatedAt,
  };
}

/**
 * The embedded SQLite implementation of Store (better-sqlite3, synchronous under the hood): the
 * rules are the interface's (store.ts); each write is one IMMEDIATE transaction, so the one writer
 * connection of this process holds SQLite's write lock for its whole read-then-write.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly s: ReturnType<typeof prepareStatements>;
  private readonly tx: ReturnType<SqliteStore["transactions"]>;

  private constructor(db: Database.Database) {
    this.db = db;
    this.s = prepareStatements(db);
    this.tx = this.transactions();
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

  // ---- Transactions (composed of prepared statements; the write ones take the write lock up
  // front with BEGIN IMMEDIATE, so a read-then-write never fails on a lock upgrade) ----

  private transactions() {
    const { db, s } = this;

    const getJobRow = (id: string): SqliteJobRow | undefined => s.getJob.get(id);

    /**
     * The row of a job about to be written, checked (checkJobWrite). The write transactions are
     * IMMEDIATE: they hold the database's write lock, so the row stays as read until they commit.
     */
    const writableJobRow = (id: string, attempt: number | undefined): SqliteJobWriteRow | undefined => {
      const row = s.getJobForWrite.get(id);
      if (row) checkJobWrite(id, row, attempt);
      return row;
    };

    /** Appends events after the job's last; returns the last seq (the current one if none). */
    const append = (jobId: string, events: readonly NewEvent[]): number => {
      const last = s.lastSeq.get(jobId)?.seq ?? 0;
      for (const row of packEvents(jobId, events, last + 1)) s.insertEvent.run(row);
      return last + events.length;
    };

    const writeJob = (job: JobRecord): void => {
      s.updateJob.run(jobParams(job));
      if (isTerminal(job.status)) s.deleteCheckpoint.run(job.id);
    };

    /** The seq after which a listing continues. */
    const cursorSeq = (kind: "model" | "dataset" | "job", after: string | undefined): number => {
      if (after === undefined) return 0;
      const live =
        kind === "model" ? s.modelSeq.get(after) : kind === "dataset" ? s.datasetSeq.get(after) : s.jobSeq.get(after);
      const row = live ?? (kind === "job" ? undefined : s.deletedSeq.get(kind, after));
      if (!row) throw new StoreCursorError(after);
      return row.seq;
    };

    const listModels = db.transaction((options: ListOptions) => {
      const limit = clampLimit(options.limit);
      const rows = s.listModels.all(cursorSeq("model", options.after), limit + 1);
      return page(rows, limit, modelSummaryFromRow);
    });

    const listDatasets = db.transaction((options: ListOptions) => {
      const limit = clampLimit(options.limit);
      const rows = s.listDatasets.all(cursorSeq("dataset", options.after), limit + 1);
      return page(rows, limit, datasetSummaryFromRow);
    });

    const listJobs = db.transaction((options: ListOptions & { status?: JobStatus[] }) => {
      const limit = clampLimit(options.limit);
      const after = cursorSeq("job", options.after);
      const rows =
        options.status === undefined
          ? s.listJobs.all(after, limit + 1)
          : s.listJobsByStatus.all(JSON.stringify(options.status), after, limit + 1);
      return page(rows, limit, jobFromSqliteRow);
    });

    const deleteModel = db.transaction((id: string): boolean => {
      const row = s.modelSeq.get(id);
      if (!row) return false;
      if (s.modelInUse.get(id)) {
        throw new StoreConflictError(`model ${id} is used by a queued or running job`, "model_in_use");
      }
      s.deleteModel.run(id);
      s.insertDeleted.run("model", id, row.seq);
      return true;
    });

    const deleteDataset = db.transaction((id: string): boolean => {
      const row = s.datasetSeq.get(id);
      if (!row) return false;
      if (s.datasetInUse.get({ id })) {
        throw new StoreConflictError(`dataset ${id} is used by a queued or running job`, "dataset_in_use");
      }
      s.deleteDataset.run(id);
      s.insertDeleted.run("dataset", id, row.seq);
      return true;
    });

    const setWeights = (id: string, weights: Uint8Array, generatorState: Uint8Array, expectedVersion?: number) => {
      const row = s.modelVersion.get(id);
      if (!row) return undefined;
      if (expectedVersion !== undefined && row.version !== expectedVersion) {
        throw new StoreConflictError(
          `model ${id} is at version ${row.version}, not ${expectedVersion}`,
          "version_conflict",
        );
      }
      s.updateWeights.run({ id, weights, generatorState, version: row.version + 1, updatedAt: now() });
      return row.version + 1;
    };

    const updateModelWeights = db.transaction(
      (id: string, weights: Uint8Array, generatorState: Uint8Array, expectedVersion?: number): ModelRecord | null => {
        if (setWeights(id, weights, generatorState, expectedVersion) === undefined) return null;
        return modelFromRow(s.getModel.get(id)!);
      },
    );

    const createJob = db.transaction((job: JobRecord, firstEvent: NewEvent) => {
      if (job.idempotencyKey !== null) {
        const existing = s.getJobByIdempotencyKey.get(job.idempotencyKey);
        if (existing) return { job: jobFromSqliteRow(existing), created: false };
      }
      if (!s.modelSeq.get(job.modelId)) throw new Error(`model ${job.modelId} not found`);
      if (!s.datasetSeq.get(job.datasetId)) throw new Error(`dataset ${job.datasetId} not found`);
      if (job.validationDatasetId !== null && !s.datasetSeq.get(job.validationDatasetId)) {
        throw new Error(`validation dataset ${job.validationDatasetId} not found`);
      }
      s.insertJob.run(jobParams(job));
      append(job.id, [firstEvent]);
      return { job: jobFromSqliteRow(getJobRow(job.id)!), created: true };
    });

    const beginAttempt = db.transaction((id: string): JobAttempt | null => {
      const row = s.getJobForWrite.get(id);
      if (!row || isTerminal(row.status)) return null;
      const attempt = row.attempt + 1;
      s.setAttempt.run(attempt, id);
      return { job: jobFromSqliteRow(row), attempt, lastSeq: s.lastSeq.get(id)?.seq ?? 0 };
    });

    const updateJob = db.transaction((id: string, patch: JobPatch, events: readonly NewEvent[], attempt: number | undefined): JobRecord | null => {
      const row = writableJobRow(id, attempt);
      if (!row) return null;
      const job = applyPatch(jobFromSqliteRow(row), patch, now());
      writeJob(job);
      append(id, events);
      return job;
    });

    const finishJob = db.transaction(
      (
        id: string,
        patch: Parameters<Store["finishJob"]>[1],
        events: Parameters<Store["finishJob"]>[2],
        modelUpdate: Parameters<Store["finishJob"]>[3],
        attempt: number | undefined,
      ): JobRecord | null => {
        if (!isTerminal(patch.status)) {
          throw new RangeError(`finishJob needs a terminal status, got ${patch.status}`);
        }
        const row = writableJobRow(id, attempt);
        if (!row) return null;
        const job = applyPatch(jobFromSqliteRow(row), patch, now());
        writeJob(job); // also drops the checkpoint
        append(id, typeof events === "function" ? events(job) : events);
        if (modelUpdate) {
          const { modelId, weights, generatorState } = modelUpdate;
          // Throwing rolls back the job's patch and events too.
          if (setWeights(modelId, weights, generatorState) === undefined) throw new Error(`model ${modelId} not found`);
        }
        return job;
      },
    );

    const appendEvents = db.transaction((jobId: string, events: readonly NewEvent[], attempt: number | undefined): number => {
      if (!writableJobRow(jobId, attempt)) throw new Error(`job ${jobId} not found`);
      return append(jobId, events);
    });

    const saveCheckpoint = db.transaction(
      (jobId: string, state: Uint8Array, events: readonly NewEvent[], attempt: number | undefined): CheckpointRecord => {
        if (!writableJobRow(jobId, attempt)) throw new Error(`job ${jobId} not found`);
        const seq = append(jobId, events);
        const createdAt = now();
        s.upsertCheckpoint.run({ jobId, seq, state, createdAt });
        return { jobId, seq, state: new Uint8Array(state), createdAt };
      },
    );

    const truncateEvents = db.transaction((jobId: string, afterSeq: number, attempt: number | undefined): void => {
      if (!writableJobRow(jobId, attempt)) return;
      // a row of steps that straddles afterSeq keeps its steps up to it
      const straddling = s.eventRowAt.get(jobId, afterSeq);
      if (straddling && straddling.seq + straddling.nEvents - 1 > afterSeq) s.replaceEventRow.run(truncateRow(straddling, afterSeq));
      s.truncateEvents.run(jobId, afterSeq);
    });

    const pruneEvents = db.transaction((policy: EventRetentionPolicy, cursor: string | null, budget: PruneBudget): PruneResult => {
      const step = retentionStep(s.retentionJobs.all(cursorSeq("job", cursor ?? undefined), budget.maxJobs), cursor, policy, budget);
      for (let next = step.next(); ; next = step.next(s.deleteProgressRows.run(next.value).changes)) {
        if (next.done) return next.value;
      }
    });

    return {
      listModels,
      listDatasets,
      listJobs,
      deleteModel: deleteModel.immediate,
      deleteDataset: deleteDataset.immediate,
      updateModelWeights: updateModelWeights.immediate,
      createJob: createJob.immediate,
      beginAttempt: beginAttempt.immediate,
      updateJob: updateJob.immediate,
      finishJob: finishJob.immediate,
      appendEvents: appendEvents.immediate,
      saveCheckpoint: saveCheckpoint.immediate,
      truncateEvents: truncateEvents.immediate,
      pruneEvents: pruneEvents.immediate,
    };
  }

  // ---- Models ----

  async createModel(model: ModelRecord): Promise<void> {
    this.s.insertModel.run({
      id: model.id,
      name: model.name,
      spec: toJson(model.spec),
      summary: toJson(model.summary),
      version: model.version,
      createdAt: model.createdAt,
      updatedAt: model.updatedAt,
      weights: model.weights,
      generatorState: model.generatorState,
    });
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
    return this.tx.listModels(options);
  }

  async deleteModel(id: string): Promise<boolean> {
    return this.tx.deleteModel(id);
  }

  async updateModelWeights(
    id: string,
    weights: Uint8Array,
    generatorState: Uint8Array,
    expectedVersion?: number,
  ): Promise<ModelRecord | null> {
    return this.tx.updateModelWeights(id, weights, generatorState, expectedVersion);
  }

  // ---- Datasets ----

  async createDataset(dataset: DatasetRecord): Promise<void> {
    this.s.insertDataset.run({
      id: dataset.id,
      name: dataset.name,
      numSamples: dataset.numSamples,
      featureShape: JSON.stringify(dataset.featureShape),
      labelShape: JSON.stringify(dataset.labelShape),
      labelDtype: dataset.labelDtype,
      numClasses: dataset.numClasses,
      createdAt: dataset.createdAt,
      features: dataset.features,
      labels: dataset.labels,
    });
  }

  async getDataset(id: string): Promise<DatasetRecord | null> {
    const row = this.s.getDataset.get(id);
    return row ? datasetFromRow(row) : null;
  }

  async getDatasetSummary(id: string): Promise<DatasetSummaryRecord | null> {
    const row = this.s.getDatasetSummary.get(id);
    return row ? datasetSummaryFromRow(row) : null;
  }

  async listDatasets(options: ListOptions = {}): Promise<Page<DatasetSummaryRecord>> {
    return this.tx.listDatasets(options);
  }

  async deleteDataset(id: string): Promise<boolean> {
    return this.tx.deleteDataset(id);
  }

  // ---- Jobs ----

  async createJob(job: JobRecord, firstEvent: NewEvent): Promise<{ job: JobRecord; created: boolean }> {
    return this.tx.createJob(job, firstEvent);
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const row = this.s.getJob.get(id);
    return row ? jobFromSqliteRow(row) : null;
  }

  async getJobByIdempotencyKey(key: string): Promise<JobRecord | null> {
    const row = this.s.getJobByIdempotencyKey.get(key);
    return row ? jobFromSqliteRow(row) : null;
  }

  async listJobs(options: ListOptions & { status?: JobStatus[] } = {}): Promise<Page<JobRecord>> {
    return this.tx.listJobs(options);
  }

  async countJobs(statuses: JobStatus[]): Promise<number> {
    return this.s.countJobs.get(JSON.stringify(statuses))!.count;
  }

  async beginAttempt(id: string): Promise<JobAttempt | null> {
    return this.tx.beginAttempt(id);
  }

  async updateJob(id: string, patch: JobPatch, events: NewEvent[] = [], attempt?: number): Promise<JobRecord | null> {
    return this.tx.updateJob(id, patch, events, attempt);
  }

  async finishJob(
    id: string,
    patch: Parameters<Store["finishJob"]>[1],
    events: Parameters<Store["finishJob"]>[2],
    modelUpdate?: Parameters<Store["finishJob"]>[3],
    attempt?: number,
  ): Promise<JobRecord | null> {
    return this.tx.finishJob(id, patch, events, modelUpdate, attempt);
  }

  // ---- Events and checkpoints ----

  async appendEvents(jobId: string, events: NewEvent[], attempt?: number): Promise<number> {
    return this.tx.appendEvents(jobId, events, attempt);
  }

  async listEvents(jobId: string, afterSeq = 0, limit?: number): Promise<JobEvent[]> {
    const max = limit === undefined ? null : Math.max(0, Math.floor(limit));
    if (max === 0) return [];
    return eventsAfter(this.s.listEventRows.all({ jobId, after: afterSeq, last: lastSeqOfPage(afterSeq, max) }), afterSeq, max);
  }

  async saveCheckpoint(jobId: string, state: Uint8Array, events: NewEvent[], attempt?: number): Promise<CheckpointRecord> {
    return this.tx.saveCheckpoint(jobId, state, events, attempt);
  }

  async getCheckpoint(jobId: string): Promise<CheckpointRecord | null> {
    const row = this.s.getCheckpoint.get(jobId);
    return row ? checkpointFromRow(row) : null;
  }

  async truncateEvents(jobId: string, afterSeq: number, attempt?: number): Promise<void> {
    this.tx.truncateEvents(jobId, afterSeq, attempt);
  }

  async pruneEvents(policy: EventRetentionPolicy, cursor: string | null, budget: PruneBudget): Promise<PruneResult> {
    return this.tx.pruneEvents(policy, cursor, budget);
  }

  // ---- Lifecycle ----

  async ping(): Promise<void> {
    this.s.ping.get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Every statement the store runs, prepared once per connection. */
function prepareStatements(db: Database.Database) {
  return {
    ping: db.prepare<[], { ok: number }>(`SELECT 1 AS ok`),

    // inserts take a row's columns, with the records' blobs (any Uint8Array, not only Buffers)
    insertModel: db.prepare<[ModelSummaryRow & { weights: Uint8Array; generatorState: Uint8Array }]>(
      `INSERT INTO models (id, name, spec, summary, version, created_at, updated_at, generator_state, weights)
       VALUES (@id, @name, @spec, @summary, @version, @createdAt, @updatedAt, @generatorState, @weights)`,
    ),
    getModel: db.prepare<[string], ModelRow>(`SELECT ${MODEL_COLUMNS} FROM models WHERE id = ?`),
    getModelSummary: db.prepare<[string], ModelSummaryRow>(`SELECT ${MODEL_SUMMARY_COLUMNS} FROM models WHERE id = ?`),
    modelSeq: db.prepare<[string], { seq: number }>(`SELECT seq FROM models WHERE id = ?`),
    modelVersion: db.prepare<[string], { version: number }>(`SELECT version FROM models WHERE id = ?`),
    listModels: db.prepare<[number, number], ModelSummaryRow>(
      `SELECT ${MODEL_SUMMARY_COLUMNS} FROM models WHERE seq > ? ORDER BY seq LIMIT ?`,
    ),
    modelInUse: db.prepare<[string], { one: number }>(
      `SELECT 1 AS one FROM jobs WHERE model_id = ? AND ${ACTIVE} LIMIT 1`,
    ),
    deleteModel: db.prepare<[string]>(`DELETE FROM models WHERE id = ?`),
    updateWeights: db.prepare<
      [{ id: string; weights: Uint8Array; generatorState: Uint8Array; version: number; updatedAt: string }]
    >(
      `UPDATE models SET weights = @weights, generator_state = @generatorState, version = @version,
         updated_at = @updatedAt
       WHERE id = @id`,
    ),

    insertDataset: db.prepare<[DatasetSummaryRow & { features: Uint8Array; labels: Uint8Array }]>(
      `INSERT INTO datasets (id, name, num_samples, feature_shape, label_shape, label_dtype, num_classes,
         created_at, labels, features)
       VALUES (@id, @name, @numSamples, @featureShape, @labelShape, @labelDtype, @numClasses, @createdAt,
         @labels, @features)`,
    ),
    getDataset: db.prepare<[string], DatasetRow>(`SELECT ${DATASET_COLUMNS} FROM datasets WHERE id = ?`),
    getDatasetSummary: db.prepare<[string], DatasetSummaryRow>(
      `SELECT ${DATASET_SUMMARY_COLUMNS} FROM datasets WHERE id = ?`,
    ),
    datasetSeq: db.prepare<[string], { seq: number }>(`SELECT seq FROM datasets WHERE id = ?`),
    listDatasets: db.prepare<[number, number], DatasetSummaryRow>(
      `SELECT ${DATASET_SUMMARY_COLUMNS} FROM datasets WHERE seq > ? ORDER BY seq LIMIT ?`,
    ),
    datasetInUse: db.prepare<[{ id: string }], { one: number }>(
      `SELECT 1 AS one FROM jobs WHERE dataset_id = @id AND ${ACTIVE}
       UNION ALL
       SELECT 1 AS one FROM jobs WHERE validation_dataset_id = @id AND ${ACTIVE}
       LIMIT 1`,
    ),
    deleteDataset: db.prepare<[string]>(`DELETE FROM datasets WHERE id = ?`),

    insertDeleted: db.prepare<["model" | "dataset", string, number]>(
      `INSERT OR REPLACE INTO deleted_rows (kind, id, seq) VALUES (?, ?, ?)`,
    ),
    deletedSeq: db.prepare<["model" | "dataset", string], { seq: number }>(
      `SELECT seq FROM deleted_rows WHERE kind = ? AND id = ?`,
    ),

    insertJob: db.prepare<[ReturnType<typeof jobParams>]>(
      `INSERT INTO jobs (id, model_id, dataset_id, validation_dataset_id, spec, status, progress, metrics,
         error, idempotency_key, cancel_requested, created_at, started_at, finished_at, updated_at)
       VALUES (@id, @modelId, @datasetId, @validationDatasetId, @spec, @status, @progress, @metrics,
         @error, @idempotencyKey, @cancelRequested, @createdAt, @startedAt, @finishedAt, @updatedAt)`,
    ),
    // Only the mutable columns (better-sqlite3 ignores the object's other keys).
    updateJob: db.prepare<[ReturnType<typeof jobParams>]>(
      `UPDATE jobs SET status = @status, progress = @progress, metrics = @metrics, error = @error,
         cancel_requested = @cancelRequested, started_at = @startedAt, finished_at = @finishedAt,
         updated_at = @updatedAt
       WHERE id = @id`,
    ),
    getJob: db.prepare<[string], SqliteJobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`),
    getJobForWrite: db.prepare<[string], SqliteJobWriteRow>(`SELECT ${JOB_COLUMNS}, attempt FROM jobs WHERE id = ?`),
    setAttempt: db.prepare<[number, string]>(`UPDATE jobs SET attempt = ? WHERE id = ?`),
    getJobByIdempotencyKey: db.prepare<[string], SqliteJobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE idempotency_key = ?`,
    ),
    jobSeq: db.prepare<[string], { seq: number }>(`SELECT seq FROM jobs WHERE id = ?`),
    listJobs: db.prepare<[number, number], SqliteJobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE seq > ? ORDER BY seq LIMIT ?`,
    ),
    // The statuses come as one JSON array parameter, so one prepared statement serves any set.
    listJobsByStatus: db.prepare<[string, number, number], SqliteJobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs
       WHERE status IN (SELECT value FROM json_each(?)) AND seq > ?
       ORDER BY seq LIMIT ?`,
    ),
    countJobs: db.prepare<[string], { count: number }>(
      `SELECT COUNT(*) AS count FROM jobs WHERE status IN (SELECT value FROM json_each(?))`,
    ),

    // job_events rows hold runs of events (see event_rows.ts): seq is a row's first event
    lastSeq: db.prepare<[string], { seq: number }>(
      `SELECT seq + n_events - 1 AS seq FROM job_events WHERE job_id = ? ORDER BY seq DESC LIMIT 1`,
    ),
    insertEvent: db.prepare<[EventRow]>(
      `INSERT INTO job_events (job_id, seq, n_events, type, data) VALUES (@jobId, @seq, @nEvents, @type, @data)`,
    ),
    // the rows of events (after, last]: from the row holding event after + 1 (the last row starting
    // at or before it) to the last starting at or before `last` or, past a gap, the first after `after`
    listEventRows: db.prepare<[{ jobId: string; after: number; last: number }], EventRow>(
      `SELECT job_id AS jobId, seq, n_events AS nEvents, type, data FROM job_events
       WHERE job_id = @jobId
         AND seq >= COALESCE((SELECT MAX(seq) FROM job_events WHERE job_id = @jobId AND seq <= @after + 1), 0)
         AND seq <= MAX(@last, COALESCE((SELECT MIN(seq) FROM job_events WHERE job_id = @jobId AND seq > @after), 0))
       ORDER BY seq`,
    ),
    eventRowAt: db.prepare<[string, number], EventRow>(
      `SELECT job_id AS jobId, seq, n_events AS nEvents, type, data FROM job_events
       WHERE job_id = ? AND seq <= ? ORDER BY seq DESC LIMIT 1`,
    ),
    replaceEventRow: db.prepare<[EventRow]>(
      `UPDATE job_events SET n_events = @nEvents, type = @type, data = @data WHERE job_id = @jobId AND seq = @seq`,
    ),
    truncateEvents: db.prepare<[string, number]>(`DELETE FROM job_events WHERE job_id = ? AND seq > ?`),
    // event retention (retention.ts): jobs in creation order, each with its last event's seq
    retentionJobs: db.prepare<[number, number], RetentionJob>(
      `SELECT id, status, finished_at AS finishedAt,
         (SELECT seq + n_events - 1 FROM job_events WHERE job_id = jobs.id ORDER BY seq DESC LIMIT 1) AS lastSeq
       FROM jobs WHERE seq > ? ORDER BY seq LIMIT ?`,
    ),
    deleteProgressRows: db.prepare<[ProgressDeletion]>(
      `DELETE FROM job_events WHERE job_id = @jobId AND seq IN (
         SELECT seq FROM job_events
         WHERE job_id = @jobId AND type = 'progress' AND seq < @before AND seq + n_events <= @before
         ORDER BY seq LIMIT @max)`,
    ),

    upsertCheckpoint: db.prepare<[{ jobId: string; seq: number; state: Uint8Array; createdAt: string }]>(
      `INSERT INTO checkpoints (job_id, seq, created_at, state) VALUES (@jobId, @seq, @createdAt, @state)
       ON CONFLICT (job_id) DO UPDATE SET seq = excluded.seq, created_at = excluded.created_at,
         state = excluded.state`,
    ),
    getCheckpoint: db.prepare<[string], CheckpointRow>(
      `SELECT job_id AS jobId, seq, state, created_at AS createdAt FROM checkpoints WHERE job_id = ?`,
    ),
    deleteCheckpoint: db.prepare<[string]>(`DELETE FROM checkpoints WHERE job_id = ?`),
  };
}
