/**
 * The Store contract's part on tenants (issue 15): what each tenant sees of models, datasets and
 * jobs, idempotency per tenant, and the tenants and API keys themselves. storeContract (contract.ts)
 * runs it against every implementation.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { StoreConflictError, type Store } from "../../src/store/store.js";
import { StoreCursorError } from "../../src/store/common.js";
import { DEFAULT_TENANT, type ApiKeyRecord, type JobRecord, type TenantRecord } from "../../src/store/types.js";
import { sampleDataset, sampleJob, sampleModel, statusEvent, timestamp } from "./contract.js";

export function sampleTenant(overrides: Partial<TenantRecord> = {}): TenantRecord {
  const id = randomUUID().slice(0, 8);
  return { id: `ten_${id}`, name: `team-${id}`, createdAt: timestamp(), ...overrides };
}

/** A key's record as the service would store it: the hash of a random key, never the key. */
export function sampleApiKey(tenantId: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const prefix = `kiln_${randomBytes(4).toString("hex")}`;
  const key = `${prefix}_${randomBytes(24).toString("base64url")}`;
  return {
    id: `key_${randomUUID()}`,
    tenantId,
    prefix,
    hash: createHash("sha256").update(key).digest("hex"),
    role: "member",
    name: "ci",
    createdAt: timestamp(),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    ...overrides,
  };
}

export function tenantContract(current: () => Store): void {
  /** Two stored tenants besides the default one. */
  async function twoTenants(): Promise<[TenantRecord, TenantRecord]> {
    const a = sampleTenant();
    const b = sampleTenant();
    await current().createTenant(a);
    await current().createTenant(b);
    return [a, b];
  }

  /** A model, a dataset and a job of `tenantId`. */
  async function tenantJob(tenantId: string, overrides: { idempotencyKey?: string; status?: "queued" } = {}) {
    const store = current();
    const model = sampleModel({ tenantId });
    const dataset = sampleDataset({ tenantId });
    await store.createModel(model);
    await store.createDataset(dataset);
    const job = sampleJob({ modelId: model.id, datasetId: dataset.id }, { tenantId, ...overrides });
    return { model, dataset, ...(await store.createJob(job, statusEvent("queued"))) };
  }

  describe("tenants", () => {
    it("has the default tenant from the start", async () => {
      const store = current();
      expect(await store.getTenant(DEFAULT_TENANT.id)).toStrictEqual(DEFAULT_TENANT);
      expect(await store.getTenantByName(DEFAULT_TENANT.name)).toStrictEqual(DEFAULT_TENANT);
      expect(await store.listTenants()).toStrictEqual({ items: [DEFAULT_TENANT], nextCursor: null });
    });

    it("creates a tenant once per name: a taken name returns the existing tenant", async () => {
      const store = current();
      const tenant = sampleTenant();
      expect(await store.createTenant(tenant)).toStrictEqual({ tenant, created: true });
      expect(await store.getTenant(tenant.id)).toStrictEqual(tenant);
      expect(await store.getTenantByName(tenant.name)).toStrictEqual(tenant);
      const again = sampleTenant({ name: tenant.name });
      expect(await store.createTenant(again)).toStrictEqual({ tenant, created: false });
      expect(await store.getTenant(again.id)).toBeNull();
      expect(await store.createTenant({ ...DEFAULT_TENANT, id: "ten_other" })).toStrictEqual({ tenant: DEFAULT_TENANT, created: false });
      expect(await store.getTenant("ten_missing")).toBeNull();
      expect(await store.getTenantByName("missing")).toBeNull();
    });

    it("lists tenants in creation order, page by page", async () => {
      const store = current();
      const [a, b] = await twoTenants();
      const first = await store.listTenants({ limit: 2 });
      expect(first).toStrictEqual({ items: [DEFAULT_TENANT, a], nextCursor: a.id });
      expect(await store.listTenants({ after: a.id })).toStrictEqual({ items: [b], nextCursor: null });
      await expect(store.listTenants({ after: "ten_never" })).rejects.toBeInstanceOf(RangeError);
    });
  });

  describe("resources per tenant", () => {
    it("keeps each record's tenant and lists a tenant's models, datasets and jobs only, in creation order", async () => {
      const store = current();
      const [a, b] = await twoTenants();
      const made: Awaited<ReturnType<typeof tenantJob>>[] = [];
      for (const tenant of [a, b, a, DEFAULT_TENANT, b]) made.push(await tenantJob(tenant.id));
      const of = (tenant: TenantRecord) => made.filter((m) => m.job.tenantId === tenant.id);

      expect((await store.getModel(made[1]!.model.id))!.tenantId).toBe(b.id);
      expect((await store.getDatasetSummary(made[1]!.dataset.id))!.tenantId).toBe(b.id);
      expect((await store.getJob(made[1]!.job.id))!.tenantId).toBe(b.id);
      for (const tenant of [a, b, DEFAULT_TENANT]) {
        const tenantId = tenant.id;
        expect((await store.listModels({ tenantId })).items.map((m) => m.id)).toEqual(of(tenant).map((m) => m.model.id));
        expect((await store.listDatasets({ tenantId })).items.map((d) => d.id)).toEqual(of(tenant).map((m) => m.dataset.id));
        expect((await store.listJobs({ tenantId })).items).toStrictEqual(of(tenant).map((m) => m.job));
      }
      expect((await store.listModels()).items.map((m) => m.tenantId)).toEqual([a.id, b.id, a.id, DEFAULT_TENANT.id, b.id]);
      expect((await store.listJobs({ tenantId: "ten_nobody" })).items).toEqual([]);
    });

    it("pages through a tenant's items, and refuses an `after` of another tenant's item, live or deleted, as one that never existed", async () => {
      const store = current();
      const [a, b] = await twoTenants();
      const made: Awaited<ReturnType<typeof tenantJob>>[] = [];
      for (const tenant of [a, b, a, b, a]) made.push(await tenantJob(tenant.id));
      const ids = (tenant: TenantRecord) => made.filter((m) => m.job.tenantId === tenant.id).map((m) => m.model.id);

      const first = await store.listModels({ tenantId: a.id, limit: 2 });
      expect(first.items.map((m) => m.id)).toEqual(ids(a).slice(0, 2));
      expect(first.nextCursor).toBe(ids(a)[1]);
      const rest = await store.listModels({ tenantId: a.id, limit: 2, after: first.nextCursor! });
      expect(rest).toMatchObject({ nextCursor: null });
      expect(rest.items.map((m) => m.id)).toEqual(ids(a).slice(2));

      const refused = (list: Promise<unknown>) => expect(list).rejects.toBeInstanceOf(StoreCursorError);
      await refused(store.listModels({ tenantId: a.id, after: ids(b)[1]! }));
      await refused(store.listJobs({ tenantId: a.id, after: made[1]!.job.id }));
      await refused(store.listDatasets({ tenantId: a.id, after: made[3]!.dataset.id }));
      // without a tenant (the service's own listings) any item is a cursor
      expect((await store.listModels({ after: ids(b)[1]! })).items.map((m) => m.id)).toEqual([made[4]!.model.id]);

      // a deleted item stays its tenant's cursor, and no other tenant's
      await store.finishJob(made[3]!.job.id, { status: "cancelled", metrics: {}, error: null, finishedAt: timestamp() }, []);
      expect(await store.deleteDataset(made[3]!.dataset.id)).toBe(true);
      expect((await store.listDatasets({ tenantId: b.id, after: made[3]!.dataset.id })).items).toEqual([]);
      await refused(store.listDatasets({ tenantId: a.id, after: made[3]!.dataset.id }));
    });

    it("filters jobs by tenant and status together, and counts a tenant's jobs", async () => {
      const store = current();
      const [a, b] = await twoTenants();
      const jobs: JobRecord[] = [];
      for (const tenant of [a, b, a, b, b]) jobs.push((await tenantJob(tenant.id)).job);
      await store.updateJob(jobs[2]!.id, { status: "running", startedAt: timestamp() });
      await store.updateJob(jobs[3]!.id, { status: "running", startedAt: timestamp() });

      const running = await store.listJobs({ tenantId: a.id, status: ["running"] });
      expect(running.items.map((j) => j.id)).toEqual([jobs[2]!.id]);
      const queued = await store.listJobs({ tenantId: b.id, status: ["queued"], limit: 1 });
      expect(queued).toMatchObject({ items: [{ id: jobs[1]!.id }], nextCursor: jobs[1]!.id });
      const next = await store.listJobs({ tenantId: b.id, status: ["queued"], after: queued.nextCursor! });
      expect(next.items.map((j) => j.id)).toEqual([jobs[4]!.id]);
      expect(await store.listJobs({ tenantId: a.id, status: [] })).toEqual({ items: [], nextCursor: null });

      expect(await store.countJobs(["queued"], a.id)).toBe(1);
      expect(await store.countJobs(["queued", "running"], b.id)).toBe(3);
      expect(await store.countJobs(["running"], DEFAULT_TENANT.id)).toBe(0);
      expect(await store.countJobs(["queued", "running"])).toBe(5);
      expect(await store.countJobs([], a.id)).toBe(0);
    });

    it("sums a tenant's usage: models, datasets, their bytes and its active jobs (issue 15 quotas)", async () => {
      const store = current();
      const [a, b] = await twoTenants();
      const none = { models: 0, datasets: 0, bytes: 0, queuedJobs: 0, runningJobs: 0 };
      expect(await store.tenantUsage(a.id)).toStrictEqual(none);
      expect(await store.tenantUsage("ten_nobody")).toStrictEqual(none);

      const first = await tenantJob(a.id);
      const second = await tenantJob(a.id);
      await tenantJob(b.id);
      // a blob past a page (SQLite overflow pages, Postgres TOAST) counts its full size
      const large = sampleModel({ tenantId: a.id, weights: new Uint8Array(300_000).fill(7) });
      await store.createModel(large);
      await store.updateJob(second.job.id, { status: "running", startedAt: timestamp() });
      const sizes = (m: { weights: Uint8Array }, d: { features: Uint8Array; labels: Uint8Array }) =>
        m.weights.byteLength + d.features.byteLength + d.labels.byteLength;
      const bytes = sizes(first.model, first.dataset) + sizes(second.model, second.dataset) + large.weights.byteLength;
      expect(await store.tenantUsage(a.id)).toStrictEqual({ models: 3, datasets: 2, bytes, queuedJobs: 1, runningJobs: 1 });

      // ended jobs and deleted items no longer count
      await store.updateJob(first.job.id, { status: "cancelled", finishedAt: timestamp() });
      expect(await store.deleteModel(large.id)).toBe(true);
      expect(await store.tenantUsage(a.id)).toStrictEqual({ models: 2, datasets: 2, bytes: bytes - large.weights.byteLength, queuedJobs: 0, runningJobs: 1 });
      expect(await store.tenantUsage(b.id)).toMatchObject({ models: 1, datasets: 1, queuedJobs: 1, runningJobs: 0 });
    });

    it("keeps idempotency keys per tenant: one key in two tenants makes two jobs", async () => {
      const store = current();
      const [a, b] = await twoTenants();
      const key = `key-${randomUUID()}`;
      const inA = await tenantJob(a.id, { idempotencyKey: key });
      const inB = await tenantJob(b.id, { idempotencyKey: key });
      expect([inA.created, inB.created]).toEqual([true, true]);
      expect(inA.job.id).not.toBe(inB.job.id);
      expect(await store.getJobByIdempotencyKey(a.id, key)).toStrictEqual(inA.job);
      expect(await store.getJobByIdempotencyKey(b.id, key)).toStrictEqual(inB.job);
      expect(await store.getJobByIdempotencyKey(DEFAULT_TENANT.id, key)).toBeNull();

      const retry = sampleJob({ modelId: inA.model.id, datasetId: inA.dataset.id }, { tenantId: a.id, idempotencyKey: key });
      expect(await store.createJob(retry, statusEvent("queued"))).toStrictEqual({ job: inA.job, created: false });
      expect(await store.countJobs(["queued"])).toBe(2);
    });
  });

  describe("running jobs per tenant (startJob) and quota overrides", () => {
    it("starts a queued job within the tenant's running limit, and refuses past it writing nothing", async () => {
      const store = current();
      const [a, b] = await twoTenants();
      const first = await tenantJob(a.id);
      const second = await tenantJob(a.id);
      const other = await tenantJob(b.id);
      const begin = async (id: string) => (await store.beginAttempt(id))!.attempt;

      const started = await store.startJob(first.job.id, timestamp(), [statusEvent("running")], await begin(first.job.id), 1);
      expect(started).toMatchObject({ id: first.job.id, status: "running" });
      expect((started as JobRecord).startedAt).not.toBeNull();
      expect((await store.listEvents(first.job.id)).map((e) => e.data)).toEqual([{ status: "queued" }, { status: "running" }]);

      expect(await store.startJob(second.job.id, timestamp(), [statusEvent("running")], await begin(second.job.id), 1)).toBe("at_limit");
      expect(await store.getJob(second.job.id)).toMatchObject({ status: "queued", startedAt: null });
      expect(await store.listEvents(second.job.id)).toHaveLength(1);
      // another tenant's running jobs do not count
      expect(await store.startJob(other.job.id, timestamp(), [], await begin(other.job.id), 1)).toMatchObject({ status: "running" });
      // once the first ends, the second starts
      await store.finishJob(first.job.id, { status: "cancelled", metrics: {}, error: null, finishedAt: timestamp() }, []);
      expect(await store.startJob(second.job.id, timestamp(), [], await begin(second.job.id), 1)).toMatchObject({ status: "running" });
      expect(await store.startJob("job_missing", timestamp(), [], 1, 1)).toBeNull();
    });

    it("never passes the running limit when starts of one tenant race", async () => {
      const store = current();
      const [a] = await twoTenants();
      const jobs = [];
      for (let i = 0; i < 6; i++) jobs.push((await tenantJob(a.id)).job);
      const attempts = await Promise.all(jobs.map(async (job) => (await store.beginAttempt(job.id))!.attempt));
      const results = await Promise.all(jobs.map((job, i) => store.startJob(job.id, timestamp(), [statusEvent("running")], attempts[i]!, 2)));
      expect(results.filter((r) => r === "at_limit")).toHaveLength(4);
      expect(await store.countJobs(["running"], a.id)).toBe(2);
    });

    it("sets and clears a tenant's quota overrides; none for an unknown tenant", async () => {
      const store = current();
      const [a, b] = await twoTenants();
      expect(await store.getTenantQuotas(a.id)).toStrictEqual({});
      expect(await store.setTenantQuotas(a.id, { models: 3, bytes: 5_000_000_000 })).toStrictEqual({ bytes: 5_000_000_000, models: 3 });
      expect(await store.setTenantQuotas(a.id, { models: null, running_jobs: 1 })).toStrictEqual({ bytes: 5_000_000_000, running_jobs: 1 });
      expect(await store.getTenantQuotas(a.id)).toStrictEqual({ bytes: 5_000_000_000, running_jobs: 1 });
      expect(await store.getTenantQuotas(b.id)).toStrictEqual({});
      expect(await store.setTenantQuotas("ten_nobody", { models: 1 })).toBeNull();
      expect(await store.getTenantQuotas("ten_nobody")).toStrictEqual({});
    });
  });

  describe("API keys", () => {
    it("creates a key and gets it by id and by prefix; no key field is stored", async () => {
      const store = current();
      const [a] = await twoTenants();
      const key = sampleApiKey(a.id, { role: "admin", expiresAt: "2999-01-01T00:00:00.000Z" });
      await store.createApiKey(key);
      expect(await store.getApiKey(key.id)).toStrictEqual(key);
      expect(await store.getApiKeyByPrefix(key.prefix)).toStrictEqual(key);
      expect(await store.getApiKey("key_missing")).toBeNull();
      expect(await store.getApiKeyByPrefix("kiln_missing")).toBeNull();
    });

    it("refuses a key of an unknown tenant (a plain Error) and a taken prefix", async () => {
      const store = current();
      const orphan = sampleApiKey("ten_missing");
      const error = await store.createApiKey(orphan).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(StoreConflictError);
      expect(await store.getApiKey(orphan.id)).toBeNull();

      const key = sampleApiKey(DEFAULT_TENANT.id);
      await store.createApiKey(key);
      await expect(store.createApiKey(sampleApiKey(DEFAULT_TENANT.id, { prefix: key.prefix }))).rejects.toThrow();
    });

    it("lists keys in creation order, all or a tenant's, revoked ones too", async () => {
      const store = current();
      const [a, b] = await twoTenants();
      const keys = [a, b, a, a].map((t) => sampleApiKey(t.id));
      for (const key of keys) await store.createApiKey(key);
      await store.revokeApiKey(keys[2]!.id, timestamp());
      const listed = await store.listApiKeys({ tenantId: a.id, limit: 2 });
      expect(listed.items.map((k) => k.id)).toEqual([keys[0]!.id, keys[2]!.id]);
      expect(listed.items[1]!.revokedAt).not.toBeNull();
      const rest = await store.listApiKeys({ tenantId: a.id, after: listed.nextCursor! });
      expect(rest).toStrictEqual({ items: [keys[3]], nextCursor: null });
      expect((await store.listApiKeys()).items.map((k) => k.id)).toEqual(keys.map((k) => k.id));
      expect(await store.listApiKeys({ tenantId: DEFAULT_TENANT.id })).toEqual({ items: [], nextCursor: null });
      await expect(store.listApiKeys({ after: "key_never" })).rejects.toBeInstanceOf(RangeError);
    });

    it("revokes a key once: it keeps its first revocation time", async () => {
      const store = current();
      const key = sampleApiKey(DEFAULT_TENANT.id);
      await store.createApiKey(key);
      const first = timestamp();
      expect(await store.revokeApiKey(key.id, first)).toStrictEqual({ ...key, revokedAt: first });
      expect(await store.revokeApiKey(key.id, timestamp())).toStrictEqual({ ...key, revokedAt: first });
      expect(await store.getApiKey(key.id)).toStrictEqual({ ...key, revokedAt: first });
      expect(await store.revokeApiKey("key_missing", timestamp())).toBeNull();
    });

    it("has active keys while one is neither revoked nor expired", async () => {
      const store = current();
      const now = "2030-06-01T12:00:00.000Z";
      expect(await store.hasActiveApiKeys(now)).toBe(false);
      const expiring = sampleApiKey(DEFAULT_TENANT.id, { expiresAt: "2030-06-01T12:00:00.001Z" });
      await store.createApiKey(expiring);
      expect(await store.hasActiveApiKeys(now)).toBe(true);
      expect(await store.hasActiveApiKeys(expiring.expiresAt!)).toBe(false); // expired at its expiry
      const forever = sampleApiKey(DEFAULT_TENANT.id);
      await store.createApiKey(forever);
      expect(await store.hasActiveApiKeys("2999-01-01T00:00:00.000Z")).toBe(true);
      await store.revokeApiKey(forever.id, now);
      expect(await store.hasActiveApiKeys("2999-01-01T00:00:00.000Z")).toBe(false);
      expect(await store.hasActiveApiKeys(now)).toBe(true);
    });

    it("records uses in one batch: each key's latest, never going back in time; unknown ids ignored", async () => {
      const store = current();
      const [k1, k2, k3] = [0, 1, 2].map(() => sampleApiKey(DEFAULT_TENANT.id));
      for (const key of [k1!, k2!, k3!]) await store.createApiKey(key);
      const [t1, t2, t3] = [timestamp(), timestamp(), timestamp()];
      await store.recordApiKeyUse([
        { id: k1!.id, at: t2 },
        { id: k2!.id, at: t1 },
        { id: k1!.id, at: t1 },
        { id: "key_missing", at: t3 },
      ]);
      expect((await store.getApiKey(k1!.id))!.lastUsedAt).toBe(t2);
      expect((await store.getApiKey(k2!.id))!.lastUsedAt).toBe(t1);
      expect((await store.getApiKey(k3!.id))!.lastUsedAt).toBeNull();
      // a late batch with an older use leaves the newer one
      await store.recordApiKeyUse([
        { id: k1!.id, at: t1 },
        { id: k2!.id, at: t3 },
      ]);
      expect((await store.getApiKey(k1!.id))!.lastUsedAt).toBe(t2);
      expect((await store.getApiKey(k2!.id))!.lastUsedAt).toBe(t3);
      await store.recordApiKeyUse([]);
      expect(await store.getApiKey(k3!.id)).toStrictEqual(k3);
    });
  });
}
