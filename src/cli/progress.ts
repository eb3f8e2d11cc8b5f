/**
 * A job's progress as its events come: on a terminal, one bar redrawn in place (epoch, step, loss,
 * samples/s, ETA) above which each epoch's metrics and each status change scroll; elsewhere (a
 * pipe, a log file), just those lines.
 */
import type { EpochMetrics, JobView } from "../services/index.js";
import type { JobEvent } from "./job_events.js";

export interface ProgressOptions {
  write(text: string): void;
  /** The terminal, or null for plain lines. */
  tty: { columns: number } | null;
  /** Milliseconds, for the rates; default Date.now. */
  now?: () => number;
}

/** How far back the rate looks, and how often the bar is redrawn at most. */
const RATE_WINDOW_MS = 10_000;
const REDRAW_MS = 100;
const CLEAR_LINE = "\r\x1b[2K";

export class ProgressView {
  private readonly epochs: number;
  private readonly totalSteps: number;
  private readonly batchSize: number;
  private readonly now: () => number;
  private epoch: number;
  private step: number;
  private loss: number | null;
  /** (time, step) samples of the last RATE_WINDOW_MS, one per instant: a replayed burst counts as where it ended. */
  private samples: { t: number; step: number }[] = [];
  private drawn = false;
  private drawnAt = -Infinity;

  constructor(
    job: JobView,
    private readonly options: ProgressOptions,
  ) {
    this.epochs = job.progress.epochs;
    this.totalSteps = job.progress.total_steps;
    this.batchSize = typeof job.spec.batch_size === "number" ? job.spec.batch_size : 0;
    this.now = options.now ?? Date.now;
    this.epoch = job.progress.epoch;
    this.step = job.progress.step;
    this.loss = job.metrics.loss;
  }

  event(e: JobEvent): void {
    switch (e.event) {
      case "progress":
        this.epoch = e.data.epoch;
        this.step = e.data.step;
        this.loss = e.data.loss;
        this.sample();
        if (this.options.tty && this.now() - this.drawnAt >= REDRAW_MS) this.draw();
        return;
      case "epoch":
        return this.line(`epoch ${e.data.epoch}/${this.epochs}: ${formatMetrics(e.data)}`);
      case "status":
        return this.line(`status: ${e.data.status}`);
      case "done":
        return this.clear();
    }
  }

  /** Removes the bar (before the caller writes its own last lines). */
  clear(): void {
    if (this.drawn) this.options.write(CLEAR_LINE);
    this.drawn = false;
  }

  /** The bar as it stands, fitted to `columns`. */
  bar(columns: number): string {
    const fraction = this.totalSteps > 0 ? Math.min(this.step / this.totalSteps, 1) : 0;
    const rate = this.stepsPerSecond();
    const parts = [
      `step ${this.step}/${this.totalSteps}`,
      `loss ${this.loss === null ? "–" : formatNumber(this.loss)}`,
      rate === null ? "– samples/s" : `${Math.round(rate * this.batchSize)} samples/s`,
      `ETA ${rate === null || rate === 0 ? "–" : formatDuration((this.totalSteps - this.step) / rate)}`,
    ];
    const head = `epoch ${this.epoch}/${this.epochs} `;
    const tail = ` ${String(Math.floor(fraction * 100)).padStart(3)}% ${parts.join("  ")}`;
    // the figures come first: on a narrow terminal the bar shrinks, then goes
    const width = Math.min(30, columns - 1 - head.length - tail.length - 2);
    const filled = Math.round(fraction * width);
    const bar = width >= 5 ? `[${"#".repeat(filled)}${"-".repeat(width - filled)}]` : "";
    return `${head}${bar}${tail}`.slice(0, Math.max(columns - 1, 0));
  }

  private draw(): void {
    this.options.write(`${CLEAR_LINE}${this.bar(this.options.tty!.columns)}`);
    this.drawn = true;
    this.drawnAt = this.now();
  }

  /** A line that stays: above the bar on a terminal (which is then redrawn), alone otherwise. */
  private line(text: string): void {
    this.clear();
    this.options.write(`${text}\n`);
    if (this.options.tty) this.draw();
  }

  private sample(): void {
    const t = this.now();
    const last = this.samples.at(-1);
    if (last !== undefined && last.t === t) last.step = this.step;
    else this.samples.push({ t, step: this.step });
    while (this.samples.length > 2 && t - this.samples[1]!.t >= RATE_WINDOW_MS) this.samples.shift();
  }

  /** Steps per second over the window; null until time has passed between two samples. */
  private stepsPerSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (first === undefined || last === undefined || last.t === first.t) return null;
    return ((last.step - first.step) * 1000) / (last.t - first.t);
  }
}

/** `train_loss 0.4321, train_accuracy 0.8700, …, lr 0.001`: an epoch's metrics (a job's last, for its summary). */
export function formatMetrics(metrics: EpochMetrics): string {
  const { epoch: _epoch, lr, ...figures } = metrics;
  return Object.entries({ ...figures, lr })
    .filter((entry): entry is [string, number] => typeof entry[1] === "number")
    .map(([name, value]) => `${name} ${formatNumber(value)}`)
    .join(", ");
}

/** Four decimals, or three digits and an exponent for the very small and large (an lr of 1e-5, a diverging loss). */
const formatNumber = (value: number): string =>
  value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e5) ? value.toExponential(2) : value.toFixed(4);

/** `0:07`, `12:34`, `1:02:03`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number): string => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
}
