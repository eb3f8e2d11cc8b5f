import { setTimeout as sleep } from "node:timers/promises";
import type { PruneBudget, Store } from "../store/index.js";

export interface EventRetentionOptions {
  /** Jobs that ended more than this many days ago lose their `progress` events. */
  days: number;
  /** Every job keeps at least its last this many events in full. */
  keepLastEvents: number;
  /** Time from one pass's start to the next's, in ms (default 10 minutes). */
  intervalMs?: number;
  log?: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** One step of a pass: a few milliseconds of SQLite's time (rows hold up to 4096 steps, ~45 KB). */
const STEP: PruneBudget = { maxJobs: 200, maxRows: 32 };
/** The pause between steps: a pass takes at most a fraction of the event loop's time. */
const STEP_PAUSE_MS = 10;
/** The first pass comes this long after start-up, away from the start's own work. */
const FIRST_PASS_MS = 30_000;

/**
 * Retention of job events, in the background: every `intervalMs`, a pass over every job deletes
 * the `progress` events of jobs that ended more than `days` ago, and those of any job beyond its
 * last `keepLastEvents` events (Store.pruneEvents, whole rows of up to 4096 steps). The `epoch`
 * events (each epoch's loss and accuracy), the `status` events and `done` stay. A pass goes in
 * small steps with pauses between, never on a request's path.
 */
export class EventRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly options: EventRetentionOptions,
  ) {}

  /** Schedules the passes (the timers do not keep the process alive). */
  start(): void {
    const tick = (): void => {
      void this.pass();
      this.timer = setTimeout(tick, this.options.intervalMs ?? 10 * 60_000);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, FIRST_PASS_MS);
    this.timer.unref();
  }

  /** One pass over every job (or the one under way); resolves to the rows it deleted. */
  pass(): Promise<number> {
    this.running ??= this.runPass().finally(() => (this.running = null));
    return this.running;
  }

  /** Stops the passes; resolves once the one under way has stopped after its current step. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.running;
  }

  private async runPass(): Promise<number> {
    const policy = {
      endedBefore: new Date(Date.now() - this.options.days * DAY_MS).toISOString(),
      keepLast: this.options.keepLastEvents,
    };
    let deleted = 0;
    let cursor: string | null = null;
    try {
      while (!this.stopped) {
        const step = await this.store.pruneEvents(policy, cursor, STEP);
        deleted += step.deletedRows;
        if (step.done) break;
        cursor = step.cursor;
        await sleep(STEP_PAUSE_MS);
      }
      if (deleted > 0) this.options.log?.info({ rows: deleted }, "event retention: deleted old progress events");
    } catch (error) {
      // the store restarting, say: the next pass starts over
      this.options.log?.error({ err: error }, "event retention pass failed");
    }
    return deleted;
  }
}
