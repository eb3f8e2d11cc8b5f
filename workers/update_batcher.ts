import { performance } from "node:perf_hooks";
import type { ProgressRun, TrainingMessage, TrainingUpdate, WorkerMessage } from "../src/services/task.js";

/**
 * Collects a training run's messages and posts them in batches, consecutive steps packed into one
 * ProgressRun: the API thread then handles a few messages per interval instead of one per step
 * (a W1-sized job takes ~15,000 steps a second). The first step goes out at once, so a client sees
 * the first loss without waiting for the interval. Order is kept; `flush()` posts what is left and
 * must be called when the run ends, however it ends.
 */
export class UpdateBatcher {
  private updates: TrainingUpdate[] = [];
  /** The run being extended: its first step, and its steps' losses, batch sizes and times so far. */
  private run: { epoch: number; step: number; batch: number; losses: number[]; samples: number[]; seconds: number[] } | null = null;
  private lastPost = performance.now();
  private sentFirstStep = false;

  constructor(
    private readonly post: (message: WorkerMessage) => void,
    private readonly intervalMs: number,
  ) {}

  add(message: TrainingMessage): void {
    if (message.kind === "progress") {
      const run = this.run;
      const n = run ? run.losses.length : 0;
      if (run && message.epoch === run.epoch && message.step === run.step + n && message.batch === run.batch + n) {
        run.losses.push(message.loss);
        run.samples.push(message.samples);
        run.seconds.push(message.seconds);
      } else {
        this.closeRun();
        const { epoch, step, batch, loss, samples, seconds } = message;
        this.run = { epoch, step, batch, losses: [loss], samples: [samples], seconds: [seconds] };
      }
      if (!this.sentFirstStep) {
        this.sentFirstStep = true;
        this.flush();
        return;
      }
    } else {
      this.closeRun();
      this.updates.push(message);
    }
    if (performance.now() - this.lastPost >= this.intervalMs) this.flush();
  }

  /** Posts every update collected so far (nothing if there is none). */
  flush(): void {
    this.closeRun();
    if (this.updates.length === 0) return;
    this.post({ kind: "updates", updates: this.updates });
    this.updates = [];
    this.lastPost = performance.now();
  }

  private closeRun(): void {
    if (!this.run) return;
    const { epoch, step, batch, losses, samples, seconds } = this.run;
    const run: ProgressRun = {
      kind: "progress_run",
      epoch,
      step,
      batch,
      losses: Float64Array.from(losses),
      samples: Uint32Array.from(samples),
      seconds: Float64Array.from(seconds),
    };
    this.updates.push(run);
    this.run = null;
  }
}
