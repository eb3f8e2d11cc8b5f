/**
 * Whether the API needs keys, decided once at start-up from KILN_AUTH, KILN_ADMIN_KEY, the store's
 * keys and the host: open (no keys, every request is the default tenant's admin) is only ever
 * chosen by itself on a loopback host, where nobody else can reach the service.
 */
import { isIPv4 } from "node:net";
import type { AuthMode } from "../services/index.js";
import type { Store } from "../store/index.js";
import type { Config } from "./config.js";

export interface ResolvedAuthMode {
  mode: AuthMode;
  /** Why, for the start-up log. */
  reason: string;
}

/** The service cannot start with this configuration: nobody could call it, or anybody could. */
export class AuthModeError extends Error {
  override name = "AuthModeError";
}

/** 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h === "::1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice(7) : h;
  return isIPv4(v4) && v4.startsWith("127.");
}

export async function resolveAuthMode(config: Config, store: Pick<Store, "hasActiveApiKeys">): Promise<ResolvedAuthMode> {
  const hasAdminKey = config.adminKey !== undefined;
  if (config.authMode === "none") return { mode: "open", reason: "KILN_AUTH=none" };
  const hasActiveKeys = await store.hasActiveApiKeys(new Date().toISOString());
  if (config.authMode === "keys") {
    if (!hasAdminKey && !hasActiveKeys) {
      throw new AuthModeError(
        "KILN_AUTH=keys, but there is no KILN_ADMIN_KEY and the store holds no active API key: nobody could call the API. " +
          "Set KILN_ADMIN_KEY (at least 32 characters) to create tenants and keys with it.",
      );
    }
    return { mode: "keys", reason: "KILN_AUTH=keys" };
  }
  if (hasAdminKey) return { mode: "keys", reason: "KILN_ADMIN_KEY is set" };
  if (hasActiveKeys) return { mode: "keys", reason: "the store holds active API keys" };
  if (isLoopback(config.host)) return { mode: "open", reason: `HOST ${config.host} is a loopback address and there are no API keys` };
  throw new AuthModeError(
    `HOST ${config.host} is not a loopback address and there are no API keys: Kiln will not serve an open API to the network. ` +
      "Set KILN_ADMIN_KEY (at least 32 characters) to require API keys, or KILN_AUTH=none to serve it open anyway.",
  );
}
