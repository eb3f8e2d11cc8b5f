/**
 * When keys were last used, written in batches: a request notes its key's use in memory, and the
 * uses are written to the store at most every FLUSH_MS and at stop (not one write per request).
 */
import type { Store } from "../store/index.js";

export const KEY_USE_FLUSH_MS = 60_000;

export class KeyUses {
  /** key id → the time of its latest use not written yet */
  private pending = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Pick<Store, "recordApiKeyUse">,
    private readonly onError: (error: unknown) => void,
    private readonly flushMs = KEY_USE_FLUSH_MS,
  ) {}

  note(keyId: string, at: string): void {
    this.pending.set(keyId, at);
    if (this.timer === null) {
      this.timer = setTimeout(() => void this.flush().catch(this.onError), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes the uses noted so far. */
  async flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const uses = [...this.pending].map(([id, at]) => ({ id, at }));
    this.pending = new Map();
    await this.store.recordApiKeyUse(uses);
  }
}
