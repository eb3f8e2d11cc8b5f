/** `kiln keys create` as operators run it (a child process, from sources), then the server on the same store. */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { killServers, startServer } from "../http/support/server_process.js";
import { kiln as run } from "./support/kiln.js";

const kiln = (args: string[], dataDir: string) => run(args, { KILN_DATA_DIR: dataDir });

const KEY = /^kiln_[A-Za-z0-9]{12}_[A-Za-z0-9]{32}$/;

describe("kiln keys create", () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "kiln-cli-"));
  });
  afterEach(async () => {
    await killServers();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("makes the first key, which the server on that store then takes (in keys mode)", async () => {
    const run = await kiln(["keys", "create", "--tenant", "acme", "--role", "admin", "--name", "first"], dataDir);
    expect(run.code, run.stderr).toBe(0);
    const key = run.stdout.trim();
    expect(key).toMatch(KEY);
    expect(run.stdout).toBe(`${key}\n`);
    // stderr says which key it is, by id and prefix, never the key itself
    expect(run.stderr).toMatch(/created admin key key_\w+ \(prefix [A-Za-z0-9]{12}\) for tenant "acme" \(ten_\w+, new\)/);
    expect(run.stderr).not.toContain(key);

    const server = await startServer({ dataDir });
    expect(server.logs.some((l) => l.auth === "keys")).toBe(true);
    const models = await fetch(`${server.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(models.status).toBe(200);
    expect(await models.json()).toEqual({ items: [], next_cursor: null });
    const keys = await fetch(`${server.baseUrl}/v1/keys`, { headers: { authorization: `Bearer ${key}` } });
    expect((await keys.json()) as unknown).toMatchObject({ items: [{ name: "first", role: "admin" }] });
    const anonymous = await fetch(`${server.baseUrl}/v1/models`);
    expect(anonymous.status).toBe(401);
    expect(JSON.stringify(server.logs)).not.toContain(key);
  });

  it("answers bad arguments with its usage and exit code 2, creating nothing", async () => {
    const run = await kiln(["keys", "create", "--tenant", "acme", "--role", "owner"], dataDir);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("--role: expected one of admin, member, read");
    expect(run.stderr).toContain("usage: kiln keys create --tenant NAME --role");
    expect(existsSync(join(dataDir, "kiln.db"))).toBe(false);

    const unknown = await kiln(["keys", "make"], dataDir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command: keys make");
  });
});
