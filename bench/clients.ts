/**
 * `run.ts`'s side of the engine processes: a Node engine is forked (`host.ts`, IPC), PyTorch is spawned
 * (`torch_bench.py`, JSON lines). Requests go one at a time.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { EngineId, Request, Response } from "./protocol.js";

const HERE = fileURLToPath(new URL(".", import.meta.url));

export interface ClientOptions {
  /** Where Node engines write CPU profiles of their measured repetitions (null: no profiling). */
  readonly profileDir: string | null;
  /** The Python interpreter for PyTorch. */
  readonly python: string;
  /** Pass engine processes' stderr through. */
  readonly verbose: boolean;
}

export class EngineClient {
  private pending: { resolve: (r: Response) => void; reject: (e: Error) => void } | null = null;
  private exited: string | null = null;
  private stderrTail = "";
  private readonly ready: Promise<Response>;

  private constructor(
    readonly id: EngineId,
    private readonly child: ChildProcess,
    private readonly write: (req: Request) => void,
    verbose: boolean,
  ) {
    this.ready = new Promise((resolve, reject) => (this.pending = { resolve, reject }));
    child.stderr?.on("data", (chunk: Buffer) => {
      if (verbose) process.stderr.write(`[${id}] ${chunk.toString()}`);
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      if (verbose) process.stderr.write(`[${id}] ${chunk.toString()}`);
    });
    child.on("error", (e) => this.fail(`could not start: ${e.message}`));
    child.on("exit", (code, signal) => this.fail(`exited (${signal ?? `code ${code}`})`));
  }

  private fail(why: string): void {
    this.exited ??= why;
    const p = this.pending;
    this.pending = null;
    p?.reject(new Error(`${this.id} ${why}${this.stderrTail ? `\n--- its stderr (tail) ---\n${this.stderrTail.trim()}` : ""}`));
  }

  protected receive(response: Response): void {
    const p = this.pending;
    this.pending = null;
    p?.resolve(response);
  }

  /** Resolves with the engine's first message (`{ ok: true }` once it is up). */
  started(): Promise<Response> {
    return this.ready;
  }

  request(req: Request): Promise<Response> {
    if (this.exited !== null) return Promise.reject(new Error(`${this.id} ${this.exited}`));
    if (this.pending !== null) return Promise.reject(new Error(`${this.id}: a request is already pending`));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.write(req);
    });
  }

  /** Asks the process to exit, and kills it (by its own handle) if it has not after `graceMs`. */
  async close(graceMs = 10_000): Promise<void> {
    if (this.exited !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    try {
      this.write({ op: "exit" });
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.child.kill(), graceMs);
    await gone;
    clearTimeout(timer);
  }

  static node(id: EngineId, options: ClientOptions): EngineClient {
    const child = fork(`${HERE}host.ts`, options.profileDir === null ? [id] : [id, options.profileDir], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const client = new EngineClient(id, child, (req) => child.send(req), options.verbose);
    child.on("message", (m) => client.receive(m as Response));
    return client;
  }

  static python(options: ClientOptions): EngineClient {
    if (!existsSync(options.python)) {
      throw new Error(`${options.python} not found (PyTorch runs through Debian's python3-torch)`);
    }
    const child = spawn(options.python, ["-u", `${HERE}torch_bench.py`], { stdio: ["pipe", "pipe", "pipe"], env: torchEnvironment() });
    const client = new EngineClient("torch", child, (req) => child.stdin!.write(`${JSON.stringify(req)}\n`), false);
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (line.trim() === "") return;
      try {
        client.receive(JSON.parse(line) as Response);
      } catch {
        process.stderr.write(`[torch] unexpected output: ${line}\n`);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      if (options.verbose) process.stderr.write(`[torch] ${chunk.toString()}`);
    });
    return client;
  }
}

/**
 * PyTorch at its best on this machine: without the OpenBLAS overrides the host sets for others
 * (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE), and with glibc's mmap threshold high, so that a fresh
 * process does not mmap and unmap its buffers every step (PyTorch's CPU tuning guide's allocator
 * advice; W2 on one thread read 9-35k samples/s without it, ~51k with it).
 */
function torchEnvironment(): NodeJS.ProcessEnv {
  const { OPENBLAS_CORETYPE: _coretype, OPENBLAS_L2_SIZE: _l2, ...env } = process.env;
  return { ...env, MALLOC_MMAP_THRESHOLD_: "17179869184" };
}
