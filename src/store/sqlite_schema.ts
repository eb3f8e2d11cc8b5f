import type { Database } from "better-sqlite3";

/**
 * The SQLite schema as a list of migrations: `MIGRATIONS[v]` takes a database from schema version
 * `v` to `v + 1`. The version lives in SQLite's `user_version` header field, which is written in
 * the same transaction as the migration, so a crash mid-migration leaves the previous version.
 * Never edit a released migration: append a new one.
 *
 * Layout notes:
 * - Every listable table has `seq INTEGER PRIMARY KEY AUTOINCREMENT` (the rowid): listing is by
 *   `seq`, which is the creation order. AUTOINCREMENT never reuses a seq, even after the newest
 *   row is deleted, so a cursor's position stays meaningful.
 * - Blob columns come last in each table: SQLite stores a row's columns in order and spills large
 *   values to overflow pages, so reading the small columns (listings, summaries) never touches
 *   the blob pages.
 * - `jobs` has NO foreign keys to `models`/`datasets`: a finished job keeps the ids of the model
 *   and datasets it used as plain history even after those are deleted (`JobRecord.modelId` is
 *   not nullable, so ON DELETE SET NULL would break reading the job, and a cascade would delete
 *   history). Referential integrity while it matters is enforced by the store in transactions:
 *   `createJob` checks the references exist, and deleting a model/dataset is refused while a
 *   queued or running job uses it. The partial indexes below make that check an index lookup.
 * - `deleted_rows` remembers the `seq` of deleted models/datasets/jobs so a listing cursor that names
 *   a deleted item (the last item of a page, deleted before the next page was fetched) still
 *   continues at the right place.
 */
export const MIGRATIONS: readonly string[] = [
  // 0 -> 1: initial schema.
  `
  CREATE TABLE models (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    name            TEXT,
    spec            TEXT    NOT NULL,  -- JSON
    summary         TEXT    NOT NULL,  -- JSON
    version         INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    generator_state BLOB    NOT NULL,
    weights         BLOB    NOT NULL
  ) STRICT;

  CREATE TABLE datasets (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT    NOT NULL UNIQUE,
    name          TEXT,
    num_samples   INTEGER NOT NULL,
    feature_shape TEXT    NOT NULL,  -- JSON number[]
    label_shape   TEXT    NOT NULL,  -- JSON number[]
    label_dtype   TEXT    NOT NULL CHECK (label_dtype IN ('int64', 'float32')),
    num_classes   INTEGER,
    created_at    TEXT    NOT NULL,
    labels        BLOB    NOT NULL,
    features      BLOB    NOT NULL
  ) STRICT;

  CREATE TABLE jobs (
    seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
    id                    TEXT    NOT NULL UNIQUE,
    model_id              TEXT    NOT NULL,  -- no FK on purpose, see above
    dataset_id            TEXT    NOT NULL,
    validation_dataset_id TEXT,
    spec                  TEXT    NOT NULL,  -- JSON
    status                TEXT    NOT NULL
      CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress              TEXT    NOT NULL,  -- JSON
    metrics               TEXT    NOT NULL,  -- JSON
    error                 TEXT,              -- JSON { code, message } or NULL
    idempotency_key       TEXT,
    cancel_requested      INTEGER NOT NULL CHECK (cancel_requested IN (0, 1)),
    created_at            TEXT    NOT NULL,
    started_at            TEXT,
    finished_at           TEXT,
    updated_at            TEXT    NOT NULL
  ) STRICT;

  -- NULL keys are distinct in a SQLite UNIQUE index, so jobs without a key never collide.
  CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key);
  -- Listing/counting by status in creation order.
  CREATE INDEX jobs_status_seq ON jobs (status, seq);
  -- "Is this model/dataset used by an active job?" (the WHERE must match the queries' exactly).
  CREATE INDEX jobs_active_model ON jobs (model_id) WHERE status IN ('queued', 'running');
  CREATE INDEX jobs_active_dataset ON jobs (dataset_id) WHERE status IN ('queued', 'running');
  CREATE INDEX jobs_active_validation_dataset ON jobs (validation_dataset_id)
    WHERE status IN ('queued', 'running');

  CREATE TABLE job_events (
    job_id TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,  -- 1, 2, ... per job
    type   TEXT    NOT NULL,
    data   TEXT    NOT NULL,  -- JSON
    PRIMARY KEY (job_id, seq)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE checkpoints (
    job_id     TEXT    PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    state      BLOB    NOT NULL
  ) STRICT;

  CREATE TABLE deleted_rows (
    kind TEXT    NOT NULL CHECK (kind IN ('model', 'dataset')),
    id   TEXT    NOT NULL,
    seq  INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
  ) STRICT, WITHOUT ROWID;
  `,
  // 1 -> 2: a job_events row may hold a run of consecutive training steps (event_rows.ts);
  // its seq is then the run's first event. Existing rows hold one event each.
  `
  ALTER TABLE job_events ADD COLUMN n_events INTEGER NOT NULL DEFAULT 1 CHECK (n_events >= 1);
  `,
  // 2 -> 3: the number of a job's latest run (Store.beginAttempt), which every write of a run
  // must carry: a run that another one superseded writes nothing more (fencing).
  `
  ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
  `,
  // 3 -> 4: tenants (issue 15). Every model, dataset and job belongs to a tenant; those stored
  // before belong to the default one (DEFAULT_TENANT in types.ts, whose row this inserts: it always
  // exists). models and datasets are rebuilt rather than altered, since ADD COLUMN would put
  // tenant_id after their blobs, where reading it walks the blobs' overflow pages; their seqs and
  // AUTOINCREMENT counters are kept (cursors, deleted_rows). No foreign keys to tenants from them:
  // tenants are never deleted, and the service checks the tenant it writes for.
  // An Idempotency-Key is unique per tenant (NULL keys still distinct).
  `
  CREATE TABLE models_v4 (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    tenant_id       TEXT    NOT NULL DEFAULT 'ten_default',
    name            TEXT,
    spec            TEXT    NOT NULL,  -- JSON
    summary         TEXT    NOT NULL,  -- JSON
    version         INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    generator_state BLOB    NOT NULL,
    weights         BLOB    NOT NULL
  ) STRICT;
  INSERT INTO models_v4 (seq, id, name, spec, summary, version, created_at, updated_at, generator_state, weights)
    SELECT seq, id, name, spec, summary, version, created_at, updated_at, generator_state, weights FROM models;
  DELETE FROM sqlite_sequence WHERE name = 'models_v4';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'models_v4', seq FROM sqlite_sequence WHERE name = 'models';
  DROP TABLE models;
  ALTER TABLE models_v4 RENAME TO models;

  CREATE TABLE datasets_v4 (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT    NOT NULL UNIQUE,
    tenant_id     TEXT    NOT NULL DEFAULT 'ten_default',
    name          TEXT,
    num_samples   INTEGER NOT NULL,
    feature_shape TEXT    NOT NULL,  -- JSON number[]
    label_shape   TEXT    NOT NULL,  -- JSON number[]
    label_dtype   TEXT    NOT NULL CHECK (label_dtype IN ('int64', 'float32')),
    num_classes   INTEGER,
    created_at    TEXT    NOT NULL,
    labels        BLOB    NOT NULL,
    features      BLOB    NOT NULL
  ) STRICT;
  INSERT INTO datasets_v4 (seq, id, name, num_samples, feature_shape, label_shape, label_dtype, num_classes, created_at, labels, features)
    SELECT seq, id, name, num_samples, feature_shape, label_shape, label_dtype, num_classes, created_at, labels, features
    FROM datasets;
  DELETE FROM sqlite_sequence WHERE name = 'datasets_v4';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'datasets_v4', seq FROM sqlite_sequence WHERE name = 'datasets';
  DROP TABLE datasets;
  ALTER TABLE datasets_v4 RENAME TO datasets;

  ALTER TABLE jobs ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'ten_default';

  -- Listing (and counting) a tenant's items in creation order.
  CREATE INDEX models_tenant_seq ON models (tenant_id, seq);
  CREATE INDEX datasets_tenant_seq ON datasets (tenant_id, seq);
  CREATE INDEX jobs_tenant_seq ON jobs (tenant_id, seq);
  DROP INDEX jobs_idempotency_key;
  CREATE UNIQUE INDEX jobs_tenant_idempotency_key ON jobs (tenant_id, idempotency_key);

  CREATE TABLE tenants (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL UNIQUE,
    created_at TEXT    NOT NULL
  ) STRICT;
  INSERT INTO tenants (id, name, created_at) VALUES ('ten_default', 'default', '1970-01-01T00:00:00.000Z');

  -- A key's hash, never the key; prefix finds the record when a request authenticates.
  CREATE TABLE api_keys (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL UNIQUE,
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    prefix       TEXT    NOT NULL UNIQUE,
    hash         TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'member', 'read')),
    name         TEXT,
    created_at   TEXT    NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
  ) STRICT;
  CREATE INDEX api_keys_tenant_seq ON api_keys (tenant_id, seq);
  `,
  // 4 -> 5: a tenant's queued and running jobs (its quotas, Store.tenantUsage) counted from an
  // index holding active jobs only, however long the tenant's history of ended jobs.
  `
  CREATE INDEX jobs_active_tenant ON jobs (tenant_id, status) WHERE status IN ('queued', 'running');
  `,
  // 5 -> 6: each tenant's quota limits set by the operator over the service's defaults.
  `
  CREATE TABLE tenant_quotas (
    tenant_id TEXT    NOT NULL REFERENCES tenants (id),
    name      TEXT    NOT NULL,
    value     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, name)
  ) STRICT;
  `,
  // 6 -> 7: a deleted model's or dataset's tenant, so that a listing refuses it as another
  // tenant's cursor. Rows deleted before this migration keep NULL: any tenant may continue there.
  `
  ALTER TABLE deleted_rows ADD COLUMN tenant_id TEXT;
  `,
  // 7 -> 8: the dtype a dataset's features are stored in (float32, or uint8 for images); those
  // stored before are float32. The table is rebuilt, as in 3 -> 4, so that the column comes before
  // the blobs; seqs, the AUTOINCREMENT counter and the tenant index are kept.
  `
  CREATE TABLE datasets_v8 (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT    NOT NULL UNIQUE,
    tenant_id     TEXT    NOT NULL DEFAULT 'ten_default',
    name          TEXT,
    num_samples   INTEGER NOT NULL,
    feature_shape TEXT    NOT NULL,  -- JSON number[]
    feature_dtype TEXT    NOT NULL DEFAULT 'float32' CHECK (feature_dtype IN ('float32', 'uint8')),
    label_shape   TEXT    NOT NULL,  -- JSON number[]
    label_dtype   TEXT    NOT NULL CHECK (label_dtype IN ('int64', 'float32')),
    num_classes   INTEGER,
    created_at    TEXT    NOT NULL,
    labels        BLOB    NOT NULL,
    features      BLOB    NOT NULL
  ) STRICT;
  INSERT INTO datasets_v8 (seq, id, tenant_id, name, num_samples, feature_shape, label_shape, label_dtype, num_classes, created_at, labels, features)
    SELECT seq, id, tenant_id, name, num_samples, feature_shape, label_shape, label_dtype, num_classes, created_at, labels, features
    FROM datasets;
  DELETE FROM sqlite_sequence WHERE name = 'datasets_v8';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'datasets_v8', seq FROM sqlite_sequence WHERE name = 'datasets';
  DROP TABLE datasets;
  ALTER TABLE datasets_v8 RENAME TO datasets;
  CREATE INDEX datasets_tenant_seq ON datasets (tenant_id, seq);
  `,
  // 8 -> 9: versions of models' weights (issue 17): each succeeded job's and each upload's, and
  // which of them a model holds (current_version; NULL: the weights it was created with). A model
  // whose weights changed since it was created (version > 1: trained or uploaded) gets them as its
  // version 1, made by no job, so that the weights its users have are kept when the next job
  // trains; one that never changed gets none, as a model created now. models is rebuilt, as in
  // 3 -> 4, so that current_version comes before the blobs; seqs, the AUTOINCREMENT counter and the
  // tenant index are kept. Versions go with their model (ON DELETE CASCADE).
  `
  CREATE TABLE models_v9 (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    tenant_id       TEXT    NOT NULL DEFAULT 'ten_default',
    name            TEXT,
    spec            TEXT    NOT NULL,  -- JSON
    summary         TEXT    NOT NULL,  -- JSON
    version         INTEGER NOT NULL,
    current_version INTEGER,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    generator_state BLOB    NOT NULL,
    weights         BLOB    NOT NULL
  ) STRICT;
  INSERT INTO models_v9 (seq, id, tenant_id, name, spec, summary, version, current_version, created_at, updated_at, generator_state, weights)
    SELECT seq, id, tenant_id, name, spec, summary, version, CASE WHEN version > 1 THEN 1 END, created_at, updated_at, generator_state, weights
    FROM models;
  DELETE FROM sqlite_sequence WHERE name = 'models_v9';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'models_v9', seq FROM sqlite_sequence WHERE name = 'models';
  DROP TABLE models;
  ALTER TABLE models_v9 RENAME TO models;
  CREATE INDEX models_tenant_seq ON models (tenant_id, seq);

  CREATE TABLE model_versions (
    model_id        TEXT    NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,  -- 1, 2, ... per model
    tenant_id       TEXT    NOT NULL,  -- the model's
    job_id          TEXT,              -- no FK: jobs are history, as in jobs -> models
    metrics         TEXT    NOT NULL,  -- JSON
    created_at      TEXT    NOT NULL,
    generator_state BLOB    NOT NULL,
    weights         BLOB    NOT NULL,
    PRIMARY KEY (model_id, version)
  ) STRICT;
  -- a job's weights (GET /v1/jobs/{id}/weights) and a tenant's bytes (its quota)
  CREATE INDEX model_versions_job ON model_versions (job_id) WHERE job_id IS NOT NULL;
  CREATE INDEX model_versions_tenant ON model_versions (tenant_id);
  INSERT INTO model_versions (model_id, version, tenant_id, job_id, metrics, created_at, generator_state, weights)
    SELECT id, 1, tenant_id, NULL, 'null', updated_at, generator_state, weights FROM models WHERE version > 1;
  `,
  // 9 -> 10: deleted jobs are remembered too (Store.deleteJob), for the jobs listing's cursors.
  // A CHECK cannot be altered in SQLite, so deleted_rows is rebuilt with 'job' among its kinds.
  `
  CREATE TABLE deleted_rows_v10 (
    kind      TEXT    NOT NULL CHECK (kind IN ('model', 'dataset', 'job')),
    id        TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    tenant_id TEXT,
    PRIMARY KEY (kind, id)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO deleted_rows_v10 (kind, id, seq, tenant_id) SELECT kind, id, seq, tenant_id FROM deleted_rows;
  DROP TABLE deleted_rows;
  ALTER TABLE deleted_rows_v10 RENAME TO deleted_rows;
  `,
];

/** The schema version this code writes and expects. */
export const SCHEMA_VERSION = MIGRATIONS.length;

function userVersion(db: Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/**
 * Brings the database to SCHEMA_VERSION. Idempotent, and safe when several processes open the
 * same file at once: the version is re-read inside an IMMEDIATE (write-locked) transaction.
 * Refuses a database written by a newer schema.
 */
export function migrate(db: Database): void {
  const check = (version: number) => {
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `SQLite store schema version ${version} is newer than this code's (${SCHEMA_VERSION}); upgrade Kiln`,
      );
    }
  };
  const current = userVersion(db);
  check(current);
  if (current === SCHEMA_VERSION) return;
  db.transaction(() => {
    const version = userVersion(db);
    check(version);
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    // user_version lives in the database header and is covered by this transaction.
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
