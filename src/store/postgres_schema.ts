import type { PoolClient } from "pg";

/**
 * The Postgres schema as a list of migrations: `MIGRATIONS[v]` takes a database from schema version
 * `v` to `v + 1`, in the same transaction as the write of the new version to `schema_version`.
 * Never edit a released migration: append a new one.
 *
 * The layout mirrors sqlite_schema.ts (read its notes: no foreign keys from jobs to models or
 * datasets, `deleted_rows` for cursors that name a deleted item, `job_events` rows holding runs of
 * steps as in event_rows.ts). Differences:
 * - `seq` is an identity column (a sequence: never reused, like SQLite's AUTOINCREMENT).
 * - JSON is `text`, not `jsonb`: jsonb reorders keys and rejects `\u0000`, and the store must give
 *   back the JSON exactly as written (events are streamed as stored, key order included).
 * - Timestamps are `text` holding the records' ISO-8601 strings, returned unchanged.
 * - Blobs are `bytea`; Postgres moves large values out of line (TOAST), so listings never read them.
 */
export const MIGRATIONS: readonly string[] = [
  // 0 -> 1: initial schema.
  `
  CREATE TABLE models (
    seq             bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              text    NOT NULL UNIQUE,
    name            text,
    spec            text    NOT NULL,  -- JSON
    summary         text    NOT NULL,  -- JSON
    version         bigint  NOT NULL,
    created_at      text    NOT NULL,
    updated_at      text    NOT NULL,
    generator_state bytea   NOT NULL,
    weights         bytea   NOT NULL
  );

  CREATE TABLE datasets (
    seq           bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            text    NOT NULL UNIQUE,
    name          text,
    num_samples   bigint  NOT NULL,
    feature_shape text    NOT NULL,  -- JSON number[]
    label_shape   text    NOT NULL,  -- JSON number[]
    label_dtype   text    NOT NULL CHECK (label_dtype IN ('int64', 'float32')),
    num_classes   bigint,
    created_at    text    NOT NULL,
    labels        bytea   NOT NULL,
    features      bytea   NOT NULL
  );

  CREATE TABLE jobs (
    seq                   bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                    text    NOT NULL UNIQUE,
    model_id              text    NOT NULL,  -- no FK on purpose, see sqlite_schema.ts
    dataset_id            text    NOT NULL,
    validation_dataset_id text,
    spec                  text    NOT NULL,  -- JSON
    status                text    NOT NULL
      CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress              text    NOT NULL,  -- JSON
    metrics               text    NOT NULL,  -- JSON
    error                 text,              -- JSON { code, message } or NULL
    idempotency_key       text,
    cancel_requested      boolean NOT NULL,
    created_at            text    NOT NULL,
    started_at            text,
    finished_at           text,
    updated_at            text    NOT NULL
  );

  -- NULLs are distinct in a unique index, so jobs without a key never collide; createJob's
  -- ON CONFLICT (idempotency_key) relies on this index.
  CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key);
  CREATE INDEX jobs_status_seq ON jobs (status, seq);
  -- "Is this model/dataset used by an active job?" (the WHERE must match the queries' ACTIVE).
  CREATE INDEX jobs_active_model ON jobs (model_id) WHERE status IN ('queued', 'running');
  CREATE INDEX jobs_active_dataset ON jobs (dataset_id) WHERE status IN ('queued', 'running');
  CREATE INDEX jobs_active_validation_dataset ON jobs (validation_dataset_id)
    WHERE status IN ('queued', 'running');

  CREATE TABLE job_events (
    job_id   text    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq      bigint  NOT NULL,  -- the row's first event: 1, 2, ... per job
    n_events integer NOT NULL CHECK (n_events >= 1),
    type     text    NOT NULL,
    data     text    NOT NULL,  -- JSON
    PRIMARY KEY (job_id, seq)
  );

  CREATE TABLE checkpoints (
    job_id     text    PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    seq        bigint  NOT NULL,
    created_at text    NOT NULL,
    state      bytea   NOT NULL
  );

  CREATE TABLE deleted_rows (
    kind text   NOT NULL CHECK (kind IN ('model', 'dataset')),
    id   text   NOT NULL,
    seq  bigint NOT NULL,
    PRIMARY KEY (kind, id)
  );
  `,
  // 1 -> 2: the number of a job's latest run (Store.beginAttempt), which every write of a run
  // must carry: a run that another one superseded writes nothing more (fencing).
  `
  ALTER TABLE jobs ADD COLUMN attempt integer NOT NULL DEFAULT 0;
  `,
  // 2 -> 3: tenants (issue 15), as SQLite's 3 -> 4 (read its notes) except that no table is rebuilt:
  // the column order does not matter here (blobs are out of line). Rows stored before belong to
  // the default tenant (DEFAULT_TENANT in types.ts), whose row this inserts.
  `
  ALTER TABLE models ADD COLUMN tenant_id text NOT NULL DEFAULT 'ten_default';
  ALTER TABLE datasets ADD COLUMN tenant_id text NOT NULL DEFAULT 'ten_default';
  ALTER TABLE jobs ADD COLUMN tenant_id text NOT NULL DEFAULT 'ten_default';

  CREATE INDEX models_tenant_seq ON models (tenant_id, seq);
  CREATE INDEX datasets_tenant_seq ON datasets (tenant_id, seq);
  CREATE INDEX jobs_tenant_seq ON jobs (tenant_id, seq);
  -- An Idempotency-Key is unique per tenant; createJob's ON CONFLICT (tenant_id, idempotency_key)
  -- relies on this index (NULL keys still distinct).
  DROP INDEX jobs_idempotency_key;
  CREATE UNIQUE INDEX jobs_tenant_idempotency_key ON jobs (tenant_id, idempotency_key);

  CREATE TABLE tenants (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text   NOT NULL UNIQUE,
    name       text   NOT NULL UNIQUE,
    created_at text   NOT NULL
  );
  INSERT INTO tenants (id, name, created_at) VALUES ('ten_default', 'default', '1970-01-01T00:00:00.000Z');

  -- A key's hash, never the key; prefix finds the record when a request authenticates.
  CREATE TABLE api_keys (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           text   NOT NULL UNIQUE,
    tenant_id    text   NOT NULL REFERENCES tenants (id),
    prefix       text   NOT NULL UNIQUE,
    hash         text   NOT NULL,
    role         text   NOT NULL CHECK (role IN ('admin', 'member', 'read')),
    name         text,
    created_at   text   NOT NULL,
    expires_at   text,
    revoked_at   text,
    last_used_at text
  );
  CREATE INDEX api_keys_tenant_seq ON api_keys (tenant_id, seq);
  `,
  // 3 -> 4: as SQLite's 4 -> 5, a tenant's active jobs counted from an index of active jobs only.
  `
  CREATE INDEX jobs_active_tenant ON jobs (tenant_id, status) WHERE status IN ('queued', 'running');
  `,
  // 4 -> 5: as SQLite's 5 -> 6, each tenant's quota limits set by the operator.
  `
  CREATE TABLE tenant_quotas (
    tenant_id text   NOT NULL REFERENCES tenants (id),
    name      text   NOT NULL,
    value     bigint NOT NULL,
    PRIMARY KEY (tenant_id, name)
  );
  `,
  // 5 -> 6: as SQLite's 6 -> 7, a deleted model's or dataset's tenant (NULL for earlier rows).
  `
  ALTER TABLE deleted_rows ADD COLUMN tenant_id text;
  `,
  // 6 -> 7: as SQLite's 7 -> 8, the dtype of a dataset's features (float32 for those stored before).
  `
  ALTER TABLE datasets ADD COLUMN feature_dtype text NOT NULL DEFAULT 'float32'
    CHECK (feature_dtype IN ('float32', 'uint8'));
  `,
  // 7 -> 8: as SQLite's 8 -> 9 (read its notes), versions of models' weights; a model whose weights
  // changed since it was created gets them as its version 1.
  `
  ALTER TABLE models ADD COLUMN current_version bigint;
  CREATE TABLE model_versions (
    model_id        text   NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    version         bigint NOT NULL,  -- 1, 2, ... per model
    tenant_id       text   NOT NULL,  -- the model's
    job_id          text,             -- no FK: jobs are history
    metrics         text   NOT NULL,  -- JSON
    created_at      text   NOT NULL,
    generator_state bytea  NOT NULL,
    weights         bytea  NOT NULL,
    PRIMARY KEY (model_id, version)
  );
  CREATE INDEX model_versions_job ON model_versions (job_id) WHERE job_id IS NOT NULL;
  CREATE INDEX model_versions_tenant ON model_versions (tenant_id);
  INSERT INTO model_versions (model_id, version, tenant_id, job_id, metrics, created_at, generator_state, weights)
    SELECT id, 1, tenant_id, NULL, 'null', updated_at, generator_state, weights FROM models WHERE version > 1;
  UPDATE models SET current_version = 1 WHERE version > 1;
  `,
  // 8 -> 9: as SQLite's 9 -> 10, deleted jobs are remembered too (deleted_rows_kind_check is the
  // name Postgres gave the column's CHECK).
  `
  ALTER TABLE deleted_rows DROP CONSTRAINT deleted_rows_kind_check;
  ALTER TABLE deleted_rows ADD CONSTRAINT deleted_rows_kind_check CHECK (kind IN ('model', 'dataset', 'job'));
  `,
];

/** The schema version this code writes and expects. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Postgres identifiers the store accepts as a schema name: no quoting ever needed. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new RangeError(`invalid Postgres schema name ${JSON.stringify(schema)}: expected lowercase letters, digits and _`);
  }
}

/**
 * Brings `schema` (created if missing) to SCHEMA_VERSION, on a connection whose search_path is that
 * schema. Safe when several processes open the same database at once: everything runs in one
 * transaction under an advisory lock per schema, so one migrates and the others then find it done
 * (even CREATE SCHEMA IF NOT EXISTS fails when two run at once without it). Refuses a database
 * written by a newer schema.
 */
export async function migrate(client: PoolClient, schema: string): Promise<void> {
  checkSchemaName(schema);
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`kiln.migrate.${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM schema_version`);
    const version = rows[0]?.version ?? 0;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `Postgres store schema version ${version} is newer than this code's (${SCHEMA_VERSION}); upgrade Kiln`,
      );
    }
    for (let v = version; v < SCHEMA_VERSION; v++) await client.query(MIGRATIONS[v]!);
    if (rows.length === 0) await client.query(`INSERT INTO schema_version (version) VALUES ($1)`, [SCHEMA_VERSION]);
    else if (version < SCHEMA_VERSION) await client.query(`UPDATE schema_version SET version = $1`, [SCHEMA_VERSION]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}
