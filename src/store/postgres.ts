import pg from "pg";
import type { CustomTypesConfig, PoolClient, QueryResultRow } from "pg";
import {
  API_KEY_COLUMNS,
  CHECKPOINT_COLUMNS,
  DATASET_COLUMNS,
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
import { checkSchemaName, migrate } from "./postgres_schema.js";
import { retentionStep, type EventRetentionPolicy, type PruneBudget, type PruneResult, type RetentionJob } from "./retention.js";
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
  type QuotaRow,
  type TenantRow,
} from "./rows.js";
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

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** The Postgres schema holding every table, created if missing (lowercase letters, digits, _). Default "public". */
  schema?: string;
  /** Connections in the pool (default 10). */
  maxConnections?: number;
}

/** Must match the partial indexes' WHERE in postgres_schema.ts for the planner to use them. */
const ACTIVE = `status IN ('queued', 'running')`;
const param: Param = (n) => `$${n}`;

/** The table of each kind of item a listing's `after` names. */
const TABLES = { model: "models", dataset: "datasets", job: "jobs", tenant: "tenants", apiKey: "api_keys" } as const;

/** Postgres returns cancel_requested, a boolean column, as a boolean. */
type PgJobRow = JobRow<boolean>;
/** A job's row as the writes to it read it: with the attempt they check. */
type PgJobWriteRow = PgJobRow & { attempt: number };
const jobFromPgRow = (row: PgJobRow): JobRecord => jobFromRow(row, row.cancelRequested);

/**
 * bigint columns (seq, version, counts) come back as numbers instead of pg's default strings: they
 * stay far below 2^53. Set on this store's pool only, not on pg's global parsers.
 */
const TYPES: CustomTypesConfig = {
  getTypeParser: (id, format) => (id === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(id, format)),
};

/**
 * How long the server lets a session idle inside a transaction before it ends it (rolling it
 * back). A transaction here takes milliseconds; one idle this long belongs to a process that stands
 * still mid-write (stopped, or its event loop blocked), and must not keep holding a job's row lock,
 * which every other process's writes to the job (a takeover, a cancel) wait for.
 */
const IDLE_IN_TRANSACTION_MS = 5000;

/** A pool or a client inside a transaction. */
type Db = Pick<PoolClient, "query">;

async function rows<R extends QueryResultRow>(db: Db, text: string, values: unknown[] = []): Promise<R[]> {
  return (await db.query<R>(text, values)).rows;
}

async function one<R extends QueryResultRow>(db: Db, text: string, values: unknown[] = []): Promise<R | undefined> {
  return (await rows<R>(db, text, values))[0];
}

// ---- Statements of the transactions (each takes the transaction's client, see PostgresStore.transaction) ----

/**
 * The row of a job about to be written, checked (checkJobWrite) and locked until the transaction
 * ends. Every write to a job or its events takes this lock first, so two processes appending to
 * one job number their events one after the other, never both from the same last seq, and a run's
 * attempt stays the job's latest until its write commits. FOR NO KEY UPDATE is the lock an UPDATE
 * takes: it leaves the foreign-key checks of event and checkpoint inserts unblocked.
 */
async function jobForWrite(db: Db, id: string, attempt: number | undefined): Promise<PgJobWriteRow | undefined> {
  const sql = `SELECT ${SELECT_LIST.job}, attempt FROM jobs WHERE id = $1 FOR NO KEY UPDATE`;
  const row = await one<PgJobWriteRow>(db, sql, [id]);
  if (row) checkJobWrite(id, row, attempt);
  return row;
}

/** The seq of the job's last event, 0 if none (the caller holds the job's lock). */
async function lastSeq(db: Db, jobId: string): Promise<number> {
  const row = await one<{ last: number }>(db, `SELECT seq + n_events - 1 AS last FROM job_events WHERE job_id = $1 ORDER BY seq DESC LIMIT 1`, [jobId]);
  return row?.last ?? 0;
}

/**
 * Appends events after the job's last (the caller holds its lock); returns the last seq. Runs of
 * steps are packed into one row (event_rows.ts, as in SQLite): a 100 ms batch of a fast job's
 * 1,500 steps is then one row, written in ~8 ms here against ~55 ms as 1,500 rows, and the table
 * stays small enough to replay from.
 */
async function append(db: Db, jobId: string, events: readonly NewEvent[]): Promise<number> {
  const last = await lastSeq(db, jobId);
  if (events.length === 0) return last;
  const packed = packEvents(jobId, events, last + 1);
  // one statement for any number of rows: the columns as arrays
  await db.query(
    `INSERT INTO job_events (job_id, seq, n_events, type, data)
     SELECT $1, * FROM unnest($2::bigint[], $3::integer[], $4::text[], $5::text[])`,
    [jobId, packed.map((r) => r.seq), packed.map((r) => r.nEvents), packed.map((r) => r.type), packed.map((r) => r.data)],
  );
  return last + events.length;
}

/** Writes the job's mutable fields; a job that ends loses its checkpoint. */
async function writeJob(db: Db, job: JobRecord): Promise<void> {
  const sql = `UPDATE jobs SET ${setList(JOB_MUTABLE_COLUMNS, param)} WHERE id = ${param(JOB_MUTABLE_COLUMNS.length + 1)}`;
  await db.query(sql, [...valuesOf(jobChangesToRow(job, job.cancelRequested), JOB_MUTABLE_COLUMNS), job.id]);
  if (isTerminal(job.status)) await db.query(`DELETE FROM checkpoints WHERE job_id = $1`, [job.id]);
}

/**
 * Replaces a model's weights, keeps them as its newest version (made by `origin.jobId`, null: an
 * upload) and bumps its `version`; the new `version`, or undefined if the model is absent. The
 * model's row lock numbers concurrent versions one after the other.
 */
async function setWeights(
  db: Db,
  id: string,
  weights: Uint8Array,
  generatorState: Uint8Array,
  origin: VersionOrigin,
  expectedVersion?: number,
): Promise<number | undefined> {
  const row = await one<{ version: number; tenantId: string }>(db, `SELECT version, tenant_id AS "tenantId" FROM models WHERE id = $1 FOR UPDATE`, [id]);
  if (!row) return undefined;
  if (expectedVersion !== undefined && row.version !== expectedVersion) {
    throw new StoreConflictError(`model ${id} is at version ${row.version}, not ${expectedVersion}`, "version_conflict");
  }
  const at = now();
  const { last } = (await one<{ last: number }>(db, `SELECT COALESCE(MAX(version), 0) AS last FROM model_versions WHERE model_id = $1`, [id]))!;
  await db.query(
    `INSERT INTO model_versions (model_id, version, tenant_id, job_id, metrics, created_at, generator_state, weights)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, last + 1, row.tenantId, origin.jobId, toJson(origin.metrics), at, generatorState, weights],
  );
  await db.query(
    `UPDATE models SET weights = $2, generator_state = $3, version = $4, current_version = $5, updated_at = $6 WHERE id = $1`,
    [id, weights, generatorState, row.version + 1, last + 1, at],
  );
  return row.version + 1;
}

/** A version's columns, its weights' length and (with `blobs`) its blobs. */
const versionColumns = (blobs: boolean): string =>
  `${SELECT_LIST.version}, octet_length(weights) AS bytes${blobs ? `, generator_state AS "generatorState", weights` : ""}`;

/** Remembers a deleted model's, dataset's or job's seq and tenant, so a cursor naming it still continues in place. */
async function rememberDeleted(db: Db, kind: DeletedKind, id: string, row: { seq: number; tenantId: string }): Promise<void> {
  await db.query(
    `INSERT INTO deleted_rows (kind, id, seq, tenant_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (kind, id) DO UPDATE SET seq = excluded.seq, tenant_id = excluded.tenant_id`,
    [kind, id, row.seq, row.tenantId],
  );
}

/**
 * The Postgres implementation of Store, for deployments whose processes (API, workers) share one
 * database. The rules are the Store interface's (store.ts); here each write
 * is a transaction on one pooled connection, at READ COMMITTED, made safe against other processes
 * by row locks:
 * - writes to a job or its events lock the job's row (jobForWrite), so event numbers never collide and
 *   a run's attempt is checked against the latest one (beginAttempt's UPDATE takes the same lock);
 * - createJob key-share-locks the model and datasets it names, and deleting one locks its row
 *   first, so a delete and a createJob using the same model are ordered and the in-use check sees
 *   the job (a delete can never leave a queued job without its model);
 * - an idempotency key is claimed by the unique index (INSERT ... ON CONFLICT DO NOTHING), so
 *   concurrent requests with one key create one job.
 * Listing by `seq` follows creation order as the sequence hands it out: an insert still being
 * committed while a page is read can appear behind that page's cursor (SQLite, with one writer at
 * a time, cannot see this).
 */
export class PostgresStore implements Store {
  private closing: Promise<void> | undefined;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? "public";
    checkSchemaName(schema);
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      // every connection looks up the tables in the store's schema (checked: needs no quoting)
      options: `-c search_path=${schema} -c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_MS}`,
      types: TYPES,
    });
    // A pooled idle connection that breaks (server restart) is dropped by the pool and replaced
    // at the next query; without a listener its 'error' event would crash the process.
    pool.on("error", () => {});
    try {
      const client = await pool.connect();
      try {
        await migrate(client, schema);
      } finally {
        client.release();
      }
      return new PostgresStore(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  /** Runs `work` in one transaction on one connection: committed if it resolves, else rolled back. */
  private async transaction<T>(work: (db: Db) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A session the server ends between two statements (IDLE_IN_TRANSACTION_MS) is reported as an
    // event, not through a query: without a listener it would crash the process. The next query
    // then fails, and the connection is destroyed instead of returned to the pool.
    const onError = (error: Error): void => void (broken = error);
    client.on("error", onError);
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      // a connection that cannot even roll back is destroyed instead of returned to the pool
      await client.query("ROLLBACK").catch((e: unknown) => (broken = e instanceof Error ? e : new Error(String(e))));
      throw error;
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  /**
   * The seq after which a listing continues; a deleted model's, dataset's or job's is remembered. With
   * `tenantId`, an item of another tenant is refused as one that never existed (a deleted row
   * from before deleted_rows kept tenants has none, and continues for any).
   */
  private async cursorSeq(kind: keyof typeof TABLES, after: string | undefined, tenantId?: string): Promise<number> {
    if (after === undefined) return 0;
    const tenant = kind === "tenant" ? "NULL::text" : "tenant_id";
    const sql =
      kind === "model" || kind === "dataset" || kind === "job"
        ? `SELECT seq, tenant_id AS "tenantId" FROM ${TABLES[kind]} WHERE id = $1
           UNION ALL SELECT seq, tenant_id FROM deleted_rows WHERE kind = '${kind}' AND id = $1 LIMIT 1`
        : `SELECT seq, ${tenant} AS "tenantId" FROM ${TABLES[kind]} WHERE id = $1`;
    const row = await one<{ seq: number; tenantId: string | null }>(this.pool, sql, [after]);
    if (!row || (tenantId !== undefined && row.tenantId !== null && row.tenantId !== tenantId)) throw new StoreCursorError(after);
    return row.seq;
  }

  /**
   * A page of a listing, in creation order: the tenant's items when `options.tenantId` is given,
   * and for jobs those in `options.status` when given (a filter left out, null, matches every row).
   */
  private async list<R extends QueryResultRow & { id: string }, T>(
    kind: "model" | "dataset" | "job" | "apiKey",
    columns: string,
    fromRow: (row: R) => T,
    options: ListOptions & { status?: JobStatus[] },
  ): Promise<Page<T>> {
    const limit = clampLimit(options.limit);
    const after = await this.cursorSeq(kind, options.after, options.tenantId);
    const values: unknown[] = [after, limit + 1, options.tenantId ?? null];
    let where = `($3::text IS NULL OR tenant_id = $3)`;
    if (kind === "job") {
      values.push(options.status ?? null);
      where += ` AND ($4::text[] IS NULL OR status = ANY($4::text[]))`;
    }
    const sql = `SELECT ${columns} FROM ${TABLES[kind]} WHERE ${where} AND seq > $1 ORDER BY seq LIMIT $2`;
    const found = await rows<R>(this.pool, sql, values);
    return page(found, limit, fromRow);
  }

  // ---- Models ----

  async createModel(model: ModelRecord): Promise<void> {
    await this.pool.query(insertInto("models", MODEL_COLUMNS, param), valuesOf(modelToRow(model), MODEL_COLUMNS));
  }

  async getModel(id: string): Promise<ModelRecord | null> {
    const row = await one<ModelRow>(this.pool, `SELECT ${SELECT_LIST.model} FROM models WHERE id = $1`, [id]);
    return row ? modelFromRow(row) : null;
  }

  async getModelSummary(id: string): Promise<ModelSummaryRecord | null> {
    const row = await one<ModelSummaryRow>(this.pool, `SELECT ${SELECT_LIST.modelSummary} FROM models WHERE id = $1`, [id]);
    return row ? modelSummaryFromRow(row) : null;
  }

  async getModelVersion(id: string): Promise<number | null> {
    return (await one<{ version: number }>(this.pool, `SELECT version FROM models WHERE id = $1`, [id]))?.version ?? null;
  }

  listModels(options: ListOptions = {}): Promise<Page<ModelSummaryRecord>> {
    return this.list("model", SELECT_LIST.modelSummary, modelSummaryFromRow, options);
  }

  async deleteModel(id: string): Promise<boolean> {
    return this.transaction(async (db) => {
      const row = await one<{ seq: number; tenantId: string }>(db, `SELECT seq, tenant_id AS "tenantId" FROM models WHERE id = $1 FOR UPDATE`, [id]);
      if (!row) return false;
      if (await one(db, `SELECT 1 FROM jobs WHERE model_id = $1 AND ${ACTIVE} LIMIT 1`, [id])) {
        throw new StoreConflictError(`model ${id} is used by a queued or running job`, "model_in_use");
      }
      await db.query(`DELETE FROM models WHERE id = $1`, [id]);
      await rememberDeleted(db, "model", id, row);
      return true;
    });
  }

  async updateModelWeights(
    id: string,
    weights: Uint8Array,
    generatorState: Uint8Array,
    expectedVersion?: number,
  ): Promise<ModelRecord | null> {
    return this.transaction(async (db) => {
      if ((await setWeights(db, id, weights, generatorState, UPLOAD, expectedVersion)) === undefined) return null;
      return modelFromRow((await one<ModelRow>(db, `SELECT ${SELECT_LIST.model} FROM models WHERE id = $1`, [id]))!);
    });
  }

  // ---- Versions ----

  async listVersions(modelId: string, options: Omit<ListOptions, "tenantId"> = {}): Promise<Page<ModelVersionRecord>> {
    const limit = clampLimit(options.limit);
    const after = versionAfter(options.after);
    if (after > 0 && !(await one(this.pool, `SELECT 1 FROM model_versions WHERE model_id = $1 AND version = $2`, [modelId, after]))) {
      throw new StoreCursorError(options.after!);
    }
    const sql = `SELECT ${versionColumns(false)} FROM model_versions WHERE model_id = $1 AND version > $2 ORDER BY version LIMIT $3`;
    return versionPage(await rows<ModelVersionRow>(this.pool, sql, [modelId, after, limit + 1]), limit);
  }

  async getVersion(modelId: string, version: number): Promise<ModelVersionWeights | null> {
    const sql = `SELECT ${versionColumns(true)} FROM model_versions WHERE model_id = $1 AND version = $2`;
    const row = await one<ModelVersionWeightsRow>(this.pool, sql, [modelId, version]);
    return row ? versionWeightsFromRow(row) : null;
  }

  async getVersionOfJob(jobId: string): Promise<ModelVersionWeights | null> {
    const row = await one<ModelVersionWeightsRow>(this.pool, `SELECT ${versionColumns(true)} FROM model_versions WHERE job_id = $1`, [jobId]);
    return row ? versionWeightsFromRow(row) : null;
  }

  async restoreVersion(modelId: string, version: number): Promise<ModelSummaryRecord | null> {
    const sql = restoreVersionSql({ modelId: "$1", version: "$2::bigint", updatedAt: "$3" });
    const row = await one<ModelSummaryRow>(this.pool, sql, [modelId, version, now()]);
    return row ? modelSummaryFromRow(row) : null;
  }

  // ---- Datasets ----

  async createDataset(dataset: DatasetRecord): Promise<void> {
    await this.pool.query(insertInto("datasets", DATASET_COLUMNS, param), valuesOf(datasetToRow(dataset), DATASET_COLUMNS));
  }

  async getDataset(id: string): Promise<DatasetRecord | null> {
    const row = await one<DatasetRow>(this.pool, `SELECT ${SELECT_LIST.dataset} FROM datasets WHERE id = $1`, [id]);
    return row ? datasetFromRow(row) : null;
  }

  async getDatasetSummary(id: string): Promise<DatasetSummaryRecord | null> {
    const sql = `SELECT ${SELECT_LIST.datasetSummary} FROM datasets WHERE id = $1`;
    const row = await one<DatasetSummaryRow>(this.pool, sql, [id]);
    return row ? datasetSummaryFromRow(row) : null;
  }

  async getDatasetBytes(id: string, ranges: { features: ByteRange; labels: ByteRange }): Promise<{ features: Uint8Array; labels: Uint8Array } | null> {
    const { features: f, labels: l } = ranges;
    // substring counts from 1; an uncompressed TOASTed value is read slice by slice
    const sql = `SELECT substring(features FROM $2::int FOR $3::int) AS features, substring(labels FROM $4::int FOR $5::int) AS labels FROM datasets WHERE id = $1`;
    const row = await one<{ features: Buffer; labels: Buffer }>(this.pool, sql, [id, f.start + 1, f.length, l.start + 1, l.length]);
    return row ? { features: bytes(row.features), labels: bytes(row.labels) } : null;
  }

  listDatasets(options: ListOptions = {}): Promise<Page<DatasetSummaryRecord>> {
    return this.list("dataset", SELECT_LIST.datasetSummary, datasetSummaryFromRow, options);
  }

  async deleteDataset(id: string): Promise<boolean> {
    return this.transaction(async (db) => {
      const row = await one<{ seq: number; tenantId: string }>(db, `SELECT seq, tenant_id AS "tenantId" FROM datasets WHERE id = $1 FOR UPDATE`, [id]);
      if (!row) return false;
      const inUse = await one(
        db,
        `SELECT 1 FROM jobs WHERE dataset_id = $1 AND ${ACTIVE}
         UNION ALL
         SELECT 1 FROM jobs WHERE validation_dataset_id = $1 AND ${ACTIVE}
         LIMIT 1`,
        [id],
      );
      if (inUse) throw new StoreConflictError(`dataset ${id} is used by a queued or running job`, "dataset_in_use");
      await db.query(`DELETE FROM datasets WHERE id = $1`, [id]);
      await rememberDeleted(db, "dataset", id, row);
      return true;
    });
  }

  // ---- Jobs ----

  async createJob(job: JobRecord, firstEvent: NewEvent): Promise<{ job: JobRecord; created: boolean }> {
    return this.transaction(async (db) => {
      const key = job.idempotencyKey;
      const existing = async () =>
        key === null
          ? undefined
          : await one<PgJobRow>(db, `SELECT ${SELECT_LIST.job} FROM jobs WHERE tenant_id = $1 AND idempotency_key = $2`, [job.tenantId, key]);
      const before = await existing();
      if (before) return { job: jobFromPgRow(before), created: false };
      // FOR KEY SHARE: a concurrent delete waits for this transaction (and then sees the job in use)
      const exists = async (table: "models" | "datasets", id: string) =>
        (await one(db, `SELECT 1 FROM ${table} WHERE id = $1 FOR KEY SHARE`, [id])) !== undefined;
      if (!(await exists("models", job.modelId))) throw new Error(`model ${job.modelId} not found`);
      if (!(await exists("datasets", job.datasetId))) throw new Error(`dataset ${job.datasetId} not found`);
      if (job.validationDatasetId !== null && !(await exists("datasets", job.validationDatasetId))) {
        throw new Error(`validation dataset ${job.validationDatasetId} not found`);
      }
      // a concurrent createJob with the same key makes this insert wait for it, then do nothing
      const inserted = await one<PgJobRow>(
        db,
        `${insertInto("jobs", JOB_COLUMNS, param)} ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING ${SELECT_LIST.job}`,
        valuesOf(jobToRow(job, job.cancelRequested), JOB_COLUMNS),
      );
      if (!inserted) return { job: jobFromPgRow((await existing())!), created: false };
      await append(db, job.id, [firstEvent]);
      return { job: jobFromPgRow(inserted), created: true };
    });
  }

  async deleteJob(id: string): Promise<boolean> {
    return this.transaction(async (db) => {
      const sql = `SELECT seq, tenant_id AS "tenantId", ${ACTIVE} AS active FROM jobs WHERE id = $1 FOR UPDATE`;
      const row = await one<{ seq: number; tenantId: string; active: boolean }>(db, sql, [id]);
      if (!row) return false;
      if (row.active) throw new StoreConflictError(`job ${id} is queued or running: cancel it first`, "job_active");
      await db.query(`DELETE FROM jobs WHERE id = $1`, [id]); // its events and checkpoint cascade
      await rememberDeleted(db, "job", id, row);
      return true;
    });
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const row = await one<PgJobRow>(this.pool, `SELECT ${SELECT_LIST.job} FROM jobs WHERE id = $1`, [id]);
    return row ? jobFromPgRow(row) : null;
  }

  async getJobByIdempotencyKey(tenantId: string, key: string): Promise<JobRecord | null> {
    const sql = `SELECT ${SELECT_LIST.job} FROM jobs WHERE tenant_id = $1 AND idempotency_key = $2`;
    const row = await one<PgJobRow>(this.pool, sql, [tenantId, key]);
    return row ? jobFromPgRow(row) : null;
  }

  listJobs(options: ListOptions & { status?: JobStatus[] } = {}): Promise<Page<JobRecord>> {
    return this.list("job", SELECT_LIST.job, jobFromPgRow, options);
  }

  async countJobs(statuses: JobStatus[], tenantId?: string): Promise<number> {
    const sql = `SELECT COUNT(*) AS count FROM jobs WHERE status = ANY($1::text[]) AND ($2::text IS NULL OR tenant_id = $2)`;
    return (await one<{ count: number }>(this.pool, sql, [statuses, tenantId ?? null]))!.count;
  }

  async tenantUsage(tenantId: string): Promise<TenantUsage> {
    // octet_length() of a bytea reads its TOAST pointer, not the value; the jobs' counts come from
    // the index of active jobs (its WHERE is ACTIVE)
    const sql = `SELECT
        (SELECT COUNT(*) FROM models WHERE tenant_id = $1) AS models,
        (SELECT COUNT(*) FROM datasets WHERE tenant_id = $1) AS datasets,
        (SELECT COALESCE(SUM(octet_length(weights)), 0) FROM models WHERE tenant_id = $1)
          + (SELECT COALESCE(SUM(octet_length(weights)), 0) FROM model_versions WHERE tenant_id = $1)
          + (SELECT COALESCE(SUM(octet_length(features) + octet_length(labels)), 0) FROM datasets WHERE tenant_id = $1) AS bytes,
        (SELECT COUNT(*) FROM jobs WHERE tenant_id = $1 AND ${ACTIVE} AND status = 'queued') AS "queuedJobs",
        (SELECT COUNT(*) FROM jobs WHERE tenant_id = $1 AND ${ACTIVE} AND status = 'running') AS "runningJobs"`;
    const row = (await one<Record<keyof TenantUsage, number | string>>(this.pool, sql, [tenantId]))!;
    // SUM of bigints is numeric, which pg returns as a string
    return {
      models: Number(row.models),
      datasets: Number(row.datasets),
      bytes: Number(row.bytes),
      queuedJobs: Number(row.queuedJobs),
      runningJobs: Number(row.runningJobs),
    };
  }

  async beginAttempt(id: string): Promise<JobAttempt | null> {
    return this.transaction(async (db) => {
      // the UPDATE takes the row lock: attempts of two processes are numbered one after the other
      const row = await one<PgJobWriteRow>(
        db,
        `UPDATE jobs SET attempt = attempt + 1 WHERE id = $1 AND ${ACTIVE} RETURNING ${SELECT_LIST.job}, attempt`,
        [id],
      );
      if (!row) return null;
      return { job: jobFromPgRow(row), attempt: row.attempt, lastSeq: await lastSeq(db, id) };
    });
  }

  async startJob(id: string, startedAt: string, events: NewEvent[], attempt: number, runningLimit: number): Promise<JobRecord | "at_limit" | null> {
    return this.transaction(async (db) => {
      const row = await jobForWrite(db, id, attempt);
      if (!row) return null;
      // one start per tenant at a time (on every process): the count then sees each start committed before
      await db.query(`SELECT 1 FROM tenants WHERE id = $1 FOR NO KEY UPDATE`, [row.tenantId]);
      const running = await one<{ count: number }>(db, `SELECT COUNT(*) AS count FROM jobs WHERE tenant_id = $1 AND status = 'running'`, [row.tenantId]);
      if (running!.count >= runningLimit) return "at_limit";
      const job = applyPatch(jobFromPgRow(row), { status: "running", startedAt }, now());
      await writeJob(db, job);
      await append(db, id, events);
      return job;
    });
  }

  async updateJob(id: string, patch: JobPatch, events: NewEvent[] = [], attempt?: number): Promise<JobRecord | null> {
    return this.transaction(async (db) => {
      const row = await jobForWrite(db, id, attempt);
      if (!row) return null;
      const job = applyPatch(jobFromPgRow(row), patch, now());
      await writeJob(db, job);
      await append(db, id, events);
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
    return this.transaction(async (db) => {
      const row = await jobForWrite(db, id, attempt);
      if (!row) return null;
      const job = applyPatch(jobFromPgRow(row), patch, now());
      await writeJob(db, job); // also drops the checkpoint
      await append(db, id, typeof events === "function" ? events(job) : events);
      if (modelUpdate) {
        const { modelId, weights, generatorState } = modelUpdate;
        // throwing rolls back the job's patch and events too
        if ((await setWeights(db, modelId, weights, generatorState, { jobId: id, metrics: modelUpdate.metrics ?? null })) === undefined) {
          throw new Error(`model ${modelId} not found`);
        }
      }
      return job;
    });
  }

  // ---- Events and checkpoints ----

  async appendEvents(jobId: string, events: NewEvent[], attempt?: number): Promise<number> {
    return this.transaction(async (db) => {
      if (!(await jobForWrite(db, jobId, attempt))) throw new Error(`job ${jobId} not found`);
      return append(db, jobId, events);
    });
  }

  async listEvents(jobId: string, afterSeq = 0, limit?: number): Promise<JobEvent[]> {
    const max = limit === undefined ? null : Math.max(0, Math.floor(limit));
    if (max === 0) return [];
    // the rows of events (afterSeq, last]: from the row holding event afterSeq + 1 (the last row
    // starting at or before it) to the last starting at or before `last` or, past a gap, the first
    // after afterSeq (GREATEST ignores its NULL when there is none)
    const found = await rows<EventRow>(
      this.pool,
      `SELECT ${SELECT_LIST.event} FROM job_events
       WHERE job_id = $1
         AND seq >= COALESCE((SELECT MAX(seq) FROM job_events WHERE job_id = $1 AND seq <= $2::bigint + 1), 0)
         AND seq <= GREATEST($3::bigint, (SELECT MIN(seq) FROM job_events WHERE job_id = $1 AND seq > $2::bigint))
       ORDER BY seq`,
      [jobId, afterSeq, lastSeqOfPage(afterSeq, max)],
    );
    return eventsAfter(found, afterSeq, max);
  }

  async saveCheckpoint(jobId: string, state: Uint8Array, events: NewEvent[], attempt?: number): Promise<CheckpointRecord> {
    return this.transaction(async (db) => {
      if (!(await jobForWrite(db, jobId, attempt))) throw new Error(`job ${jobId} not found`);
      const seq = await append(db, jobId, events);
      const createdAt = now();
      await db.query(
        `${insertInto("checkpoints", CHECKPOINT_COLUMNS, param)}
         ON CONFLICT (job_id) DO UPDATE SET seq = excluded.seq, created_at = excluded.created_at, state = excluded.state`,
        valuesOf({ jobId, seq, state, createdAt }, CHECKPOINT_COLUMNS),
      );
      return { jobId, seq, state: new Uint8Array(state), createdAt };
    });
  }

  async getCheckpoint(jobId: string): Promise<CheckpointRecord | null> {
    const row = await one<CheckpointRow>(
      this.pool,
      `SELECT ${SELECT_LIST.checkpoint} FROM checkpoints WHERE job_id = $1`,
      [jobId],
    );
    return row ? checkpointFromRow(row) : null;
  }

  async truncateEvents(jobId: string, afterSeq: number, attempt?: number): Promise<void> {
    await this.transaction(async (db) => {
      if (!(await jobForWrite(db, jobId, attempt))) return;
      // a row of steps that straddles afterSeq keeps its steps up to it
      const straddling = await one<EventRow>(
        db,
        `SELECT ${SELECT_LIST.event} FROM job_events WHERE job_id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1`,
        [jobId, afterSeq],
      );
      if (straddling && straddling.seq + straddling.nEvents - 1 > afterSeq) {
        const kept = truncateRow(straddling, afterSeq);
        await db.query(`UPDATE job_events SET n_events = $3, type = $4, data = $5 WHERE job_id = $1 AND seq = $2`, [
          kept.jobId,
          kept.seq,
          kept.nEvents,
          kept.type,
          kept.data,
        ]);
      }
      await db.query(`DELETE FROM job_events WHERE job_id = $1 AND seq > $2`, [jobId, afterSeq]);
    });
  }

  async pruneEvents(policy: EventRetentionPolicy, cursor: string | null, budget: PruneBudget): Promise<PruneResult> {
    const jobs = await rows<RetentionJob>(
      this.pool,
      `SELECT id, status, finished_at AS "finishedAt",
         (SELECT seq + n_events - 1 FROM job_events WHERE job_id = jobs.id ORDER BY seq DESC LIMIT 1) AS "lastSeq"
       FROM jobs WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [await this.cursorSeq("job", cursor ?? undefined), budget.maxJobs],
    );
    // each delete commits on its own: retention holds no lock across jobs
    const step = retentionStep(jobs, cursor, policy, budget);
    for (let next = step.next(); ; ) {
      if (next.done) return next.value;
      const { jobId, before, max } = next.value;
      const { rowCount } = await this.pool.query(
        `DELETE FROM job_events WHERE job_id = $1 AND seq IN (
           SELECT seq FROM job_events
           WHERE job_id = $1 AND type = 'progress' AND seq < $2 AND seq + n_events <= $2
           ORDER BY seq LIMIT $3)`,
        [jobId, before, max],
      );
      next = step.next(rowCount ?? 0);
    }
  }

  // ---- Tenants and API keys ----

  async createTenant(tenant: TenantRecord): Promise<{ tenant: TenantRecord; created: boolean }> {
    return this.transaction(async (db) => {
      // a concurrent create of the same name makes this insert wait for it, then do nothing
      const inserted = await one<TenantRow>(
        db,
        `${insertInto("tenants", TENANT_COLUMNS, param)} ON CONFLICT (name) DO NOTHING RETURNING ${SELECT_LIST.tenant}`,
        valuesOf(tenant, TENANT_COLUMNS),
      );
      if (inserted) return { tenant: inserted, created: true };
      const existing = await one<TenantRow>(db, `SELECT ${SELECT_LIST.tenant} FROM tenants WHERE name = $1`, [tenant.name]);
      return { tenant: existing!, created: false };
    });
  }

  async getTenant(id: string): Promise<TenantRecord | null> {
    return (await one<TenantRow>(this.pool, `SELECT ${SELECT_LIST.tenant} FROM tenants WHERE id = $1`, [id])) ?? null;
  }

  async getTenantByName(name: string): Promise<TenantRecord | null> {
    return (await one<TenantRow>(this.pool, `SELECT ${SELECT_LIST.tenant} FROM tenants WHERE name = $1`, [name])) ?? null;
  }

  async listTenants(options: Omit<ListOptions, "tenantId"> = {}): Promise<Page<TenantRecord>> {
    const limit = clampLimit(options.limit);
    const after = await this.cursorSeq("tenant", options.after);
    const sql = `SELECT ${SELECT_LIST.tenant} FROM tenants WHERE seq > $1 ORDER BY seq LIMIT $2`;
    return page(await rows<TenantRow>(this.pool, sql, [after, limit + 1]), limit, (row) => row);
  }

  async getTenantQuotas(tenantId: string): Promise<QuotaOverrides> {
    return quotaOverrides(await rows<QuotaRow>(this.pool, `SELECT name, value FROM tenant_quotas WHERE tenant_id = $1 ORDER BY name`, [tenantId]));
  }

  async setTenantQuotas(tenantId: string, changes: Record<string, number | null>): Promise<QuotaOverrides | null> {
    return this.transaction(async (db) => {
      if (!(await one(db, `SELECT 1 FROM tenants WHERE id = $1 FOR KEY SHARE`, [tenantId]))) return null;
      for (const [name, value] of Object.entries(changes)) {
        if (value === null) await db.query(`DELETE FROM tenant_quotas WHERE tenant_id = $1 AND name = $2`, [tenantId, name]);
        else {
          await db.query(
            `INSERT INTO tenant_quotas (tenant_id, name, value) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, name) DO UPDATE SET value = excluded.value`,
            [tenantId, name, value],
          );
        }
      }
      return quotaOverrides(await rows<QuotaRow>(db, `SELECT name, value FROM tenant_quotas WHERE tenant_id = $1 ORDER BY name`, [tenantId]));
    });
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    await this.transaction(async (db) => {
      if (!(await one(db, `SELECT 1 FROM tenants WHERE id = $1 FOR KEY SHARE`, [key.tenantId]))) {
        throw new Error(`tenant ${key.tenantId} not found`);
      }
      await db.query(insertInto("api_keys", API_KEY_COLUMNS, param), valuesOf(key, API_KEY_COLUMNS));
    });
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    return (await one<ApiKeyRow>(this.pool, `SELECT ${SELECT_LIST.apiKey} FROM api_keys WHERE id = $1`, [id])) ?? null;
  }

  async getApiKeyByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    const sql = `SELECT ${SELECT_LIST.apiKey} FROM api_keys WHERE prefix = $1`;
    return (await one<ApiKeyRow>(this.pool, sql, [prefix])) ?? null;
  }

  listApiKeys(options: ListOptions = {}): Promise<Page<ApiKeyRecord>> {
    return this.list("apiKey", SELECT_LIST.apiKey, (row: ApiKeyRow) => row, options);
  }

  async hasActiveApiKeys(now: string): Promise<boolean> {
    // ISO-8601 UTC timestamps compare as text in byte order (COLLATE "C", whatever the database's)
    const sql = `SELECT EXISTS (SELECT 1 FROM api_keys
                   WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1 COLLATE "C")) AS active`;
    return (await one<{ active: boolean }>(this.pool, sql, [now]))!.active;
  }

  async revokeApiKey(id: string, at: string): Promise<ApiKeyRecord | null> {
    // a revoked key keeps its first revocation time
    const sql = `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING ${SELECT_LIST.apiKey}`;
    return (await one<ApiKeyRow>(this.pool, sql, [id, at])) ?? null;
  }

  async recordApiKeyUse(uses: { id: string; at: string }[]): Promise<void> {
    if (uses.length === 0) return;
    const ids = uses.map((u) => u.id);
    await this.transaction(async (db) => {
      // rows locked in id order first: the UPDATE's plan may visit them in any order, and two
      // processes' batches locking the same keys in different orders would deadlock
      await db.query(`SELECT 1 FROM api_keys WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE`, [ids]);
      // each key's latest use, and only forward in time (as text in byte order, see hasActiveApiKeys)
      await db.query(
        `UPDATE api_keys SET last_used_at = uses.at
         FROM (SELECT id, MAX(at COLLATE "C") AS at FROM unnest($1::text[], $2::text[]) AS u (id, at) GROUP BY id) AS uses
         WHERE api_keys.id = uses.id AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < uses.at COLLATE "C")`,
        [ids, uses.map((u) => u.at)],
      );
    });
  }

  // ---- Lifecycle ----

  async ping(): Promise<void> {
    await this.pool.query(`SELECT 1`);
  }

  async close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}
