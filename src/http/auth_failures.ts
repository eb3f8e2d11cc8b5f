/**
 * A cap on failed authentications per client address (OWASP API2): past `max` 401s in a window,
 * the address's further requests to keyed routes get 429 before any key is looked up, until the
 * window ends, so that guessing keys or flooding with bad ones costs a store read at most `max`
 * times. Only failures count, but once blocked an address is refused whatever key it sends
 * (clients behind one NAT share the cap: raise it, or set 0, where that matters). Counted in this
 * process (a client spread over several API processes meets each one's cap).
 */
import { normalizeIP } from "@fastify/rate-limit";

export interface AuthFailureLimit {
  /** Failed authentications per address per window; 0 turns the cap off. */
  max: number;
  windowMs: number;
}

/** Addresses remembered at once; past it the oldest window is forgotten first. */
const MAX_ADDRESSES = 10_000;

export class AuthFailures {
  /** Each address's failures in its current window (Map order: the oldest window first). */
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly limit: AuthFailureLimit) {}

  /** The ms until the address may try again, or 0 when it may now. */
  blockedFor(ip: string, now = Date.now()): number {
    if (this.limit.max === 0) return 0;
    const window = this.windows.get(normalizeIP(ip));
    if (!window || window.endsAt <= now) return 0;
    return window.count >= this.limit.max ? window.endsAt - now : 0;
  }

  /** Counts a failed authentication of the address. */
  failed(ip: string, now = Date.now()): void {
    if (this.limit.max === 0) return;
    const address = normalizeIP(ip);
    const window = this.windows.get(address);
    if (window && window.endsAt > now) {
      window.count++;
      return;
    }
    this.windows.delete(address);
    if (this.windows.size >= MAX_ADDRESSES) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(address, { count: 1, endsAt: now + this.limit.windowMs });
  }
}
