/** API keys in the services layer, over a real SQLite store: format, hashing, authentication, batched uses. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateKey, hashKey, keyPrefix, sameHash } from "../../src/services/key_format.js";
import { KeyUses } from "../../src/services/key_uses.js";
import { Authenticator, createKey, revokeKey, UnauthorizedError } from "../../src/services/index.js";
import { DEFAULT_TENANT } from "../../src/store/index.js";
import { SqliteStore } from "../../src/store/sqlite.js";

const dir = mkdtempSync(join(tmpdir(), "kiln-keys-"));
const store = SqliteStore.open({ path: join(dir, "kiln.db") });
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const newKey = (role: "admin" | "member" | "read" = "member", expiresAt: string | null = null) =>
  createKey(store, { tenantId: DEFAULT_TENANT.id, role, name: null, expiresAt });

async function reasonOf(auth: Authenticator, header: string | undefined): Promise<string> {
  const error = await auth.authenticate(header).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(UnauthorizedError);
  return (error as UnauthorizedError).reason;
}

describe("key format", () => {
  it("is kiln_<12 base62>_<32 base62>, unique, and hashed whole with SHA-256", () => {
    const keys = Array.from({ length: 200 }, generateKey);
    for (const { key, prefix, hash } of keys) {
      expect(key).toMatch(/^kiln_[A-Za-z0-9]{12}_[A-Za-z0-9]{32}$/);
      expect(keyPrefix(key)).toBe(prefix);
      expect(hash).toBe(hashKey(key));
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(keys.map((k) => k.key)).size).toBe(200);
    expect(new Set(keys.map((k) => k.prefix)).size).toBe(200);
    expect(keyPrefix("kiln_short_x")).toBeNull();
    expect(sameHash(keys[0]!.hash, keys[0]!.hash)).toBe(true);
    expect(sameHash(keys[0]!.hash, keys[1]!.hash)).toBe(false);
    expect(sameHash(keys[0]!.hash, "not hex")).toBe(false);
  });
});

describe("Authenticator", () => {
  const operatorKey = "o".repeat(40);
  const auth = new Authenticator(store, { mode: "keys", adminKey: operatorKey });

  it("knows a tenant's key, the operator key, and refuses the rest with a reason", async () => {
    const { key, record } = await newKey("read");
    expect(await auth.authenticate(`Bearer ${key}`)).toEqual({ operator: false, tenantId: DEFAULT_TENANT.id, keyId: record.id, role: "read" });
    expect((await auth.authenticate(`bearer ${operatorKey}`)).operator).toBe(true);
    expect(await reasonOf(auth, undefined)).toBe("missing");
    expect(await reasonOf(auth, `Token ${key}`)).toBe("malformed");
    // Change the secret's last character to one it is not (a fixed "x" left a key ending in x unchanged).
    const wrongSecret = key.slice(0, -1) + (key.endsWith("x") ? "y" : "x");
    expect(await reasonOf(auth, `Bearer ${wrongSecret}`)).toBe("invalid");
    await revokeKey(store, record.id, DEFAULT_TENANT.id);
    expect(await reasonOf(auth, `Bearer ${key}`)).toBe("revoked");
    const expired = await newKey("read", new Date(Date.now() - 1000).toISOString());
    expect(await reasonOf(auth, `Bearer ${expired.key}`)).toBe("expired");
  });

  it("in open mode, is the default tenant's admin for every request", async () => {
    const open = new Authenticator(store, { mode: "open" });
    expect(await open.authenticate(undefined)).toEqual({ operator: false, tenantId: DEFAULT_TENANT.id, keyId: null, role: "admin" });
  });
});

describe("KeyUses", () => {
  it("writes nothing per use, then each key's latest use at once on flush", async () => {
    const [a, b] = [await newKey(), await newKey()];
    const uses = new KeyUses(store, (e) => {
      throw e;
    });
    uses.note(a.record.id, "2030-01-01T00:00:00.000Z");
    uses.note(a.record.id, "2030-01-01T00:00:01.000Z");
    uses.note(b.record.id, "2030-01-01T00:00:02.000Z");
    expect((await store.getApiKey(a.record.id))!.lastUsedAt).toBeNull();
    await uses.flush();
    expect((await store.getApiKey(a.record.id))!.lastUsedAt).toBe("2030-01-01T00:00:01.000Z");
    expect((await store.getApiKey(b.record.id))!.lastUsedAt).toBe("2030-01-01T00:00:02.000Z");
  });

  it("writes on its own after its interval", async () => {
    const { record } = await newKey();
    const uses = new KeyUses(store, (e) => {
      throw e;
    }, 50);
    uses.note(record.id, "2031-01-01T00:00:00.000Z");
    const deadline = Date.now() + 5000;
    while ((await store.getApiKey(record.id))!.lastUsedAt === null) {
      if (Date.now() > deadline) throw new Error("the uses were never written");
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await store.getApiKey(record.id))!.lastUsedAt).toBe("2031-01-01T00:00:00.000Z");
  });
});
