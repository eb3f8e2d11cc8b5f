/**
 * What a test file of real server processes sets up the same way: temporary data directories
 * removed after the file, event streams hung up and every server killed after each test.
 *
 *     const { dataDir, streams } = serverProcessScope("kiln-crash-");
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach } from "vitest";
import type { EventStream } from "./api.js";
import { killServers } from "./server_process.js";

export function serverProcessScope(prefix: string): { dataDir: () => string; streams: EventStream[] } {
  const dirs: string[] = [];
  const streams: EventStream[] = [];
  afterEach(async () => {
    await Promise.all(streams.splice(0).map((s) => s.cancel()));
    await killServers();
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  return { dataDir, streams };
}
