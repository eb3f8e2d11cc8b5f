import { TERMINAL_STATUSES, type JobEvent, type Store } from "../store/index.js";
import { eventStreamTurns } from "./loop_turns.js";
import type { JobManager } from "./manager.js";
import type { EventListener } from "./views.js";

/** Events per page: one store read and one write to a client (~100 KB of event-stream text). */
export const EVENT_PAGE = 1000;
/**
 * Live events held for a reader that has not taken them yet (a slow client). Past this many the
 * feed drops them and reads them from the store at the reader's pace, so what it holds stays bounded.
 */
const MAX_HELD = 5 * EVENT_PAGE;

/** Where a feed reads a job's events: the store, and the job manager's live events. */
export interface JobEventSource {
  store: Store;
  jobs: Pick<JobManager, "subscribe">;
}

/**
 * A job's events after `afterSeq`, in order, a page of at most EVENT_PAGE at a time, until its
 * `done` event (or, for a job that has already ended, its last event) or until `signal` aborts.
 *
 * The feed reads the store a page at a time as the reader asks (a replay costs what the reader
 * takes), each page in a turn of the event loop of its own (LoopTurns). Once it has caught up it
 * subscribes to the job's live events, reads the store once more for what was stored in between,
 * and then hands on live events as they come; a reader that falls more than MAX_HELD events
 * behind goes back to the store. Seq may have gaps (retention): pages skip them.
 *
 * A class rather than an async generator: a suspended generator keeps the page it yielded alive
 * (V8 keeps its frame whole) for as long as the reader waits for its client, which for hundreds
 * of slow clients is hundreds of pages promoted to the old generation.
 */
export class JobEventFeed {
  private sent: number;
  /** Live events not handed on yet, and the last seq among those received. */
  private held: JobEvent[] = [];
  private heldUpTo: number;
  /** Live events were dropped: read them from the store. */
  private overflowed = false;
  /** A `done` came that the reader had already (it resumed after the job's last event). */
  private doneBehind = false;
  private unsubscribe: (() => void) | null = null;
  /** Caught up: pages come from the live events, not the store. */
  private live = false;
  private jobEnded = false;
  private over = false;
  private wake: (() => void) | null = null;
  private readonly onAbort = (): void => this.wake?.();

  constructor(
    private readonly source: JobEventSource,
    private readonly jobId: string,
    afterSeq: number,
    private readonly signal: AbortSignal,
  ) {
    this.sent = afterSeq;
    this.heldUpTo = afterSeq;
    signal.addEventListener("abort", this.onAbort);
  }

  /** The next page (never empty), or null once the feed is over (it is then closed). */
  async next(): Promise<JobEvent[] | null> {
    while (!this.over) {
      await eventStreamTurns.take();
      if (this.signal.aborted) break;
      const page = this.live ? await this.fromHeld() : await this.fromStore();
      if (page.length > 0) return this.deliver(page);
    }
    this.close();
    return null;
  }

  /** Stops the live events (idempotent). */
  close(): void {
    this.over = true;
    this.held = [];
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.signal.removeEventListener("abort", this.onAbort);
  }

  private readonly onEvents: EventListener = (events) => {
    for (const e of events) {
      if (e.type === "done" && e.seq <= this.sent) this.doneBehind = true;
      if (e.seq <= Math.max(this.sent, this.heldUpTo)) continue; // a store tail may repeat events
      this.held.push(e);
      this.heldUpTo = e.seq;
    }
    if (this.held.length > MAX_HELD) {
      this.held = [];
      this.overflowed = true;
    }
    this.wake?.();
  };

  /** A page from the store; when there is none, decides where the next page comes from. */
  private async fromStore(): Promise<JobEvent[]> {
    this.overflowed = false;
    const page = await this.source.store.listEvents(this.jobId, this.sent, EVENT_PAGE);
    if (page.length > 0 || this.signal.aborted) return page;
    if (this.unsubscribe === null) {
      // caught up: subscribe, then read again what was stored before the subscription
      this.unsubscribe = this.source.jobs.subscribe(this.jobId, this.onEvents, () => this.sent);
    } else if (this.jobEnded) {
      this.over = true;
    } else if (!this.overflowed) {
      // a job that has ended stored its last events with its end: read until none is left
      if (await ended(this.source.store, this.jobId)) this.jobEnded = true;
      else this.live = true;
    }
    return [];
  }

  /** The held events that follow the last page without a gap; waits for some when there are none. */
  private async fromHeld(): Promise<JobEvent[]> {
    let from = 0;
    while (from < this.held.length && this.held[from]!.seq <= this.sent) from++;
    let to = from;
    while (to < this.held.length && to - from < EVENT_PAGE && this.held[to]!.seq === this.sent + 1 + to - from) to++;
    const page = this.held.slice(from, to);
    this.held = this.held.slice(to === from ? from : to);
    if (page.length > 0) return page;
    if (this.overflowed || this.held.length > 0) {
      this.live = false; // events were dropped, or came after a gap: read them from the store
    } else if (this.doneBehind) {
      this.over = true;
    } else if (!this.signal.aborted) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    return [];
  }

  private deliver(page: JobEvent[]): JobEvent[] {
    const done = page.findIndex((e) => e.type === "done");
    const delivered = done < 0 ? page : page.slice(0, done + 1);
    this.sent = delivered[delivered.length - 1]!.seq;
    if (done >= 0) this.close();
    return delivered;
  }
}

async function ended(store: Store, jobId: string): Promise<boolean> {
  const job = await store.getJob(jobId);
  return job === null || TERMINAL_STATUSES.includes(job.status);
}
