import type { Store, TenantUsage } from "../store/index.js";
import { QuotaExceededError } from "./errors.js";

/** The most each tenant may hold in the store (the same for every tenant: the service's configuration). */
export interface StoredQuotas {
  models: number;
  datasets: number;
  /** Bytes of models' weights and datasets' features and labels. */
  bytes: number;
  /** Jobs queued or running at once: a running job still holds its place until it ends. */
  queuedJobs: number;
}

/**
 * Checks a tenant's use against its quotas before something new is stored, so that a refused
 * request stores nothing. The check and the store's insert are two steps: requests of one tenant
 * racing each other may pass a quota by as many as run at once (each is admitted alone, none is
 * half stored); keeping them exact would mean checking inside the store's insert transaction.
 */
export class TenantQuotas {
  constructor(
    private readonly store: Store,
    readonly limits: StoredQuotas,
  ) {}

  usage(tenantId: string): Promise<TenantUsage> {
    return this.store.tenantUsage(tenantId);
  }

  /** Admits one more model whose weights are `bytes` long, or throws QuotaExceededError. */
  async admitModel(tenantId: string, bytes: number): Promise<void> {
    const use = await this.usage(tenantId);
    if (use.models >= this.limits.models) throw new QuotaExceededError("models", this.limits.models, use.models, "delete a model to make room");
    this.admitBytes(use, bytes, "model");
  }

  /** Admits one more dataset of `bytes` (features and labels), or throws QuotaExceededError. */
  async admitDataset(tenantId: string, bytes: number): Promise<void> {
    const use = await this.usage(tenantId);
    if (use.datasets >= this.limits.datasets) throw new QuotaExceededError("datasets", this.limits.datasets, use.datasets, "delete a dataset to make room");
    this.admitBytes(use, bytes, "dataset");
  }

  /** Admits one more queued job, or throws QuotaExceededError. */
  async admitJob(tenantId: string): Promise<void> {
    const use = await this.usage(tenantId);
    const active = use.queuedJobs + use.runningJobs;
    if (active >= this.limits.queuedJobs) {
      throw new QuotaExceededError("queued_jobs", this.limits.queuedJobs, active, "retry once one of its queued or running jobs has ended");
    }
  }

  private admitBytes(use: TenantUsage, bytes: number, what: "model" | "dataset"): void {
    if (use.bytes + bytes > this.limits.bytes) {
      throw new QuotaExceededError("bytes", this.limits.bytes, use.bytes, `this ${what} needs ${bytes} more bytes; delete models or datasets to make room`);
    }
  }
}
