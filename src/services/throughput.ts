/** How far back a running job's throughput looks: long enough to smooth out batching, short enough to follow a change. */
export const THROUGHPUT_WINDOW_MS = 10_000;

/** A running job's throughput over its last steps, as a user watches it. */
export interface JobThroughput {
  jobId: string;
  /** Training samples per second of step time. */
  samplesPerSecond: number;
  /** Mean wall time of one optimizer step (drawing the batch, forward, backward, step), in seconds. */
  stepSeconds: number;
}

/** Steps reported together, when they arrived, and their totals. */
interface Report {
  at: number;
  steps: number;
  samples: number;
  seconds: number;
}

/**
 * The steps a job reported over the last THROUGHPUT_WINDOW_MS (by arrival), summed. Step time is
 * the worker's own measure, so a busy API thread does not make training look slower; the time
 * between steps (validation, checkpoints) is left out, as it is of PyTorch's step timings.
 */
export class ThroughputWindow {
  /** ~20 a second (a worker posts its steps every 50 ms): a few hundred at most. */
  private readonly reports: Report[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Adds steps of `samples[i]` samples that took `seconds[i]` each. */
  add(samples: ArrayLike<number>, seconds: ArrayLike<number>): void {
    const report: Report = { at: this.now(), steps: samples.length, samples: 0, seconds: 0 };
    for (let i = 0; i < samples.length; i++) {
      report.samples += samples[i]!;
      report.seconds += seconds[i]!;
    }
    this.reports.push(report);
    // the newest report stays, so that a job between steps (a long validation) keeps its last rates
    while (report.at - this.reports[0]!.at > THROUGHPUT_WINDOW_MS) this.reports.shift();
  }

  /** The window's rates, or null before the first step (or if its steps took no measurable time). */
  rates(): Omit<JobThroughput, "jobId"> | null {
    let steps = 0;
    let samples = 0;
    let seconds = 0;
    for (const r of this.reports) {
      steps += r.steps;
      samples += r.samples;
      seconds += r.seconds;
    }
    if (steps === 0 || seconds <= 0) return null;
    return { samplesPerSecond: samples / seconds, stepSeconds: seconds / steps };
  }
}
