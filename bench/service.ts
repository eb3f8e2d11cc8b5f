/**
 * W5's side of the real service: building it, starting `node dist/src/http/server.js` as a child
 * process on loopback, talking HTTP to it (keep-alive JSON requests, a server-sent-events reader that
 * timestamps every event), sampling its resident memory from /proc, and stopping it (SIGTERM).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const SERVER_JS = join(ROOT, "dist", "src", "http", "server.js");
const HOST = "127.0.0.1";

/**
 * `npm run build` (tsc → dist/): ok, or what went wrong (the tail of its output). Measuring a stale or
 * half-built dist/ would measure something other than the sources.
 */
export function buildDist(): { ok: true; seconds: number } | { ok: false; message: string } {
  const t0 = performance.now();
  const r = spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "build"], { cwd: ROOT, encoding: "utf8" });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status === 0) return { ok: true, seconds };
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
  return { ok: false, message: `npm run build failed (${r.error?.message ?? `exit ${r.status}`}):\n${out}` };
}

/** When dist/ was last built (the server entry point's mtime), or null if it is not there. */
export function distBuiltAt(): Date | null {
  return existsSync(SERVER_JS) ? statSync(SERVER_JS).mtime : null;
}

/** A port nobody listens on right now (the kernel's pick for port 0, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

export interface ServerOptions {
  /** Where the server keeps kiln.db, and its stdout/stderr logs. */
  readonly dataDir: string;
  readonly workers: number;
  readonly logLevel: string;
  /** Write a V8 CPU profile of the server's main thread into this directory at exit (null: no). */
  readonly cpuProfDir: string | null;
  /** More environment variables. */
  readonly env?: Record<string, string>;
}

/** One `node dist/src/http/server.js` process on 127.0.0.1. */
export class KilnServer {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  readonly http: HttpClient;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly options: ServerOptions,
    readonly argv: string[],
    readonly logPath: string,
    readonly errPath: string,
  ) {
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
    this.http = new HttpClient(HOST, port);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exit === null;
  }

  get baseUrl(): string {
    return `http://${HOST}:${this.port}`;
  }

  /** Starts the server and waits until GET /readyz answers 200. */
  static async start(options: ServerOptions, readyTimeoutMs = 30_000): Promise<KilnServer> {
    if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`npm run build\` first`);
    mkdirSync(options.dataDir, { recursive: true });
    const port = await freePort();
    const argv = [...(options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`] : []), SERVER_JS];
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      PORT: String(port),
      HOST,
      KILN_DATA_DIR: options.dataDir,
      KILN_WORKERS: String(options.workers),
      LOG_LEVEL: options.logLevel,
      // the load is one client's: measured, not rate-limited
      KILN_RATE_LIMIT_READ: "0",
      KILN_RATE_LIMIT_WRITE: "0",
      KILN_RATE_LIMIT_TRAIN: "0",
      KILN_RATE_LIMIT_PREDICT: "0",
      ...options.env,
    };
    // stdout (pino's lines) and stderr go to files, as a deployment's would: not through this process
    const logPath = join(options.dataDir, "server.log");
    const errPath = join(options.dataDir, "server.err");
    const out = openSync(logPath, "a");
    const err = openSync(errPath, "a");
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ["ignore", out, err] });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    const server = new KilnServer(child, port, options, argv, logPath, errPath);
    const deadline = performance.now() + readyTimeoutMs;
    for (;;) {
      if (!server.running) throw new Error(`the server exited (${JSON.stringify(server.exit)}) before it was ready:\n${server.stderrTail()}`);
      try {
        const r = await server.http.request("GET", "/readyz", undefined, { timeoutMs: 2000 });
        if (r.status === 200) return server;
      } catch {
        // not listening yet
      }
      if (performance.now() > deadline) {
        await server.kill();
        throw new Error(`the server was not ready within ${readyTimeoutMs} ms:\n${server.stderrTail()}`);
      }
      await sleep(50);
    }
  }

  stderrTail(): string {
    try {
      return readFileSync(this.errPath, "utf8").trim().split("\n").slice(-20).join("\n");
    } catch {
      return "";
    }
  }

  /** VmRSS and VmHWM (peak) of the server process, in bytes; null once it is gone. */
  memory(): { rss: number; hwm: number } | null {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
      const kb = (key: string): number => {
        const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
        return m ? Number(m[1]) * 1024 : NaN;
      };
      return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
    } catch {
      return null;
    }
  }

  /** CPU time (user + system) the server process has used, in seconds; null if unreadable. */
  cpuSeconds(): number | null {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields[11], [12] are utime, stime (the 14th and 15th of the whole line), in clock ticks
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return null;
    }
  }

  /** SIGTERM (a graceful stop, which also writes the CPU profile), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.http.close();
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    this.http.close();
    if (!this.running) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

export interface ServerEvent {
  readonly id: string | null;
  readonly event: string;
  readonly data: unknown;
  /** performance.now() when the chunk that completed the event arrived. */
  readonly at: number;
}

/** A small keep-alive HTTP/1.1 client for JSON requests and event streams (node:http, no fetch overhead). */
export class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  request(
    method: string,
    path: string,
    body?: string | Uint8Array,
    options: { contentType?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...options.headers };
      if (body !== undefined) {
        headers["content-type"] = options.contentType ?? "application/json";
        headers["content-length"] = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
      }
      const req = httpRequest({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", reject);
      if (options.timeoutMs !== undefined) req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${options.timeoutMs} ms`)));
      req.end(body);
    });
  }

  /** A JSON request that must answer `expect` (a 2xx by default); returns the parsed body. */
  async json<T = Record<string, unknown>>(method: string, path: string, payload?: unknown, expect?: number): Promise<T> {
    const r = await this.request(method, path, payload === undefined ? undefined : JSON.stringify(payload));
    if (expect !== undefined ? r.status !== expect : r.status < 200 || r.status > 299) {
      throw new Error(`${method} ${path} answered ${r.status}: ${r.body.slice(0, 500)}`);
    }
    return JSON.parse(r.body) as T;
  }

  /**
   * Opens an event stream (GET `path`, text/event-stream) and calls `onEvent` for each event, stamped
   * with its arrival time. Resolves when the server ends the stream; `close()` on the result aborts it.
   */
  events(path: string, onEvent: (e: ServerEvent) => void, timeoutMs = 600_000): { done: Promise<void>; close: () => void } {
    let close = (): void => {};
    const done = new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: this.host, port: this.port, method: "GET", path, headers: { accept: "text/event-stream" }, agent: this.agent }, (res) => {
        if (res.statusCode !== 200) {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => reject(new Error(`GET ${path} answered ${res.statusCode}: ${text.slice(0, 500)}`)));
          return;
        }
        res.setEncoding("utf8");
        let buffer = "";
        res.on("data", (chunk: string) => {
          const at = performance.now();
          buffer += chunk;
          // one pass over the text with a cursor: a chunk carries a job's steps by the thousand, and
          // this process's CPU is taken from the server's while 4 jobs run
          let start = 0;
          for (;;) {
            const end = buffer.indexOf("\n\n", start);
            if (end < 0) break;
            let id: string | null = null;
            let event = "message";
            let data: string | null = null;
            for (let line = start; line < end; ) {
              let eol = buffer.indexOf("\n", line);
              if (eol < 0 || eol > end) eol = end;
              if (buffer.charCodeAt(line) !== 58 /* ":" starts a comment */) {
                let colon = buffer.indexOf(":", line);
                if (colon < 0 || colon > eol) colon = eol;
                const field = buffer.slice(line, colon);
                const from = colon < eol && buffer.charCodeAt(colon + 1) === 32 ? colon + 2 : Math.min(colon + 1, eol);
                const value = buffer.slice(from, eol);
                if (field === "id") id = value;
                else if (field === "event") event = value;
                else if (field === "data") data = data === null ? value : `${data}\n${value}`;
              }
              line = eol + 1;
            }
            start = end + 2;
            if (data === null) continue; // retry:, comments
            onEvent({ id, event, data: JSON.parse(data) as unknown, at });
          }
          buffer = buffer.slice(start);
        });
        res.on("end", () => resolve());
        res.on("error", reject);
        res.on("close", () => resolve());
      });
      req.on("error", reject);
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path}: stream idle for ${timeoutMs} ms`)));
      close = () => req.destroy();
      req.end();
    });
    return { done, close: () => close() };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A safetensors file holding `features` (F32 [n, ...featureShape]) and `labels` (I64 [n]): a dataset upload. */
export function datasetSafetensors(features: Float32Array, featureShape: readonly number[], labels: Int32Array): Uint8Array {
  const n = labels.length;
  const fBytes = features.byteLength;
  const lBytes = n * 8;
  const header = JSON.stringify({
    features: { dtype: "F32", shape: [n, ...featureShape], data_offsets: [0, fBytes] },
    labels: { dtype: "I64", shape: [n], data_offsets: [fBytes, fBytes + lBytes] },
  });
  const padded = header + " ".repeat((8 - (Buffer.byteLength(header) % 8)) % 8);
  const headerBytes = Buffer.from(padded, "utf8");
  const out = new Uint8Array(8 + headerBytes.length + fBytes + lBytes);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  const base = 8 + headerBytes.length;
  out.set(new Uint8Array(features.buffer, features.byteOffset, fBytes), base);
  for (let i = 0; i < n; i++) view.setBigInt64(base + fBytes + i * 8, BigInt(labels[i]!), true);
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The value at quantile q (0..1) of sorted `values` (nearest rank). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}
