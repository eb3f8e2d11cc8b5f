import type { JobEvent, Store } from "../store/index.js";
import { EVENT_PAGE } from "./event_feed.js";

/**
 * Follows a job's events in the store, for subscribers in a process that does not run the job
 * (with a shared queue, any process may train it). The process that trains a job stores its
 * events every ~100 ms and signals it (`pollNow`); a tail reads what was stored since its last
 * event then, and every `pollMs` in case a signal was lost, and hands each batch to `deliver`,
 * until a `done` event or `stop()`. Listeners drop events they already have (by seq), so a tail
 * may overlap the live events of a job that starts running here.
 */
export class EventTail {
  private lastSeq = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private polling = false;
  /** A signal came while a poll was running: poll again after it. */
  private again = false;

  constructor(
    private readonly store: Store,
    private readonly jobId: string,
    private readonly deliver: (events: JobEvent[]) => void,
    private readonly pollMs: number,
    /** When true the job runs in this process, whose live events reach subscribers: skip the poll. */
    private readonly isLocal: () => boolean,
    /** The last event the subscriber has (from a replay, say): the tail reads after it. */
    private readonly subscriberSeq: () => number,
  ) {
    this.schedule();
  }

  /** Reads now (the job has new events), rather than at the next poll. */
  pollNow(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    if (this.timer !== null) clearTimeout(this.timer);
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    this.timer = null;
    this.polling = true;
    try {
      if (!this.isLocal()) {
        this.lastSeq = Math.max(this.lastSeq, this.subscriberSeq());
        // pages bounded by events (a subscriber starts it where it caught up, near the job's last
        // event); a page cut short by a gap in seq (retention) is continued at the next poll
        for (;;) {
          const events = await this.store.listEvents(this.jobId, this.lastSeq, EVENT_PAGE);
          if (this.stopped || events.length === 0) break;
          this.lastSeq = events[events.length - 1]!.seq;
          this.deliver(events);
          if (events.some((e) => e.type === "done")) return this.stop();
          if (events.length < EVENT_PAGE) break;
        }
      }
    } catch {
      // a failed read (the store restarting) is retried at the next poll
    } finally {
      this.polling = false;
    }
    if (this.again && !this.stopped) {
      this.again = false;
      return this.poll();
    }
    this.schedule();
  }
}
