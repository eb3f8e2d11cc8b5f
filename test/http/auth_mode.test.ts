/** The start-up auth mode, over a real SQLite store: open only on loopback or when asked for. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AuthModeError, isLoopback, resolveAuthMode } from "../../src/http/auth_mode.js";
import { Config, ConfigError, loadConfig } from "../../src/http/config.js";
import { createKey } from "../../src/services/index.js";
import { DEFAULT_TENANT } from "../../src/store/index.js";
import { SqliteStore } from "../../src/store/sqlite.js";

const dir = mkdtempSync(join(tmpdir(), "kiln-auth-mode-"));
const empty = SqliteStore.open({ path: join(dir, "empty.db") });
const withKey = SqliteStore.open({ path: join(dir, "keys.db") });
afterAll(async () => {
  await empty.close();
  await withKey.close();
  rmSync(dir, { recursive: true, force: true });
});

const ADMIN_KEY = "x".repeat(32);
const config = (overrides: Record<string, unknown>): Config => Config.parse({ logLevel: "silent", dataDir: dir, workers: 1, ...overrides });

describe("isLoopback", () => {
  it("takes 127.0.0.0/8, ::1 and localhost, and nothing else", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST", "::ffff:127.0.0.1"]) expect(isLoopback(host), host).toBe(true);
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.com", "localhost.example.com", "127.0.0.1.nip.io"]) expect(isLoopback(host), host).toBe(false);
  });
});

describe("resolveAuthMode", () => {
  it("is open on loopback with no keys, keys with an admin key or an active stored key", async () => {
    expect((await resolveAuthMode(config({}), empty)).mode).toBe("open");
    expect((await resolveAuthMode(config({ adminKey: ADMIN_KEY }), empty)).mode).toBe("keys");
    await createKey(withKey, { tenantId: DEFAULT_TENANT.id, role: "read", name: null, expiresAt: null });
    expect(await resolveAuthMode(config({ host: "0.0.0.0" }), withKey)).toEqual({ mode: "keys", reason: "the store holds active API keys" });
  });

  it("refuses a non-loopback host without keys, and KILN_AUTH=keys with none; KILN_AUTH=none is open anywhere", async () => {
    await expect(resolveAuthMode(config({ host: "0.0.0.0" }), empty)).rejects.toThrow(AuthModeError);
    await expect(resolveAuthMode(config({ host: "0.0.0.0" }), empty)).rejects.toThrow(/KILN_ADMIN_KEY.*KILN_AUTH=none/);
    await expect(resolveAuthMode(config({ authMode: "keys" }), empty)).rejects.toThrow(/KILN_AUTH=keys/);
    expect(await resolveAuthMode(config({ host: "0.0.0.0", authMode: "none" }), withKey)).toEqual({ mode: "open", reason: "KILN_AUTH=none" });
  });
});

describe("KILN_AUTH and KILN_ADMIN_KEY", () => {
  it("are read from the environment; a bad admin key is named, never printed", () => {
    expect(loadConfig({ KILN_AUTH: "keys", KILN_ADMIN_KEY: ADMIN_KEY })).toMatchObject({ authMode: "keys", adminKey: ADMIN_KEY });
    try {
      loadConfig({ KILN_AUTH: "maybe", KILN_ADMIN_KEY: "too-short-secret" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual(["KILN_ADMIN_KEY", "KILN_AUTH"]);
      expect((error as Error).message).not.toContain("too-short-secret");
    }
  });
});
