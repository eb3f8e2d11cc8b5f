/**
 * An engine process: `node --import tsx bench/host.ts <engine> [profileDir]`, forked by `run.ts`. Holds
 * one engine (one TensorFlow.js backend at most) and answers `Request`s over the IPC channel. With a
 * profile directory, the V8 CPU profiler records each row's measured repetitions (not start-up, data
 * loading or warm-up) and writes `<dir>/<engine>-<row>.cpuprofile` when the row is released; the time
 * spent waiting for other engines shows up as "(idle)".
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { createKiln } from "./engines/kiln.js";
import { createTfjs } from "./engines/tfjs.js";
import { Skip, type NodeEngine, type Runner } from "./engines/types.js";
import type { Request, Response } from "./protocol.js";

async function create(id: string): Promise<NodeEngine> {
  switch (id) {
    case "kiln":
      return createKiln();
    case "tfjs-wasm":
      return createTfjs("wasm");
    case "tfjs-cpu":
      return createTfjs("cpu");
    default:
      throw new Error(`no Node engine called ${id}`);
  }
}

function send(response: Response): void {
  process.send!(response);
}

function failure(e: unknown): Response {
  if (e instanceof Skip) return { ok: false, skip: true, error: e.message };
  return { ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}

/** Profiles one row at a time through the inspector. */
class Profiler {
  private session: Session | null = null;
  private running: string | null = null;
  constructor(
    private readonly engine: string,
    private readonly dir: string,
  ) {}

  async start(id: string): Promise<void> {
    if (this.running === id) return;
    if (this.session === null) {
      this.session = new Session();
      this.session.connect();
      await this.session.post("Profiler.enable");
      await this.session.post("Profiler.setSamplingInterval", { interval: 200 });
    }
    await this.session.post("Profiler.start");
    this.running = id;
  }

  async stop(id: string): Promise<void> {
    if (this.running !== id || this.session === null) return;
    const { profile } = await this.session.post("Profiler.stop");
    this.running = null;
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, `${this.engine}-${id}.cpuprofile`), JSON.stringify(profile));
  }
}

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error("host.ts runs as a child of bench/run.ts");
  const [id = "", profileDir] = process.argv.slice(2);
  const engine = await create(id);
  const profiler = profileDir === undefined ? null : new Profiler(id, profileDir);
  const runners = new Map<string, Runner>();
  // Requests come one at a time (run.ts waits for each answer), so handling them async is safe.
  const handle = async (message: Request): Promise<Response | null> => {
    switch (message.op) {
      case "info":
        return { ok: true, info: engine.info() };
      case "prepare":
        runners.set(message.id, await engine.prepare(message.spec));
        return { ok: true };
      case "run": {
        const runner = runners.get(message.id);
        if (runner === undefined) throw new Error(`case ${message.id} was not prepared`);
        if (message.phase === "measure") await profiler?.start(message.id);
        return { ok: true, result: runner.run(message.iters) };
      }
      case "release":
        await profiler?.stop(message.id);
        runners.get(message.id)?.dispose();
        runners.delete(message.id);
        return { ok: true };
      case "exit":
        process.disconnect();
        return null;
    }
  };
  process.on("message", (message: Request) => {
    handle(message).then(
      (r) => r !== null && send(r),
      (e: unknown) => send(failure(e)),
    );
  });
  send({ ok: true });
}

main().catch((e: unknown) => {
  if (process.send !== undefined) send(failure(e));
  else console.error(e);
  process.exitCode = 1;
  process.disconnect?.();
});
