/**
 * The real service as a child process (`node --import tsx src/http/server.ts`), for tests that
 * crash it, stop it and start it again on the same data directory.
 *
 *     const server = await startServer({ dataDir });   // spawned and answering GET /readyz
 *     await server.kill();                              // kill -9
 *     const { code } = await server.stop();             // SIGTERM, then the exit code
 *     afterEach(killServers);                           // nothing outlives a test
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SERVER = join(ROOT, "src", "http", "server.ts");

/** A port nobody listens on right now (the kernel's pick for port 0, released at once). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error("no port"))));
    });
  });
}

export interface StartOptions {
  dataDir: string;
  /** KILN_WORKERS; default 1. */
  workers?: number;
  /** More environment variables (KILN_MAX_EPOCHS, ...). */
  env?: Record<string, string>;
  /** How long to wait for GET /readyz to answer 200; default 20 s. */
  readyTimeoutMs?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ServerProcess>();

const RATE_LIMITS_OFF = { KILN_RATE_LIMIT_READ: "0", KILN_RATE_LIMIT_WRITE: "0", KILN_RATE_LIMIT_TRAIN: "0", KILN_RATE_LIMIT_PREDICT: "0", KILN_RATE_LIMIT_AUTH_FAILURES: "0" };

/** One server process. Its stdout (pino's JSON lines) is kept in `logs`, its stderr in `stderr`. */
export class ServerProcess {
  readonly logs: Record<string, unknown>[] = [];
  stderr = "";
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly dataDir: string,
  ) {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        this.logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.logs.push({ msg: line });
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      }),
    );
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.exit === null;
  }

  /** Spawns the server on a free port (not started: see `startServer`). */
  static spawn(options: StartOptions & { port: number }): ServerProcess {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
      PORT: String(options.port),
      HOST: "127.0.0.1",
      KILN_DATA_DIR: options.dataDir,
      KILN_WORKERS: String(options.workers ?? 1),
      LOG_LEVEL: "info",
      // off: tests poll (every 10-50 ms) far past a key's read budget; rate_limit.test.ts turns them on
      ...RATE_LIMITS_OFF,
      ...options.env,
    };
    const child = spawn(process.execPath, ["--import", "tsx", SERVER], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    const server = new ServerProcess(child, options.port, options.dataDir);
    live.add(server);
    return server;
  }

  /** Whether the server logged that it listens on its port (so /readyz is answered by this process). */
  get listening(): boolean {
    return this.logs.some((l) => String(l.msg).startsWith("kiln listening") && String(l.address).endsWith(`:${this.port}`));
  }

  /**
   * Resolves once the server has logged that it listens and GET /readyz answers 200; rejects if the
   * process exits first or time runs out.
   */
  async waitReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`the server exited (${JSON.stringify(this.exit)}) before it was ready:\n${this.stderr}`);
      if (this.listening) {
        try {
          const res = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
          await res.arrayBuffer();
          if (res.status === 200) return;
        } catch {
          // not answering yet
        }
      }
      if (Date.now() > deadline) throw new Error(`the server was not ready within ${timeoutMs} ms:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** kill -9, and wait until the process is gone. */
  async kill(): Promise<Exit> {
    if (this.running) this.child.kill("SIGKILL");
    return this.exited;
  }

  /**
   * SIGTERM, and wait for the exit (SIGKILL after `timeoutMs`, which the returned exit then shows:
   * `signal: "SIGKILL"`). Also returns how long the graceful stop took.
   */
  async stop(timeoutMs = 30_000): Promise<Exit & { ms: number }> {
    const started = Date.now();
    if (this.running) this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    try {
      const exit = await this.exited;
      return { ...exit, ms: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Spawns the server on a free port and waits until it is ready (killing it if it never is). The
 * port is free when picked; should another process take it before the server binds it, the server
 * exits with EADDRINUSE and a new port is tried.
 */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    const server = ServerProcess.spawn({ ...options, port: await freePort() });
    try {
      await server.waitReady(options.readyTimeoutMs);
      return server;
    } catch (error) {
      await server.kill();
      const portTaken = server.logs.some((l) => JSON.stringify(l).includes("EADDRINUSE"));
      if (!portTaken || attempt === 3) throw error;
    }
  }
}

/** Kills (-9) every server process still running: for afterEach/afterAll. */
export async function killServers(): Promise<void> {
  await Promise.all([...live].map((server) => server.kill()));
}

// A test runner that exits without running afterAll still takes its children with it.
process.once("exit", () => {
  for (const server of live) server.child.kill("SIGKILL");
});
