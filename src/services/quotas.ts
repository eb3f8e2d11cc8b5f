import type { Store, TenantUsage } from "../store/index.js";
import { QUOTA_NAMES, QuotaExceededError, type QuotaName } from "./errors.js";

/** The most of each thing a tenant may hold or use at once. */
export type QuotaLimits = Record<QuotaName, number>;

/** A tenant's overrides of the service's default limits (the operator's, through PATCH /v1/tenants/{id}). */
export type QuotaOverrides = Partial<QuotaLimits>;

const isQuotaName = (name: string): name is QuotaName => (QUOTA_NAMES as readonly string[]).includes(name);

/**
 * Each tenant's limits (the service's defaults, with the tenant's overrides over them) and checks
 * of its use against them before something new is stored, so that a refused request stores
 * nothing. For models, datasets, bytes and queued jobs the check and the store's insert are two
 * steps: requests of one tenant racing each other may pass a quota by as many as run at once (each
 * is admitted alone, none is half stored). Running jobs are counted in the same transaction that
 * starts one (Store.startJob), so that quota holds exactly, across processes too.
 */
export class TenantQuotas {
  constructor(
    private readonly store: Store,
    /** The limits of a tenant without overrides (the service's configuration). */
    readonly defaults: QuotaLimits,
  ) {}

  usage(tenantId: string): Promise<TenantUsage> {
    return this.store.tenantUsage(tenantId);
  }

  /** The tenant's own limits, without the defaults (names the store holds but this code does not know are left out). */
  async overrides(tenantId: string): Promise<QuotaOverrides> {
    return known(await this.store.getTenantQuotas(tenantId));
  }

  /** The limits that hold for the tenant. */
  async limits(tenantId: string): Promise<QuotaLimits> {
    return { ...this.defaults, ...(await this.overrides(tenantId)) };
  }

  /** Sets (a number) or clears (null: back to the default) some of the tenant's limits; null for an unknown tenant. */
  async setOverrides(tenantId: string, changes: Partial<Record<QuotaName, number | null>>): Promise<QuotaOverrides | null> {
    const stored = await this.store.setTenantQuotas(tenantId, changes as Record<string, number | null>);
    return stored && known(stored);
  }

  /** Admits one more model whose weights are `bytes` long, or throws QuotaExceededError. */
  async admitModel(tenantId: string, bytes: number): Promise<void> {
    const [use, limits] = await Promise.all([this.usage(tenantId), this.limits(tenantId)]);
    if (use.models >= limits.models) throw new QuotaExceededError("models", limits.models, use.models, "delete a model to make room");
    admitBytes(use, limits, bytes, "model");
  }

  /** Admits one more dataset of `bytes` (features and labels), or throws QuotaExceededError. */
  async admitDataset(tenantId: string, bytes: number): Promise<void> {
    const [use, limits] = await Promise.all([this.usage(tenantId), this.limits(tenantId)]);
    if (use.datasets >= limits.datasets) throw new QuotaExceededError("datasets", limits.datasets, use.datasets, "delete a dataset to make room");
    admitBytes(use, limits, bytes, "dataset");
  }

  /** Admits one more kept version of a model's weights, `bytes` long (an upload's), or throws QuotaExceededError. */
  async admitVersion(tenantId: string, bytes: number): Promise<void> {
    const [use, limits] = await Promise.all([this.usage(tenantId), this.limits(tenantId)]);
    admitBytes(use, limits, bytes, "version of the weights");
  }

  /**
   * Admits one more queued job whose success keeps a version of at least `versionBytes`, or throws
   * QuotaExceededError; returns how many of the tenant's jobs are queued or running already (its
   * place for fair scheduling). The version is checked against what is stored now: a success is
   * stored whatever the quota by then, since refusing it would lose the trained weights.
   */
  async admitJob(tenantId: string, versionBytes: number): Promise<number> {
    const [use, limits] = await Promise.all([this.usage(tenantId), this.limits(tenantId)]);
    const active = use.queuedJobs + use.runningJobs;
    if (active >= limits.queued_jobs) {
      throw new QuotaExceededError("queued_jobs", limits.queued_jobs, active, "retry once one of its queued or running jobs has ended");
    }
    admitBytes(use, limits, versionBytes, "job's version of the weights");
    return active;
  }
}

function admitBytes(use: TenantUsage, limits: QuotaLimits, bytes: number, what: "model" | "dataset" | "version of the weights" | "job's version of the weights"): void {
  if (use.bytes + bytes > limits.bytes) {
    throw new QuotaExceededError("bytes", limits.bytes, use.bytes, `this ${what} needs ${bytes} more bytes; delete models or datasets to make room`);
  }
}

function known(stored: Record<string, number>): QuotaOverrides {
  return Object.fromEntries(Object.entries(stored).filter(([name]) => isQuotaName(name)));
}
