import autocannon from "autocannon";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { readClassification, writeClassification } from "../data.js";
import { buildDist, datasetSafetensors, distBuiltAt, KilnServer, quantile, sleep, type HttpClient, type ServerEvent } from "../service.js";
import { median, summarize } from "../stats.js";
import { arrow, scaled, W2_SIZES, type BenchOptions, type ServiceContext, type ServiceReport, type ServiceRow, type Workload } from "./types.js";

/**
 * W5, the HTTP service (issue 4), measured on a real `node dist/src/http/server.js` process on
 * 127.0.0.1. Kiln only: no peer engine serves this API. Three parts, each on a fresh server process
 * (its own data directory) so that one part's heap and database do not weigh on the next:
 *
 * - latency: POST /v1/jobs → first streamed loss, then POST /v1/models/{id}/predict under load;
 * - jobs: 4 W1-sized jobs at once vs 1 (aggregate training samples/s), KILN_WORKERS=2;
 * - memory: the server's RSS while training W2 for 20 epochs.
 */

const TOY_SIZES = [2, 30, 20, 2];
const W1_SIZES = [50, 30, 20, 3];
const MiB = 1024 * 1024;

/** The issue's goals, as numbers. */
const GOALS = {
  firstLossP50Ms: 50,
  predictRps: 5000,
  predictP99Ms: 20,
  concurrentRatio: 1.8,
  /** "flat": the last epoch's RSS within max(5 %, 16 MiB) of the first epoch's. */
  rssGrowthFraction: 0.05,
  rssGrowthFloorMiB: 16,
} as const;

export const w5: Workload = {
  id: "W5",
  title: "W5 the service",
  description:
    "The HTTP service, Kiln only (no peer engine serves it), on a real `node dist/src/http/server.js` on 127.0.0.1 " +
    "(npm run build first, --w5-no-build to skip): time from POST /v1/jobs to the first streamed `progress` event " +
    `(the seed's toy ${arrow(TOY_SIZES)} job, 20 jobs one after another; p50, min–max); POST /v1/models/{id}/predict ` +
    `batch 1 on W2's ${arrow(W2_SIZES)} under autocannon load (10 connections, 5 s; req/s, p50/p99 latency); ` +
    `4 W1-sized jobs (${arrow(W1_SIZES)}, SGD b32, 20,000 samples) at once vs 1 with KILN_WORKERS=2 (aggregate ` +
    "training samples/s from the streamed steps); the server's RSS (/proc VmRSS every 100 ms) while training W2 " +
    "(Adam b64, 10,000 samples) for 20 epochs: peak, and first vs last epoch.",
  cases: () => [],
  service: runW5,
};

function layers(sizes: readonly number[]): { type: string; out_features?: number }[] {
  const out: { type: string; out_features?: number }[] = [];
  for (let i = 1; i < sizes.length; i++) {
    if (i > 1) out.push({ type: "ReLU" });
    out.push({ type: "Linear", out_features: sizes[i]! });
  }
  return out;
}

async function createModel(http: HttpClient, name: string, sizes: readonly number[], seed: number): Promise<string> {
  const m = await http.json<{ id: string }>("POST", "/v1/models", { name, input_shape: [sizes[0]], seed, layers: layers(sizes) }, 201);
  return m.id;
}

async function uploadDataset(http: HttpClient, x: Float32Array, features: number, y: Int32Array, name: string): Promise<string> {
  const bytes = datasetSafetensors(x, [features], y);
  const r = await http.request("POST", `/v1/datasets?name=${encodeURIComponent(name)}`, bytes, { contentType: "application/octet-stream" });
  if (r.status !== 201) throw new Error(`dataset upload answered ${r.status}: ${r.body.slice(0, 500)}`);
  return (JSON.parse(r.body) as { id: string }).id;
}

/** One job as the client saw it: when it was posted, and each event's arrival. */
interface JobTrace {
  readonly id: string;
  /** performance.now() just before the POST was sent, and when its answer had arrived. */
  readonly postStart: number;
  readonly postEnd: number;
  /** Arrival of the first event of any kind (the stream is open and replaying). */
  firstEventAt: number | null;
  runningAt: number | null;
  /** Arrival and step of every `progress` event. */
  readonly steps: { at: number; step: number; epoch: number }[];
  readonly epochs: { at: number; epoch: number; trainLoss: number }[];
  doneAt: number | null;
  status: string | null;
  error: unknown;
}

/**
 * POSTs a job, then at once opens its event stream (replayed from the first event, so nothing is
 * missed) and records every event until `done`. `streamed` resolves when the stream ends.
 */
async function postAndStream(http: HttpClient, spec: Record<string, unknown>, onEvent?: (e: ServerEvent, trace: JobTrace) => void): Promise<{ trace: JobTrace; streamed: Promise<void> }> {
  const postStart = performance.now();
  const r = await http.request("POST", "/v1/jobs", JSON.stringify(spec));
  const postEnd = performance.now();
  if (r.status !== 202) throw new Error(`POST /v1/jobs answered ${r.status}: ${r.body.slice(0, 500)}`);
  const id = (JSON.parse(r.body) as { id: string }).id;
  const trace: JobTrace = { id, postStart, postEnd, firstEventAt: null, runningAt: null, steps: [], epochs: [], doneAt: null, status: null, error: null };
  const stream = http.events(`/v1/jobs/${id}/events`, (e) => {
    trace.firstEventAt ??= e.at;
    const d = e.data as Record<string, unknown>;
    if (e.event === "progress") trace.steps.push({ at: e.at, step: d.step as number, epoch: d.epoch as number });
    else if (e.event === "epoch") trace.epochs.push({ at: e.at, epoch: d.epoch as number, trainLoss: d.train_loss as number });
    else if (e.event === "status" && d.status === "running") trace.runningAt ??= e.at;
    else if (e.event === "done") {
      trace.doneAt = e.at;
      trace.status = d.status as string;
      trace.error = d.error ?? null;
    }
    onEvent?.(e, trace);
  });
  const streamed = stream.done.then(() => {
    if (trace.status === null) throw new Error(`job ${id}: the event stream ended without a done event`);
    if (trace.status !== "succeeded") throw new Error(`job ${id} ${trace.status}: ${JSON.stringify(trace.error)}`);
  });
  return { trace, streamed };
}

function fmtCores(c: ReturnType<CpuWatch["cores"]>): string {
  return `server main ${c.server.main ?? 0} + other threads ${c.server.other ?? 0}, bench ${c.bench}, other processes ${c.otherProcesses}`;
}

function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function fmtNum(v: number): string {
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/**
 * CPU seconds of the server's threads, from /proc: "main" (the event loop: HTTP, SQLite, SSE) and
 * "other" (every other thread — the training workers, V8's GC helpers, libuv's pool: Node 20 leaves
 * them all named "node").
 */
function threadCpu(server: KilnServer): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of readdirSync(`/proc/${server.pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${server.pid}/task/${tid}/stat`, "utf8");
        const name = tid === String(server.pid) ? "main" : "other";
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const s = (Number(f[11]) + Number(f[12])) / 100;
        out[name] = round((out[name] ?? 0) + s, 2);
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended
  }
  return out;
}

/** Busy CPU seconds of the whole machine (every process), from /proc/stat. */
function machineBusySeconds(): number {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …: busy = all − idle − iowait
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - f[3]! - f[4]!) / 100;
  } catch {
    return NaN;
  }
}

/**
 * Where the machine's cores went over an interval: the server's threads, this bench process (the
 * load generator / event-stream client) and every other process (the machine is shared).
 */
class CpuWatch {
  private readonly server0: Record<string, number>;
  private readonly machine0 = machineBusySeconds();
  private readonly bench0 = process.cpuUsage();
  private readonly t0 = performance.now();
  constructor(private readonly server: KilnServer) {
    this.server0 = threadCpu(server);
  }
  /** Cores used (CPU seconds per wall second) by each, since construction. */
  cores(): { server: Record<string, number>; bench: number; otherProcesses: number; seconds: number } {
    const seconds = (performance.now() - this.t0) / 1000;
    const server = cpuDelta(this.server0, threadCpu(this.server), seconds);
    const b = process.cpuUsage(this.bench0);
    const bench = round((b.user + b.system) / 1e6 / seconds, 2);
    const machine = (machineBusySeconds() - this.machine0) / seconds;
    const serverTotal = Object.values(server).reduce((a, v) => a + v, 0);
    return { server, bench, otherProcesses: round(Math.max(0, machine - serverTotal - bench), 2), seconds: round(seconds, 3) };
  }
}

function cpuDelta(before: Record<string, number>, after: Record<string, number>, seconds: number): Record<string, number> {
  // cores used by each thread group over the interval
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) out[k] = round((v - (before[k] ?? 0)) / seconds, 2);
  return out;
}

// ---------------------------------------------------------------------------------------------

async function runW5(o: BenchOptions, ctx: ServiceContext): Promise<ServiceReport> {
  const rows: ServiceRow[] = [];
  const notes: string[] = [];
  const errors: { part: string; message: string }[] = [];
  const details: Record<string, unknown> = {};
  const w5o = ctx.w5;

  if (w5o.build) {
    ctx.log("  W5: npm run build (the server runs from dist/) …");
    const b = buildDist();
    if (!b.ok) {
      return {
        rows,
        notes,
        details,
        errors: [{ part: "build", message: `${b.message}\n(W5 measures the built service: fix the build, or pass --w5-no-build to measure dist/ as it is)` }],
      };
    }
    details.build = { ran: true, seconds: round(b.seconds, 1) };
  } else {
    const at = distBuiltAt();
    if (at === null) {
      return { rows, notes, details, errors: [{ part: "build", message: "dist/src/http/server.js is missing: run `npm run build` (or drop --w5-no-build)" }] };
    }
    ctx.log(`  W5: --w5-no-build: measuring dist/ as built at ${at.toISOString()}`);
    details.build = { ran: false, distBuiltAt: at.toISOString() };
  }
  details.server = { command: "node dist/src/http/server.js", host: "127.0.0.1", workers: w5o.workers, logLevel: w5o.logLevel, node: process.versions.node };

  const root = join(o.dataDir, "w5");
  const parts: { name: string; run: (server: KilnServer) => Promise<void> }[] = [
    { name: "latency", run: (s) => latencyPart(s, o, ctx, rows, details) },
    { name: "jobs", run: (s) => jobsPart(s, o, ctx, rows, details) },
    { name: "memory", run: (s) => memoryPart(s, o, ctx, rows, details) },
  ];
  for (const part of parts.filter((p) => w5o.parts.includes(p.name))) {
    const profTmp = ctx.profileDir ? join(ctx.profileDir, `W5-${part.name}.tmp`) : null;
    let server: KilnServer | null = null;
    try {
      if (profTmp) mkdirSync(profTmp, { recursive: true });
      server = await KilnServer.start({ dataDir: join(root, part.name), workers: w5o.workers, logLevel: w5o.logLevel, cpuProfDir: profTmp });
      ctx.log(`  W5 ${part.name}: server pid ${server.pid} on ${server.baseUrl} (KILN_WORKERS=${w5o.workers}, LOG_LEVEL=${w5o.logLevel})`);
      await part.run(server);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      errors.push({ part: part.name, message });
      ctx.log(`  !! W5 ${part.name}: ${message}`);
    } finally {
      if (server) {
        await server.stop();
        const exit = await server.exited;
        if (exit.code !== 0) ctx.log(`  !! W5 ${part.name}: the server did not stop cleanly (${JSON.stringify(exit)}): ${server.stderrTail()}`);
      }
      if (profTmp && ctx.profileDir) {
        // the main thread's profile (piscina's workers are started without --cpu-prof)
        const files = readdirSync(profTmp).filter((f) => f.endsWith(".cpuprofile")).sort();
        files.forEach((f, i) => renameSync(join(profTmp, f), join(ctx.profileDir!, `kiln-server-W5.${part.name}${i === 0 ? "" : `-${i}`}.cpuprofile`)));
        rmSync(profTmp, { recursive: true, force: true });
      }
    }
  }

  for (const r of rows) {
    if (r.goal === null) continue;
    const value = r.text ?? `${fmtNum(r.summary.median)} ${r.unit}`;
    notes.push(`${r.goal.met === true ? "met   " : r.goal.met === false ? "MISSED" : "?     "} ${r.label}: ${value} (goal ${r.goal.text})`);
  }
  return { rows, notes, details, errors };
}

// ---------------------------------------------------------------------------------------------
// latency: first streamed loss, then predict under load

async function latencyPart(server: KilnServer, o: BenchOptions, ctx: ServiceContext, rows: ServiceRow[], details: Record<string, unknown>): Promise<void> {
  const http = server.http;

  // --- POST /v1/jobs → first streamed loss, the README's toy job, one job at a time
  const model = await createModel(http, "NeuralNetwork(2, 2)", TOY_SIZES, 123);
  const dataset = await http.json<{ id: string }>(
    "POST",
    "/v1/datasets",
    { name: "toy", features: [[-1.2, 3.1], [-0.9, 2.9], [-0.5, 2.6], [2.3, -1.1], [2.7, -1.5]], labels: [0, 0, 0, 1, 1] },
    201,
  );
  const spec = { model_id: model, dataset_id: dataset.id, loss: "cross_entropy", optimizer: { type: "SGD", lr: 0.5 }, epochs: 3, batch_size: 2, shuffle: true, drop_last: true };
  const warmups = ctx.w5.workers; // the first job on each worker thread is a cold start
  const measured = o.quick ? 10 : 20;
  const traces: JobTrace[] = [];
  for (let i = 0; i < warmups + measured; i++) {
    const { trace, streamed } = await postAndStream(http, spec);
    await streamed;
    traces.push(trace);
  }
  const view = (t: JobTrace) => ({
    postMs: round(t.postEnd - t.postStart),
    firstEventMs: t.firstEventAt === null ? null : round(t.firstEventAt - t.postStart),
    runningMs: t.runningAt === null ? null : round(t.runningAt - t.postStart),
    firstLossMs: round(t.steps[0]!.at - t.postStart),
    doneMs: round(t.doneAt! - t.postStart),
  });
  const cold = traces.slice(0, warmups).map(view);
  const warm = traces.slice(warmups).map(view);
  const firstLoss = warm.map((v) => v.firstLossMs);
  const s = summarize(firstLoss);
  rows.push({
    id: "W5.first-loss",
    workload: "W5",
    label: `W5 POST /v1/jobs → 1st streamed loss, toy ${arrow(TOY_SIZES)}`,
    unit: "ms",
    better: "lower",
    summary: s,
    values: firstLoss,
    note: `median (p50), min and max over ${measured} jobs posted one after another (after ${warmups} warm-up jobs, one per worker)`,
    goal: { text: `p50 ≤ ${GOALS.firstLossP50Ms} ms`, met: s.median <= GOALS.firstLossP50Ms },
    spec: { jobs: measured, warmupJobs: warmups, job: { ...spec, model_id: undefined, dataset_id: undefined }, model: TOY_SIZES, samples: 5 },
    extra: {
      p50: { postMs: median(warm.map((v) => v.postMs)), firstEventMs: median(warm.map((v) => v.firstEventMs ?? NaN)), runningMs: median(warm.map((v) => v.runningMs ?? NaN)), doneMs: median(warm.map((v) => v.doneMs)) },
      cold,
      jobs: warm,
    },
  });
  ctx.log(`  W5 first loss: p50 ${fmtNum(s.median)} ms (${fmtNum(s.min)}–${fmtNum(s.max)}); POST itself p50 ${fmtNum(median(warm.map((v) => v.postMs)))} ms; cold ${cold.map((c) => c.firstLossMs).join(", ")} ms`);

  // --- predict, batch 1, under load
  const n = scaled(10_000, o, 1_000);
  const data = readClassification(writeClassification(o.dataDir, n, W2_SIZES[0], W2_SIZES[3], o.seed));
  const w2 = await createModel(http, "W2", W2_SIZES, o.seed);
  const path = `/v1/models/${w2}/predict`;
  // 64 different rows of W2's data, as a JS client sends a Float32Array row: Array.from → JSON
  const bodies = Array.from({ length: Math.min(64, n) }, (_, i) => JSON.stringify({ inputs: [Array.from(data.x.subarray(i * W2_SIZES[0], (i + 1) * W2_SIZES[0]))] }));
  const check = await http.request("POST", path, bodies[0]!);
  const answer = check.status === 200 ? (JSON.parse(check.body) as { outputs: number[][] }) : null;
  if (answer?.outputs?.[0]?.length !== W2_SIZES[3]) throw new Error(`predict answered ${check.status}: ${check.body.slice(0, 300)}`);

  const connections = ctx.w5.connections;
  const warmupSeconds = o.quick ? 0.5 : 1;
  const duration = ctx.w5.durationSeconds;
  ctx.log(`  W5 predict: ${connections} connections, ${warmupSeconds} s warm-up + ${duration} s measured (autocannon, body ${Buffer.byteLength(bodies[0]!)} bytes)`);
  await load(server.baseUrl + path, bodies, connections, warmupSeconds);
  const watch = new CpuWatch(server);
  const m = await load(server.baseUrl + path, bodies, connections, duration);
  const cores = watch.cores();
  if (m.errors > 0 || m.non2xx > 0) throw new Error(`predict under load: ${m.errors} errors, ${m.non2xx} non-2xx answers of ${m.count}`);
  const lat = Float64Array.from(m.latencies).sort();
  const p50 = quantile(lat, 0.5);
  const p99 = quantile(lat, 0.99);
  const rps = m.count / m.seconds;
  const windows = m.windows;
  const spec5 = { connections, durationSeconds: duration, warmupSeconds, model: W2_SIZES, batch: 1, bodyBytes: Buffer.byteLength(bodies[0]!), distinctBodies: bodies.length, loadGenerator: "autocannon 9 (in the bench process)" };
  const load1 = {
    requests: m.count,
    seconds: round(m.seconds, 3),
    latencyMs: { p50: round(p50, 3), p90: round(quantile(lat, 0.9), 3), p99: round(p99, 3), p999: round(quantile(lat, 0.999), 3), max: round(lat[lat.length - 1]!, 3), mean: round(lat.reduce((a, b) => a + b, 0) / lat.length, 3) },
    cores,
    autocannon: m.autocannon,
  };
  const winRps = windows.map((w) => w.count);
  rows.push({
    id: "W5.predict.rps",
    workload: "W5",
    label: `W5 predict b1 ${arrow(W2_SIZES)}, ${connections} conns`,
    unit: "req/s",
    better: "higher",
    summary: { median: rps, min: Math.min(...winRps), max: Math.max(...winRps), n: windows.length },
    values: winRps,
    note: "median is requests / seconds over the whole measured run; min–max over its whole 1 s windows",
    goal: { text: `≥ ${GOALS.predictRps.toLocaleString("en-US")} req/s`, met: rps >= GOALS.predictRps },
    spec: spec5,
    extra: load1,
  });
  const winP50 = windows.map((w) => w.p50);
  const winP99 = windows.map((w) => w.p99);
  rows.push({
    id: "W5.predict.p50",
    workload: "W5",
    label: `W5 predict b1 latency p50`,
    unit: "ms",
    better: "lower",
    summary: { median: p50, min: Math.min(...winP50), max: Math.max(...winP50), n: windows.length },
    values: winP50,
    note: "median is the p50 of every request of the measured run; min–max over its 1 s windows' p50",
    goal: null,
    spec: spec5,
  });
  rows.push({
    id: "W5.predict.p99",
    workload: "W5",
    label: `W5 predict b1 latency p99`,
    unit: "ms",
    better: "lower",
    summary: { median: p99, min: Math.min(...winP99), max: Math.max(...winP99), n: windows.length },
    values: winP99,
    note: "median is the p99 of every request of the measured run; min–max over its 1 s windows' p99",
    goal: { text: `p99 < ${GOALS.predictP99Ms} ms`, met: p99 < GOALS.predictP99Ms },
    spec: spec5,
  });
  details.predict = load1;
  ctx.log(`  W5 predict: ${fmtNum(rps)} req/s, p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms; cores used ${fmtCores(cores)}`);
}

interface LoadResult {
  count: number;
  seconds: number;
  errors: number;
  non2xx: number;
  /** Every 2xx response's latency, ms (float: autocannon's own histogram keeps whole ms). */
  latencies: number[];
  /** Whole 1 s windows: responses, p50 and p99 latency. */
  windows: { count: number; p50: number; p99: number }[];
  autocannon: Record<string, unknown>;
}

/** autocannon against `url` for `seconds`, POSTing `bodies` in turn on every connection. */
async function load(url: string, bodies: string[], connections: number, seconds: number): Promise<LoadResult> {
  let next = 0;
  const stamps: number[] = [];
  const latencies: number[] = [];
  let non2xx = 0;
  const t0 = performance.now();
  let finished: (r: autocannon.Result) => void = () => {};
  let failed: (e: unknown) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => ((finished = resolve), (failed = reject)));
  const instance = autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length]! }),
      },
    ],
  }, (err: unknown, result: autocannon.Result) => (err ? failed(err) : finished(result)));
  instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode < 200 || statusCode > 299) {
      non2xx++;
      return;
    }
    stamps.push(performance.now() - t0);
    latencies.push(responseTime);
  });
  const result = await done;
  const elapsed = (performance.now() - t0) / 1000;
  const windows: LoadResult["windows"] = [];
  for (let w = 0; w + 1 <= Math.floor(elapsed); w++) {
    const lat: number[] = [];
    for (let i = 0; i < stamps.length; i++) if (stamps[i]! >= w * 1000 && stamps[i]! < (w + 1) * 1000) lat.push(latencies[i]!);
    if (lat.length === 0) continue;
    const sorted = Float64Array.from(lat).sort();
    windows.push({ count: lat.length, p50: round(quantile(sorted, 0.5), 3), p99: round(quantile(sorted, 0.99), 3) });
  }
  return {
    count: latencies.length,
    // autocannon's own duration (from its start to the last response) — not the setup before it
    seconds: result.duration || elapsed,
    errors: result.errors + result.timeouts,
    non2xx,
    latencies,
    windows,
    autocannon: {
      requestsAverage: result.requests.average,
      latencyP50: result.latency.p50,
      latencyP99: result.latency.p99,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      duration: result.duration,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// jobs: 4 at once vs 1

/** Samples trained once `step` (1-based) is done: whole epochs of n, then batches of b (the last one partial). */
function samplesThrough(step: number, n: number, b: number): number {
  const spe = Math.ceil(n / b);
  const epochs = Math.floor((step - 1) / spe);
  return epochs * n + Math.min(((step - 1) % spe + 1) * b, n);
}

interface ConcurrentRun {
  jobs: number;
  /** Aggregate training samples/s from the streamed steps: from the first streamed step to the last. */
  streamed: number;
  /** Aggregate samples/s from just before the first POST to the last `done` (queueing, start-up and all). */
  wall: number;
  seconds: number;
  perJob: { postToFirstStepMs: number; samplesPerSecond: number; stepsSeconds: number; doneMs: number }[];
  /** Cores used over the run: the server's main thread and its other threads, this process, other processes. */
  cores: ReturnType<CpuWatch["cores"]>;
}

async function concurrentJobs(server: KilnServer, specs: Record<string, unknown>[], n: number, b: number): Promise<ConcurrentRun> {
  const watch = new CpuWatch(server);
  const started: { trace: JobTrace; streamed: Promise<void> }[] = [];
  for (const spec of specs) started.push(await postAndStream(server.http, spec));
  await Promise.all(started.map((s) => s.streamed));
  const traces = started.map((s) => s.trace);
  const first = Math.min(...traces.map((t) => t.steps[0]!.at));
  const last = Math.max(...traces.map((t) => t.steps.at(-1)!.at));
  let samples = 0;
  for (const t of traces) {
    samples += samplesThrough(t.steps.at(-1)!.step, n, b);
    // every step that arrived at `first` (one write may carry several) was trained before it
    const before = t.steps.filter((s) => s.at === first);
    if (before.length > 0) samples -= samplesThrough(before.at(-1)!.step, n, b);
  }
  const t0 = traces[0]!.postStart;
  const tEnd = Math.max(...traces.map((t) => t.doneAt!));
  const total = traces.reduce((a, t) => a + samplesThrough(t.steps.at(-1)!.step, n, b), 0);
  return {
    jobs: specs.length,
    streamed: samples / ((last - first) / 1000),
    wall: total / ((tEnd - t0) / 1000),
    seconds: round((last - first) / 1000, 3),
    perJob: traces.map((t) => ({
      postToFirstStepMs: round(t.steps[0]!.at - t.postStart, 1),
      samplesPerSecond: Math.round((samplesThrough(t.steps.at(-1)!.step, n, b) - samplesThrough(t.steps[0]!.step, n, b)) / ((t.steps.at(-1)!.at - t.steps[0]!.at) / 1000)),
      stepsSeconds: round((t.steps.at(-1)!.at - t.steps[0]!.at) / 1000, 3),
      doneMs: round(t.doneAt! - t.postStart, 1),
    })),
    cores: watch.cores(),
  };
}

async function jobsPart(server: KilnServer, o: BenchOptions, ctx: ServiceContext, rows: ServiceRow[], details: Record<string, unknown>): Promise<void> {
  const http = server.http;
  const n = scaled(20_000, o, 2_000);
  const b = 32;
  const data = readClassification(writeClassification(o.dataDir, n, W1_SIZES[0]!, W1_SIZES.at(-1)!, o.seed));
  const dataset = await uploadDataset(http, data.x, W1_SIZES[0]!, data.y, "W1");
  const models: string[] = [];
  for (let i = 0; i < 4; i++) models.push(await createModel(http, `W1 #${i + 1}`, W1_SIZES, o.seed));
  const spec = (model: string, epochs: number) => ({ model_id: model, dataset_id: dataset, loss: "cross_entropy", optimizer: { type: "SGD", lr: 0.1 }, epochs, batch_size: b, shuffle: true, seed: o.seed });

  // Warm-up. V8 optimises the training loop over a worker's first second or so: a cold epoch runs at
  // a third of the warm speed, so jobs sized from one cold epoch were far shorter than meant (half a
  // second instead of two, their fixed costs weighing four times as much) and a worker that had
  // trained less ran slower. So: one epoch on every worker at once, then about a second more on
  // every worker at once, then one job alone (about half a second) that sizes the measured jobs to
  // about 2 s alone (1 s with --quick).
  const workers = models.slice(0, ctx.w5.workers);
  const epochsFor = (seconds: number, samplesPerSecond: number): number => Math.max(1, Math.min(50, Math.round((seconds * samplesPerSecond) / n)));
  const cold = await concurrentJobs(server, workers.map((m) => spec(m, 1)), n, b);
  const warm = await concurrentJobs(server, workers.map((m) => spec(m, Math.max(2, epochsFor(o.quick ? 0.5 : 1, cold.streamed / workers.length)))), n, b);
  const alone = await concurrentJobs(server, [spec(models[0]!, Math.max(2, epochsFor(o.quick ? 0.25 : 0.5, warm.streamed / workers.length)))], n, b);
  const epochs = epochsFor(o.quick ? 1 : 2, alone.streamed);
  ctx.log(`  W5 jobs: one W1 job alone after warm-up ${fmtNum(alone.streamed)} samples/s → ${epochs} epoch(s) per job; ${ctx.reps} repetitions of [1 job, 4 jobs]`);

  const one: ConcurrentRun[] = [];
  const four: ConcurrentRun[] = [];
  for (let rep = 0; rep < ctx.reps; rep++) {
    // alternate the order so that drift on a shared machine hits both alike
    const order = rep % 2 === 0 ? [1, 4] : [4, 1];
    for (const k of order) {
      const r = await concurrentJobs(server, models.slice(0, k).map((m) => spec(m, epochs)), n, b);
      (k === 1 ? one : four).push(r);
      ctx.log(`    rep ${rep + 1}: ${k} job(s) ${fmtNum(r.streamed)} samples/s (wall ${fmtNum(r.wall)}); cores used ${fmtCores(r.cores)}`);
    }
  }
  const ratios = one.map((r, i) => four[i]!.streamed / r.streamed);
  const rs = summarize(ratios);
  const jobSpec = { model: W1_SIZES, samples: n, batchSize: b, optimizer: "SGD lr 0.1", epochs, workers: ctx.w5.workers, reps: ctx.reps };
  rows.push({
    id: "W5.jobs.1",
    workload: "W5",
    label: `W5 1 job ${arrow(W1_SIZES)} SGD b32, ${epochs} ep`,
    unit: "samples/s",
    better: "higher",
    summary: summarize(one.map((r) => r.streamed)),
    values: one.map((r) => r.streamed),
    note: "training samples/s from the job's streamed steps (first to last), median/min/max over repetitions",
    goal: null,
    spec: jobSpec,
    extra: { runs: one },
  });
  rows.push({
    id: "W5.jobs.4",
    workload: "W5",
    label: `W5 4 such jobs at once, aggregate`,
    unit: "samples/s",
    better: "higher",
    summary: summarize(four.map((r) => r.streamed)),
    values: four.map((r) => r.streamed),
    note: "all 4 jobs' training samples / (last streamed step − first streamed step), median/min/max over repetitions",
    goal: null,
    spec: jobSpec,
    extra: { runs: four },
  });
  rows.push({
    id: "W5.jobs.ratio",
    workload: "W5",
    label: `W5 4 jobs / 1 job (KILN_WORKERS=${ctx.w5.workers})`,
    unit: "×",
    better: "higher",
    summary: rs,
    values: ratios,
    note: "per repetition: 4 jobs' aggregate / 1 job's samples/s; median/min/max over repetitions",
    goal: { text: `≥ ${GOALS.concurrentRatio}×`, met: rs.median >= GOALS.concurrentRatio },
    spec: jobSpec,
    extra: { wallRatios: one.map((r, i) => round(four[i]!.wall / r.wall, 3)) },
  });
  details.jobs = { warmup: [cold, warm], alone, epochs };
}

// ---------------------------------------------------------------------------------------------
// memory: RSS while training W2 for 20 epochs

/** Least-squares slope of y over x; NaN for fewer than 2 points. */
function fitSlope(points: [number, number][]): number {
  if (points.length < 2) return NaN;
  const mx = points.reduce((a, p) => a + p[0], 0) / points.length;
  const my = points.reduce((a, p) => a + p[1], 0) / points.length;
  const num = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return num / den;
}

/** The main thread's heap and external memory, MiB, from GET /metrics (prom-client's default metrics). */
async function mainHeap(http: HttpClient): Promise<Record<string, number>> {
  const r = await http.request("GET", "/metrics");
  const pick = (name: string): number => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "m").exec(r.body);
    return m ? round(Number(m[1]) / MiB, 1) : NaN;
  };
  return {
    heapUsedMiB: pick("nodejs_heap_size_used_bytes"),
    heapTotalMiB: pick("nodejs_heap_size_total_bytes"),
    externalMiB: pick("nodejs_external_memory_bytes"),
    rssMiB: pick("process_resident_memory_bytes"),
  };
}

async function memoryPart(server: KilnServer, o: BenchOptions, ctx: ServiceContext, rows: ServiceRow[], details: Record<string, unknown>): Promise<void> {
  const http = server.http;
  const n = scaled(10_000, o, 1_000);
  const epochs = ctx.w5.memoryEpochs;
  const rss = (): number => server.memory()?.rss ?? NaN;
  const atReady = rss();
  const data = readClassification(writeClassification(o.dataDir, n, W2_SIZES[0], W2_SIZES[3], o.seed));
  const dataset = await uploadDataset(http, data.x, W2_SIZES[0], data.y, "W2");
  const model = await createModel(http, "W2", W2_SIZES, o.seed);
  await sleep(200);
  const afterUpload = rss();

  const samples: { at: number; rss: number; epoch: number }[] = [];
  // the main thread's V8 heap at the end of each epoch, from the service's own /metrics (prom-client)
  const heaps: Promise<Record<string, number> & { epoch: number }>[] = [];
  let epochNow = 0;
  const sample = (): void => {
    const m = server.memory();
    if (m) samples.push({ at: performance.now(), rss: m.rss, epoch: epochNow });
  };
  const timer = setInterval(sample, 100);
  let trace: JobTrace;
  try {
    sample();
    const job = await postAndStream(
      http,
      { model_id: model, dataset_id: dataset, loss: "cross_entropy", optimizer: { type: "Adam", lr: 1e-3 }, epochs, batch_size: 64, shuffle: true, seed: o.seed },
      (e) => {
        if (e.event === "progress") epochNow = (e.data as { epoch: number }).epoch;
        else if (e.event === "epoch") heaps.push(mainHeap(http).then((h) => ({ epoch: (e.data as { epoch: number }).epoch, ...h })));
        else if (e.event === "done") epochNow = epochs + 1; // after training
      },
    );
    trace = job.trace;
    ctx.log(`  W5 memory: training W2 for ${epochs} epochs on ${n.toLocaleString("en-US")} samples, sampling VmRSS every 100 ms …`);
    await job.streamed;
    sample();
  } finally {
    clearInterval(timer);
  }
  const hwm = server.memory()?.hwm ?? NaN;
  const mainHeaps = await Promise.all(heaps);
  const during = samples.filter((s) => s.epoch >= 1 && s.epoch <= epochs);
  if (during.length === 0) throw new Error("no RSS sample fell inside the training");
  const perEpoch: { epoch: number; samples: number; medianMiB: number; maxMiB: number }[] = [];
  for (let e = 1; e <= epochs; e++) {
    const v = during.filter((s) => s.epoch === e).map((s) => s.rss / MiB);
    if (v.length > 0) perEpoch.push({ epoch: e, samples: v.length, medianMiB: round(median(v), 1), maxMiB: round(Math.max(...v), 1) });
  }
  const peak = Math.max(...samples.map((s) => s.rss)) / MiB;
  const firstE = perEpoch[0]!;
  const lastE = perEpoch.at(-1)!;
  const growth = lastE.medianMiB - firstE.medianMiB;
  // least-squares slope of the per-epoch medians after the first epoch (its warm-up growth excluded)
  const slope = fitSlope(perEpoch.filter((p) => p.epoch >= 2).map((p) => [p.epoch, p.medianMiB]));
  const half = perEpoch.filter((p) => p.epoch > epochs / 2);
  const slopeHalf = fitSlope(half.map((p) => [p.epoch, p.medianMiB]));
  const allowed = Math.max(GOALS.rssGrowthFloorMiB, GOALS.rssGrowthFraction * firstE.medianMiB);
  const trainSeconds = (trace.steps.at(-1)!.at - trace.steps[0]!.at) / 1000;
  const trainSamples = samplesThrough(trace.steps.at(-1)!.step, n, 64) - samplesThrough(trace.steps[0]!.step, n, 64);
  const spec = { model: W2_SIZES, optimizer: "Adam lr 1e-3", batchSize: 64, samples: n, epochs, sampleEveryMs: 100, workers: ctx.w5.workers };
  const extra = {
    atReadyMiB: round(atReady / MiB, 1),
    afterUploadMiB: round(afterUpload / MiB, 1),
    vmHwmMiB: round(hwm / MiB, 1),
    slopeMiBPerEpochAfterFirst: round(slope, 3),
    slopeMiBPerEpochSecondHalf: round(slopeHalf, 3),
    perEpoch,
    mainThreadAtEpochEnd: mainHeaps,
    trainingSamplesPerSecond: Math.round(trainSamples / trainSeconds),
  };
  rows.push({
    id: "W5.rss.peak",
    workload: "W5",
    label: `W5 peak RSS, training W2 ${arrow(W2_SIZES)} ${epochs} ep`,
    unit: "MiB",
    better: "lower",
    summary: { median: peak, min: Math.min(...during.map((s) => s.rss)) / MiB, max: peak, n: samples.length },
    values: perEpoch.map((p) => p.maxMiB),
    text: `${fmtNum(peak)} (ready ${fmtNum(atReady / MiB)}, data loaded ${fmtNum(afterUpload / MiB)})`,
    note: "the largest VmRSS sample from POST to done; values are each epoch's largest sample",
    goal: null,
    spec,
    extra,
  });
  rows.push({
    id: "W5.rss.growth",
    workload: "W5",
    label: `W5 RSS growth, epoch 1 → ${epochs}`,
    unit: "MiB",
    better: "lower",
    summary: { median: growth, min: Math.min(...perEpoch.map((p) => p.medianMiB)), max: Math.max(...perEpoch.map((p) => p.medianMiB)), n: perEpoch.length },
    values: perEpoch.map((p) => p.medianMiB),
    text: `${growth >= 0 ? "+" : ""}${fmtNum(growth)} (${fmtNum(firstE.medianMiB)} → ${fmtNum(lastE.medianMiB)}; 2nd half ${slopeHalf >= 0 ? "+" : ""}${Number.isFinite(slopeHalf) ? slopeHalf.toFixed(2) : "?"} MiB/epoch)`,
    note: "last epoch's median VmRSS − first epoch's; min–max over the per-epoch medians (values); slopes fitted to the per-epoch medians over epochs 2..N and over the second half",
    goal: { text: `flat: ≤ +${fmtNum(allowed)} MiB (max of ${GOALS.rssGrowthFloorMiB} MiB and ${GOALS.rssGrowthFraction * 100} % of epoch 1)`, met: growth <= allowed },
    spec,
    extra,
  });
  details.memory = { samples: samples.map((s) => ({ t: round((s.at - samples[0]!.at) / 1000, 2), rssMiB: round(s.rss / MiB, 1), epoch: s.epoch })) };
  ctx.log(`  W5 memory: peak ${fmtNum(peak)} MiB; epoch 1 ${firstE.medianMiB} MiB → epoch ${lastE.epoch} ${lastE.medianMiB} MiB; ${extra.trainingSamplesPerSecond} samples/s`);
}
