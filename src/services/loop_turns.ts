/**
 * Turns of the event loop handed out one at a time to long-running loops (replays of event
 * streams): `take()` resolves in a later turn, one waiter per turn, so that everything else the
 * process does (requests, timers, I/O) runs between any two steps. Each loop yielding with its
 * own setImmediate is not enough: 200 streams replaying at once would run 200 steps back to back
 * in every turn.
 */
export class LoopTurns {
  private waiting: (() => void)[] = [];
  private next = 0;
  private scheduled = false;

  /** Resolves in a later turn of the event loop, after the waiters that came before. */
  take(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.release);
      }
    });
  }

  private readonly release = (): void => {
    const resolve = this.waiting[this.next++]!;
    if (this.next === this.waiting.length) {
      this.waiting = [];
      this.next = 0;
    } else if (this.next >= 1024) {
      // drop the released head now and then rather than shift() per turn
      this.waiting = this.waiting.slice(this.next);
      this.next = 0;
    }
    this.scheduled = this.waiting.length > 0;
    if (this.scheduled) setImmediate(this.release);
    resolve();
  };
}

/** The turns every event stream of this process shares. */
export const eventStreamTurns = new LoopTurns();
