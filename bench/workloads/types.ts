import type { CaseSpec, EngineId } from "../protocol.js";

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
  /** Rows; empty for a placeholder. */
  cases(options: BenchOptions): CaseDef[];
  /** Set for workloads that are not implemented yet: printed instead of numbers. */
  readonly placeholder?: string;
}

export const W2_SIZES = [784, 256, 128, 10] as const;

export function arrow(sizes: readonly number[]): string {
  return sizes.join("→");
}

export function scaled(n: number, options: BenchOptions, quickN: number): number {
  return Math.max(1, Math.round((options.quick ? quickN : n) * options.scale));
}
