import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const SERVER = join(ROOT, "src", "http", "server.ts");
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs src/http/server.ts (through tsx) with `env`; collects its JSON log lines. */
function start(env: Record<string, string>): { child: ChildProcess; logs: Record<string, unknown>[]; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    try {
      logs.push(JSON.parse(line));
    } catch {
      logs.push({ msg: line });
    }
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, logs, stderr: () => stderr, exited };
}

async function waitFor<T>(find: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("server.ts", () => {
  it("listens, serves, and on SIGTERM stops gracefully with exit code 0", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "kiln-server-"));
    dirs.push(dataDir);
    const server = start({ PORT: "0", HOST: "127.0.0.1", KILN_DATA_DIR: dataDir, LOG_LEVEL: "info", KILN_WORKERS: "1" });
    try {
      const listening = await waitFor(() => server.logs.find((l) => String(l.msg).startsWith("kiln listening")));
      const address = listening.address as string;
      expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(existsSync(join(dataDir, "kiln.db"))).toBe(true);

      const health = await fetch(`${address}/healthz`);
      expect(health.status).toBe(200);
      expect(health.headers.get("x-request-id")).toMatch(/^req_/);
      expect((await fetch(`${address}/readyz`)).status).toBe(200);

      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      const messages = server.logs.map((l) => l.msg);
      expect(messages).toContain("shutting down");
      expect(messages.at(-1)).toBe("stopped");
      await expect(fetch(`${address}/healthz`)).rejects.toThrow();
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  it("npm start: SIGTERM to npm stops the service (npm runs node itself, not under a shell that would keep it)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "kiln-npm-start-"));
    dirs.push(dataDir);
    // `npm start` builds first (prestart), then serves from dist/
    const npm = spawn("npm", ["start"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", HOST: "127.0.0.1", KILN_DATA_DIR: dataDir, LOG_LEVEL: "info", KILN_WORKERS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    createInterface({ input: npm.stdout! }).on("line", (line) => lines.push(line));
    const exited = new Promise<void>((resolve) => npm.on("exit", () => resolve()));
    try {
      const listening = await waitFor(() => lines.find((l) => l.includes('"kiln listening')), 180_000);
      const address = (JSON.parse(listening) as { address: string }).address;
      expect((await fetch(`${address}/healthz`)).status).toBe(200);
      npm.kill("SIGTERM");
      await exited;
      // the server went with it (its graceful stop takes a moment): nothing answers on its port any more
      const deadline = Date.now() + 30_000;
      while (await fetch(`${address}/healthz`).then(() => true, () => false)) {
        if (Date.now() > deadline) throw new Error("the server still answers 30 s after npm was stopped");
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      npm.kill("SIGKILL");
    }
  }, 240_000);

  it("refuses to start on a bad configuration, naming every bad variable (exit code 2)", async () => {
    const server = start({ PORT: "http", KILN_MAX_EPOCHS: "-5", LOG_LEVEL: "chatty" });
    expect(await server.exited).toBe(2);
    const stderr = server.stderr();
    expect(stderr).toContain("invalid configuration");
    expect(stderr).toContain('PORT="http"');
    expect(stderr).toContain('KILN_MAX_EPOCHS="-5"');
    expect(stderr).toContain('LOG_LEVEL="chatty"');
  });
});
