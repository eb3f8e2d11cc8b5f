/**
 * Who makes a request: a tenant's key (its role says what it may do), the operator key
 * (KILN_ADMIN_KEY: tenants and keys of every tenant, nothing else), or, in open mode, the default
 * tenant as admin. Keys are looked up in the store on every request, so that a revocation holds at
 * once in every process; only their last use is written in batches.
 */
import { DEFAULT_TENANT, type KeyRole, type Store } from "../store/index.js";
import { UnauthorizedError } from "./errors.js";
import { hashKey, keyPrefix, sameHash } from "./key_format.js";
import { KeyUses } from "./key_uses.js";

/** A tenant's caller: resource routes act in its tenant. `keyId` is null in open mode. */
export interface TenantPrincipal {
  operator: false;
  tenantId: string;
  keyId: string | null;
  role: KeyRole;
}

/** The operator key's caller: no tenant. */
export interface OperatorPrincipal {
  operator: true;
  tenantId: null;
  keyId: null;
  role: null;
}

export type Principal = TenantPrincipal | OperatorPrincipal;

/** Open mode's caller: every request. */
export const OPEN_PRINCIPAL: TenantPrincipal = { operator: false, tenantId: DEFAULT_TENANT.id, keyId: null, role: "admin" };
const OPERATOR: OperatorPrincipal = { operator: true, tenantId: null, keyId: null, role: null };

/** `keys`: every request needs a key; `open`: none does, and every request is OPEN_PRINCIPAL. */
export type AuthMode = "keys" | "open";

const INVALID = "The API key is not valid";

export interface AuthenticatorOptions {
  mode: AuthMode;
  /** The operator key (KILN_ADMIN_KEY), if any; kept only as its hash. */
  adminKey?: string | undefined;
  /** Where failed writes of key uses are reported. */
  onError?: (error: unknown) => void;
}

export class Authenticator {
  readonly mode: AuthMode;
  private readonly adminKeyHash: string | null;
  private readonly uses: KeyUses;
  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly store: Pick<Store, "getApiKeyByPrefix" | "recordApiKeyUse">,
    options: AuthenticatorOptions,
  ) {
    this.mode = options.mode;
    this.adminKeyHash = options.adminKey === undefined ? null : hashKey(options.adminKey);
    this.onError = options.onError ?? (() => undefined);
    this.uses = new KeyUses(store, this.onError);
  }

  /** The caller of a request with this Authorization header; UnauthorizedError when it has none that holds. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (this.mode === "open") return OPEN_PRINCIPAL;
    if (authorization === undefined || authorization === "") {
      throw new UnauthorizedError("An API key is required: send Authorization: Bearer <key>", "missing");
    }
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match) throw new UnauthorizedError("The Authorization header must be Bearer <key>", "malformed");
    const token = match[1]!;
    const hash = hashKey(token);
    if (this.adminKeyHash !== null && sameHash(hash, this.adminKeyHash)) return OPERATOR;
    const prefix = keyPrefix(token);
    const record = prefix === null ? null : await this.store.getApiKeyByPrefix(prefix);
    // unknown prefix and wrong secret answer alike
    if (record === null || !sameHash(hash, record.hash)) throw new UnauthorizedError(INVALID, "invalid");
    const now = new Date().toISOString();
    if (record.revokedAt !== null) throw new UnauthorizedError("The API key has been revoked", "revoked");
    if (record.expiresAt !== null && record.expiresAt <= now) throw new UnauthorizedError("The API key has expired", "expired");
    this.uses.note(record.id, now);
    return { operator: false, tenantId: record.tenantId, keyId: record.id, role: record.role };
  }

  /** Writes the key uses not written yet (at shutdown, before the store closes); a failure goes to onError. */
  flushUses(): Promise<void> {
    return this.uses.flush().catch(this.onError);
  }
}
