import type { CaseSpec, EngineId } from "../protocol.js";
import type { Summary } from "../stats.js";

export interface BenchOptions {
  /** Small sizes for a smoke run (`--quick`). */
  readonly quick: boolean;
  /** Multiplies the sample counts of the training workloads (`--scale`). */
  readonly scale: number;
  /** W3's matrix sizes (`--matmul-sizes`); default 256, 512, 1024 (64, 128, 256 with --quick). */
  readonly matmulSizes: readonly number[] | null;
  /** Where the synthetic data files go. */
  readonly dataDir: string;
  /** The seed of the data and of every engine's initial weights. */
  readonly seed: number;
  /** Cores "all cores" means (W3). */
  readonly cores: number;
}

/** One row of the table: one thing measured on every engine. */
export interface CaseDef {
  /** Unique, stable key in the JSON, e.g. "W3.n512.1t". */
  readonly id: string;
  readonly workload: string;
  /** Row label in the table. */
  readonly label: string;
  readonly unit: string;
  readonly better: "higher" | "lower";
  /**
   * "epoch": warm up with exactly one iteration (one epoch), then whole epochs per repetition: as many
   * as fill about 1 s judging by the warm-up epoch (at least one; 0.1 s with --quick).
   * "calibrated": warm up for at least 0.5 s (0.05 s with --quick), then run as many iterations per
   * repetition as fill about 1 s (0.1 s).
   */
  readonly mode: "epoch" | "calibrated";
  /** "throughput": workPerIter × iters / seconds. "latency-us": µs per iteration. */
  readonly metric: "throughput" | "latency-us";
  readonly workPerIter: number;
  readonly spec: CaseSpec;
  /** Engines this row does not apply to, and why (shown in the table instead of a number). */
  readonly notFor?: Partial<Record<EngineId, string>>;
}

export interface Workload {
  readonly id: string;
  readonly title: string;
  /** What it measures, for `--list` and the README. */
  readonly description: string;
  /** Rows; empty for a placeholder or a service workload. */
  cases(options: BenchOptions): CaseDef[];
  /**
   * Set for workloads that measure the HTTP service rather than an engine (W5): Kiln only, run once
   * by run.ts (not per engine), producing its own rows.
   */
  service?(options: BenchOptions, context: ServiceContext): Promise<ServiceReport>;
  /** Set for workloads that are not implemented yet: printed instead of numbers. */
  readonly placeholder?: string;
}

/** What a service workload gets from run.ts besides the BenchOptions. */
export interface ServiceContext {
  /** Progress lines (stderr). */
  log(line: string): void;
  /** Measured repetitions (-r). */
  readonly reps: number;
  /** Where server CPU profiles go (--cpu-prof), or null. */
  readonly profileDir: string | null;
  /** W5's own settings (--w5-*). */
  readonly w5: W5Options;
}

export interface W5Options {
  /** Run `npm run build` first (default); false measures dist/ as it is. */
  readonly build: boolean;
  /** Concurrent connections of the predict load (default 10). */
  readonly connections: number;
  /** Seconds of measured predict load (default 5; 2 with --quick). */
  readonly durationSeconds: number;
  /** LOG_LEVEL of the server processes (default "info", the service's default). */
  readonly logLevel: string;
  /** KILN_WORKERS of the server processes (default 2). */
  readonly workers: number;
  /** Epochs of the memory part's W2 job (default 20; 5 with --quick). */
  readonly memoryEpochs: number;
  /** Which parts run: "latency" (first loss, predict), "jobs" (4 vs 1), "memory" (RSS); default all. */
  readonly parts: readonly string[];
}

/** One row of a service workload: a Kiln-only measurement and the goal it is held to. */
export interface ServiceRow {
  readonly id: string;
  readonly workload: string;
  readonly label: string;
  readonly unit: string;
  readonly better: "higher" | "lower";
  /** What the table shows for Kiln: `summary.median` is the row's value (see the row's `note`). */
  readonly summary: Summary;
  /** The measurements the summary is taken over (one per job, per repetition or per 1 s window). */
  readonly values: number[];
  /** Replaces "value (min–max)" in the table when the row reads better another way. */
  readonly text?: string;
  /** What `summary` is taken over, for the JSON reader. */
  readonly note: string;
  /** The goal for this row, and whether the run met it (null: the row has no goal of its own). */
  readonly goal: { readonly text: string; readonly met: boolean | null } | null;
  /** What the row was measured with (sizes, settings). */
  readonly spec: Record<string, unknown>;
  readonly extra?: Record<string, unknown>;
}

export interface ServiceReport {
  readonly rows: ServiceRow[];
  /** Everything else worth keeping in the JSON: server settings, raw per-job timings, RSS samples. */
  readonly details: Record<string, unknown>;
  /** Lines printed under the table (goals missed or met, caveats). */
  readonly notes: string[];
  /** Parts that could not run, and why (the rows of those parts are missing). */
  readonly errors: { readonly part: string; readonly message: string }[];
}

export const W2_SIZES = [784, 256, 128, 10] as const;

export function arrow(sizes: readonly number[]): string {
  return sizes.join("→");
}

export function scaled(n: number, options: BenchOptions, quickN: number): number {
  return Math.max(1, Math.round((options.quick ? quickN : n) * options.scale));
}
