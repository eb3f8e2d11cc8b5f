/**
 * Kiln's benchmark (issue 4): `npm run bench [-- options]`. Every selected workload on every selected
 * engine in the same run, each engine in its own process, repetitions interleaved across engines so
 * that a noisy machine slows all of them alike. Prints a table; writes bench/results/<timestamp>.json.
 * `npm run bench -- --help` lists the options.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { EngineClient, type ClientOptions } from "./clients.js";
import { formatSelfTimes } from "./profile.js";
import { ENGINE_IDS, type EngineId, type EngineInfo, type Response } from "./protocol.js";
import { summarize, type Summary } from "./stats.js";
import { WORKLOADS, type BenchOptions, type CaseDef } from "./workloads/index.js";
import type { ServiceReport, ServiceRow, W5Options } from "./workloads/types.js";

const HERE = fileURLToPath(new URL(".", import.meta.url));

const HELP = `npm run bench [-- options]     (each option also as an environment variable)

  -w, --workloads W1,W3   workloads to run (BENCH_WORKLOADS; default all: ${WORKLOADS.map((w) => w.id).join(",")})
  -e, --engines a,b       engines (BENCH_ENGINES; default all: ${ENGINE_IDS.join(",")})
  -r, --reps N            measured repetitions, >= 3 for a real run (BENCH_REPS; default 3)
  -q, --quick             smoke run: small data sets and matrices, short repetitions (BENCH_QUICK=1)
      --scale F           multiply the training/inference sample counts by F (BENCH_SCALE; default 1)
      --matmul-sizes 256,512,1024   W3's n (BENCH_MATMUL_SIZES)
      --seed N            data and weight seed (BENCH_SEED; default 123)
      --out PATH          where the JSON goes (default bench/results/<timestamp>.json)
      --no-json           do not write JSON
      --cpu-prof          profile the Node engines' measured repetitions (V8 CPU profiler), one profile per
                          engine and row in bench/results/profiles/<timestamp>/, and print their top self time
      --python PATH       the Python with torch (BENCH_PYTHON; default /usr/bin/python3)
  W5 (the HTTP service; Kiln only, runs when kiln is among the engines):
      --w5-no-build       measure dist/ as it is instead of running \`npm run build\` first (BENCH_W5_NO_BUILD=1)
      --w5-connections N  predict load: concurrent connections (BENCH_W5_CONNECTIONS; default 10)
      --w5-duration S     predict load: measured seconds (BENCH_W5_DURATION; default 5, 2 with --quick)
      --w5-log-level L    the servers' LOG_LEVEL (BENCH_W5_LOG_LEVEL; default info, the service's default)
      --w5-workers N      the servers' KILN_WORKERS (BENCH_W5_WORKERS; default 2)
      --w5-memory-epochs N  the memory part's W2 job: epochs (BENCH_W5_MEMORY_EPOCHS; default 20, 5 with --quick)
      --w5-parts a,b      only these parts: latency (first loss, predict), jobs (4 vs 1), memory (RSS)
                          (BENCH_W5_PARTS; default all)
  -v, --verbose           show the engine processes' stderr
      --list              describe the workloads and exit
  -h, --help`;

interface EngineState {
  readonly id: EngineId;
  client: EngineClient | null;
  info: EngineInfo | null;
  /** Why the engine is not available (could not start). */
  unavailable: string | null;
}

type Outcome =
  | {
      readonly status: "ok";
      readonly summary: Summary;
      readonly values: number[];
      readonly iters: number;
      readonly seconds: number[];
      readonly warmupSeconds: number;
      readonly extra: Record<string, number>[];
    }
  | { readonly status: "skipped" | "error" | "unavailable"; readonly reason: string };

interface CaseResult {
  readonly def: CaseDef;
  readonly results: Partial<Record<EngineId, Outcome>>;
}

function csv(v: string | undefined): string[] | undefined {
  return v === undefined || v.trim() === "" ? undefined : v.split(",").map((s) => s.trim()).filter(Boolean);
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      workloads: { type: "string", short: "w" },
      engines: { type: "string", short: "e" },
      reps: { type: "string", short: "r" },
      quick: { type: "boolean", short: "q" },
      scale: { type: "string" },
      "matmul-sizes": { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      "no-json": { type: "boolean" },
      "cpu-prof": { type: "boolean" },
      python: { type: "string" },
      "w5-no-build": { type: "boolean" },
      "w5-connections": { type: "string" },
      "w5-duration": { type: "string" },
      "w5-log-level": { type: "string" },
      "w5-workers": { type: "string" },
      "w5-parts": { type: "string" },
      "w5-memory-epochs": { type: "string" },
      verbose: { type: "boolean", short: "v" },
      list: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  });
  const env = process.env;
  const workloads = (csv(values.workloads) ?? csv(env.BENCH_WORKLOADS) ?? WORKLOADS.map((w) => w.id)).map((w) => w.toUpperCase());
  for (const w of workloads) if (!WORKLOADS.some((x) => x.id === w)) throw new Error(`unknown workload ${w}`);
  const engines = csv(values.engines) ?? csv(env.BENCH_ENGINES) ?? [...ENGINE_IDS];
  for (const e of engines) if (!(ENGINE_IDS as readonly string[]).includes(e)) throw new Error(`unknown engine ${e} (${ENGINE_IDS.join(", ")})`);
  const quick = values.quick === true || env.BENCH_QUICK === "1" || env.BENCH_QUICK === "true";
  const reps = Number(values.reps ?? env.BENCH_REPS ?? 3);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer`);
  const scale = Number(values.scale ?? env.BENCH_SCALE ?? 1);
  if (!(scale > 0)) throw new Error(`--scale must be positive`);
  const sizes = csv(values["matmul-sizes"]) ?? csv(env.BENCH_MATMUL_SIZES);
  const matmulSizes = sizes?.map(Number) ?? null;
  if (matmulSizes?.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("--matmul-sizes takes positive integers");
  const seed = Number(values.seed ?? env.BENCH_SEED ?? 123);
  const w5: W5Options = {
    build: !(values["w5-no-build"] === true || env.BENCH_W5_NO_BUILD === "1" || env.BENCH_W5_NO_BUILD === "true"),
    connections: Number(values["w5-connections"] ?? env.BENCH_W5_CONNECTIONS ?? 10),
    durationSeconds: Number(values["w5-duration"] ?? env.BENCH_W5_DURATION ?? (quick ? 2 : 5)),
    logLevel: values["w5-log-level"] ?? env.BENCH_W5_LOG_LEVEL ?? "info",
    workers: Number(values["w5-workers"] ?? env.BENCH_W5_WORKERS ?? 2),
    memoryEpochs: Number(values["w5-memory-epochs"] ?? env.BENCH_W5_MEMORY_EPOCHS ?? (quick ? 5 : 20)),
    parts: csv(values["w5-parts"]) ?? csv(env.BENCH_W5_PARTS) ?? ["latency", "jobs", "memory"],
  };
  if (!Number.isInteger(w5.memoryEpochs) || w5.memoryEpochs < 2 || w5.memoryEpochs > 1000) throw new Error("--w5-memory-epochs takes an integer from 2 to 1000");
  for (const p of w5.parts) if (!["latency", "jobs", "memory"].includes(p)) throw new Error(`unknown W5 part ${p} (latency, jobs, memory)`);
  if (!Number.isInteger(w5.connections) || w5.connections < 1 || w5.connections > 1000) throw new Error("--w5-connections takes an integer from 1 to 1000");
  if (!(w5.durationSeconds >= 1 && w5.durationSeconds <= 120)) throw new Error("--w5-duration takes 1 to 120 seconds");
  if (!Number.isInteger(w5.workers) || w5.workers < 1 || w5.workers > 64) throw new Error("--w5-workers takes an integer from 1 to 64");
  return {
    help: values.help === true,
    list: values.list === true,
    workloads,
    engines: ENGINE_IDS.filter((e) => engines.includes(e)),
    reps,
    quick,
    scale,
    matmulSizes,
    seed,
    out: values.out ?? null,
    json: values["no-json"] !== true,
    cpuProf: values["cpu-prof"] === true,
    python: values.python ?? env.BENCH_PYTHON ?? "/usr/bin/python3",
    verbose: values.verbose === true,
    w5,
  };
}

type Options = ReturnType<typeof parseOptions>;

const log = (s: string): void => void process.stderr.write(`${s}\n`);

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

function metric(def: CaseDef, seconds: number, iters: number): number {
  return def.metric === "latency-us" ? (seconds * 1e6) / iters : (def.workPerIter * iters) / seconds;
}

function ok(r: Response, what: string): asserts r is Response & { ok: true } {
  if (!r.ok) throw Object.assign(new Error(`${what}: ${r.error}`), { skip: r.skip === true, reason: r.error });
}

async function startEngines(ids: readonly EngineId[], clientOptions: ClientOptions): Promise<EngineState[]> {
  const states: EngineState[] = [];
  for (const id of ids) {
    const state: EngineState = { id, client: null, info: null, unavailable: null };
    states.push(state);
    try {
      const client = id === "torch" ? EngineClient.python(clientOptions) : EngineClient.node(id, clientOptions);
      state.client = client;
      ok(await client.started(), "start");
      const r = await client.request({ op: "info" });
      ok(r, "info");
      state.info = r.info ?? null;
      log(`  ${id}: ${state.info?.description ?? "?"}`);
      for (const w of state.info?.warnings ?? []) log(`  !! ${id}: ${w}`);
    } catch (e) {
      state.unavailable = e instanceof Error ? e.message.split("\n")[0]! : String(e);
      log(`  ${id}: unavailable — ${state.unavailable}`);
      await state.client?.close(2000);
      state.client = null;
    }
  }
  return states;
}

/**
 * Pause before each measured repetition. Threads an engine leaves spinning after its work would
 * take a core from the next engine: OpenBLAS's workers busy-wait for a while (~0.1 s) before they
 * sleep, Kiln's matmul helper 0.5 ms.
 */
const SETTLE_MS = 300;

/** One case on every engine: prepare all, warm up all, then repetitions in rotating engine order. */
async function runCase(def: CaseDef, engines: EngineState[], o: Options): Promise<CaseResult> {
  const results: Partial<Record<EngineId, Outcome>> = {};
  const active: { state: EngineState; client: EngineClient; iters: number; warmupSeconds: number }[] = [];
  const warmupMin = o.quick ? 0.05 : 0.5;
  const repTarget = o.quick ? 0.1 : 1.0;
  for (const state of engines) {
    const not = def.notFor?.[state.id];
    if (not !== undefined) {
      results[state.id] = { status: "skipped", reason: not };
      continue;
    }
    if (state.client === null) {
      results[state.id] = { status: "unavailable", reason: state.unavailable ?? "not started" };
      continue;
    }
    const client = state.client;
    try {
      ok(await client.request({ op: "prepare", id: def.id, spec: def.spec }), "prepare");
      let iters = 1;
      let warmupSeconds = 0;
      if (def.mode === "epoch") {
        const r = await client.request({ op: "run", id: def.id, iters: 1, phase: "warmup" });
        ok(r, "warm-up");
        warmupSeconds = r.result!.seconds;
        // Fast engines run several epochs per repetition so that a repetition is not a 0.1 s blip.
        iters = Math.max(1, Math.round(repTarget / warmupSeconds));
      } else {
        // Warm up until warmupMin has passed, then size repetitions to about repTarget seconds.
        let n = 1;
        let perIter = 0;
        for (;;) {
          const r = await client.request({ op: "run", id: def.id, iters: n, phase: "warmup" });
          ok(r, "warm-up");
          warmupSeconds += r.result!.seconds;
          perIter = Math.max(r.result!.seconds / n, 1e-9);
          if (warmupSeconds >= warmupMin) break;
          n = Math.max(1, Math.min(n * 10, Math.ceil((warmupMin - warmupSeconds) / perIter)));
        }
        iters = Math.max(1, Math.round(repTarget / perIter));
      }
      active.push({ state, client, iters, warmupSeconds });
    } catch (e) {
      const skip = (e as { skip?: boolean }).skip === true;
      results[state.id] = skip
        ? { status: "skipped", reason: (e as { reason?: string }).reason ?? "skipped" }
        : { status: "error", reason: e instanceof Error ? e.message : String(e) };
      if (!skip) log(`  !! ${state.id} ${def.id}: ${results[state.id]!.status === "error" ? (e as Error).message : ""}`);
      await client.request({ op: "release", id: def.id }).catch(() => undefined);
    }
  }
  const runs = new Map(active.map((a) => [a.state.id, { values: [] as number[], seconds: [] as number[], extra: [] as Record<string, number>[] }]));
  const failed = new Map<EngineId, string>();
  for (let rep = 0; rep < o.reps; rep++) {
    for (let k = 0; k < active.length; k++) {
      const a = active[(k + rep) % active.length]!;
      if (failed.has(a.state.id)) continue;
      try {
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        const r = await a.client.request({ op: "run", id: def.id, iters: a.iters, phase: "measure" });
        ok(r, "run");
        const run = runs.get(a.state.id)!;
        run.seconds.push(r.result!.seconds);
        run.values.push(metric(def, r.result!.seconds, a.iters));
        run.extra.push(r.result!.extra ?? {});
      } catch (e) {
        failed.set(a.state.id, e instanceof Error ? e.message : String(e));
        log(`  !! ${a.state.id} ${def.id}: ${failed.get(a.state.id)}`);
      }
    }
  }
  for (const a of active) {
    await a.client.request({ op: "release", id: def.id }).catch(() => undefined);
    const run = runs.get(a.state.id)!;
    const why = failed.get(a.state.id);
    results[a.state.id] =
      why !== undefined
        ? { status: "error", reason: why }
        : { status: "ok", summary: summarize(run.values), values: run.values, iters: a.iters, seconds: run.seconds, warmupSeconds: a.warmupSeconds, extra: run.extra };
  }
  const line = engines
    .map((s) => {
      const r = results[s.id];
      return `${s.id} ${r?.status === "ok" ? `${fmt(r.summary.median)}` : (r?.status ?? "-")}`;
    })
    .join(" | ");
  log(`  ${def.label} (${def.unit}): ${line}`);
  return { def, results };
}

function cell(r: Outcome | undefined): string {
  if (r === undefined) return "-";
  if (r.status === "ok") return `${fmt(r.summary.median)} (${fmt(r.summary.min)}–${fmt(r.summary.max)})`;
  if (r.status === "skipped") return `n/a: ${r.reason}`;
  return r.status;
}

/** Kiln's advantage over `peer` on a row: > 1 means Kiln is faster. */
function ratio(c: CaseResult, peer: EngineId): string {
  const k = c.results.kiln;
  const p = c.results[peer];
  if (k?.status !== "ok" || p?.status !== "ok") return "";
  const x = c.def.better === "higher" ? k.summary.median / p.summary.median : p.summary.median / k.summary.median;
  return `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×`;
}

/** The reason every other engine's cell gives on a service (W5) row. */
const KILN_ONLY = "n/a: Kiln-only";

function serviceCell(r: ServiceRow): string {
  return r.text ?? `${fmt(r.summary.median)} (${fmt(r.summary.min)}–${fmt(r.summary.max)})`;
}

function renderTable(
  cases: CaseResult[],
  services: ServiceRun[],
  engines: EngineState[],
  placeholders: { id: string; text: string }[],
): string {
  const ids = engines.map((e) => e.id);
  const peers = (["tfjs-wasm", "torch"] as const).filter((p) => ids.includes("kiln") && ids.includes(p));
  const header = ["workload", "unit", ...ids, ...peers.map((p) => `kiln vs ${p}`)];
  const rows = cases.map((c) => [c.def.label, c.def.unit, ...ids.map((id) => cell(c.results[id])), ...peers.map((p) => ratio(c, p))]);
  for (const sv of services) {
    for (const r of sv.report.rows) {
      rows.push([r.label, r.unit, ...ids.map((id) => (id === "kiln" ? serviceCell(r) : KILN_ONLY)), ...peers.map(() => "")]);
    }
    for (const e of sv.report.errors) {
      rows.push([`${sv.id} ${e.part}`, "", ...ids.map((id) => (id === "kiln" ? `error: ${e.message.split("\n")[0]!.slice(0, 100)}` : KILN_ONLY)), ...peers.map(() => "")]);
    }
  }
  for (const p of placeholders) rows.push([p.id, "", p.text, ...ids.slice(1).map(() => ""), ...peers.map(() => "")]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

interface ServiceRun {
  readonly id: string;
  readonly report: ServiceReport;
}

function gitInfo(): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: HERE, encoding: "utf8" }).trim();
    const status = execFileSync("git", ["status", "--porcelain"], { cwd: HERE, encoding: "utf8" });
    return { commit, dirty: status.trim() !== "" };
  } catch {
    return { commit: null, dirty: null };
  }
}

async function main(): Promise<void> {
  const o = parseOptions();
  if (o.help) return void console.log(HELP);
  if (o.list) {
    for (const w of WORKLOADS) console.log(`${w.id}  ${w.title}${w.placeholder ? ` [${w.placeholder}]` : ""}\n    ${w.description}\n`);
    return;
  }
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const dataDir = join(tmpdir(), `kiln-bench-${process.pid}`);
  const profDir = join(HERE, "results", "profiles", stamp);
  const cores = availableParallelism();
  const benchOptions: BenchOptions = { quick: o.quick, scale: o.scale, matmulSizes: o.matmulSizes, dataDir, seed: o.seed, cores };
  const loadBefore = loadavg();
  log(`kiln bench: workloads ${o.workloads.join(",")}; engines ${o.engines.join(",")}; ${o.reps} reps${o.quick ? "; QUICK (smoke sizes)" : ""}; ${cores} cores (${cpus()[0]?.model ?? "?"}), load ${loadBefore.map((l) => l.toFixed(2)).join(" ")}`);
  if (o.reps < 3) log("  !! fewer than 3 repetitions: fine for a smoke run, not for numbers to quote");
  if (o.cpuProf) log("  !! --cpu-prof: the Node engines run under the profiler; profile with it, do not quote its numbers");

  const selected = WORKLOADS.filter((x) => o.workloads.includes(x.id));
  // engine processes only when an engine workload is selected (W5 talks to a server of its own)
  const engineRun = selected.some((w) => w.placeholder === undefined && w.service === undefined);
  const engines: EngineState[] = engineRun
    ? await startEngines(o.engines, { profileDir: o.cpuProf ? profDir : null, python: o.python, verbose: o.verbose })
    : o.engines.map((id) => ({ id, client: null, info: null, unavailable: "not started (no engine workload selected)" }));

  const cases: CaseResult[] = [];
  const services: ServiceRun[] = [];
  const placeholders: { id: string; text: string }[] = [];
  try {
    for (const w of selected) {
      if (w.placeholder !== undefined) {
        placeholders.push({ id: w.title, text: w.placeholder });
        log(`${w.title}: ${w.placeholder}`);
        continue;
      }
      if (w.service !== undefined) {
        if (!o.engines.includes("kiln")) {
          placeholders.push({ id: w.title, text: "skipped: Kiln-only, and kiln is not among the engines" });
          log(`${w.title}: skipped (Kiln-only; kiln is not among the engines)`);
          continue;
        }
        log(`${w.title} (Kiln only: a real server process, no peer engine)`);
        const report = await w.service(benchOptions, { log, reps: o.reps, profileDir: o.cpuProf ? profDir : null, w5: o.w5 });
        services.push({ id: w.id, report });
        continue;
      }
      log(`${w.title}`);
      for (const def of w.cases(benchOptions)) cases.push(await runCase(def, engines, o));
    }
  } finally {
    await Promise.all(engines.map((e) => e.client?.close()));
    rmSync(dataDir, { recursive: true, force: true });
  }

  const finished = new Date();
  const table = renderTable(cases, services, engines, placeholders);
  console.log("");
  if (engineRun) for (const e of engines) console.log(`${e.id}: ${e.info?.description ?? `unavailable — ${e.unavailable}`}`);
  if (cases.length > 0) console.log(`median (min–max) of ${o.reps} repetitions after 1 warm-up; "kiln vs X" > 1 means Kiln is faster`);
  if (services.length > 0) {
    console.log(
      `W5 rows: Kiln only (no peer engine serves HTTP), measured on \`node dist/src/http/server.js\` on 127.0.0.1 with ` +
        `KILN_WORKERS=${o.w5.workers}, LOG_LEVEL=${o.w5.logLevel}; first loss: p50 (min–max) over the jobs; predict: whole run ` +
        `(min–max over 1 s windows); jobs: median (min–max) of ${o.reps} repetitions`,
    );
  }
  console.log("");
  console.log(table);
  const losses = cases
    .filter((c) => c.def.spec.kind === "train" || c.def.spec.kind === "train-cnn")
    .map((c) => `${c.def.workload} ${engines.map((e) => {
      const r = c.results[e.id];
      if (r?.status !== "ok") return null;
      // W6 times single steps (calibrated mode): its loss is the last repetition's, over its steps
      const span = c.def.mode === "epoch" ? `${1 + r.iters * r.values.length} epochs` : `${r.iters} steps, after ${r.iters * (r.values.length - 1)} more and a warm-up`;
      return `${e.id} ${r.extra.at(-1)?.loss?.toFixed(3) ?? "?"} (${span})`;
    }).filter(Boolean).join(", ")}`);
  if (losses.length > 0) console.log(`\nmean training loss of the last repetition (sanity: every engine trains): ${losses.join("; ")}`);
  for (const e of engines) for (const w of e.info?.warnings ?? []) console.log(`!! ${e.id}: ${w}`);
  for (const sv of services) {
    if (sv.report.notes.length > 0) console.log(`\n${sv.id} goals (issue 4):\n${sv.report.notes.map((n) => `  ${n}`).join("\n")}`);
    for (const e of sv.report.errors) console.log(`!! ${sv.id} ${e.part}: ${e.message}`);
  }

  if (o.json) {
    const out = o.out ?? join(HERE, "results", `${stamp}.json`);
    mkdirSync(join(out, ".."), { recursive: true });
    const json = {
      schema: "kiln-bench/1",
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      git: gitInfo(),
      host: {
        platform: `${platform()} ${release()}`,
        cpu: cpus()[0]?.model ?? null,
        cores,
        memoryBytes: totalmem(),
        node: process.versions.node,
        loadavgBefore: loadBefore,
        loadavgAfter: loadavg(),
      },
      options: { workloads: o.workloads, engines: o.engines, reps: o.reps, quick: o.quick, scale: o.scale, seed: o.seed, matmulSizes: o.matmulSizes, cpuProf: o.cpuProf, w5: o.w5 },
      engines: Object.fromEntries(engines.map((e) => [e.id, e.info ?? { unavailable: e.unavailable }])),
      cases: [
        ...cases.map((c) => ({
          id: c.def.id,
          workload: c.def.workload,
          label: c.def.label,
          unit: c.def.unit,
          better: c.def.better,
          mode: c.def.mode,
          spec: c.def.spec,
          results: c.results,
        })),
        ...services.flatMap((sv) =>
          sv.report.rows.map((r) => ({
            id: r.id,
            workload: r.workload,
            label: r.label,
            unit: r.unit,
            better: r.better,
            mode: "service",
            spec: r.spec,
            goal: r.goal,
            note: r.note,
            results: Object.fromEntries(
              o.engines.map((id) => [
                id,
                id === "kiln"
                  ? { status: "ok", summary: r.summary, values: r.values, ...(r.text ? { text: r.text } : {}), extra: r.extra ?? {} }
                  : { status: "skipped", reason: "Kiln-only: no peer engine serves the HTTP API" },
              ]),
            ),
          })),
        ),
      ],
      service: Object.fromEntries(services.map((sv) => [sv.id, { options: o.w5, details: sv.report.details, notes: sv.report.notes, errors: sv.report.errors }])),
      placeholders,
    };
    writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`\nJSON: ${out}`);
  }
  if (o.cpuProf) {
    let files: string[] = [];
    try {
      files = readdirSync(profDir).filter((f) => f.endsWith(".cpuprofile"));
    } catch {
      // none written
    }
    for (const f of files.sort()) console.log(`\n${formatSelfTimes(join(profDir, f), 25)}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
