/** The gate's value while a checkpoint is on its way: later than any time. */
const CLOSED = 2n ** 63n - 1n;

/**
 * When a running job may take its next periodic checkpoint, shared by the job manager and the
 * worker thread over a SharedArrayBuffer. The worker closes the gate as it sends a checkpoint; the
 * manager opens it again once that checkpoint is stored, from a time of its choosing. So a run has
 * at most one periodic checkpoint on its way, and the side that stores them sets their pace.
 */
export class CheckpointGate {
  /** When the gate opens, in ms since the epoch: Date.now() is one clock for every thread. */
  private readonly opensAt: BigInt64Array;

  /** A gate over `buffer` (8 bytes), or over a new one: open. */
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.opensAt = new BigInt64Array(buffer, 0, 1);
  }

  /** The worker sends a checkpoint: no periodic one follows until the manager reopens the gate. */
  close(): void {
    Atomics.store(this.opensAt, 0, CLOSED);
  }

  /** The manager stored the last checkpoint: the next may be taken from `time` (ms since the epoch). */
  openFrom(time: number): void {
    Atomics.store(this.opensAt, 0, BigInt(Math.ceil(time)));
  }

  isOpen(now: number = Date.now()): boolean {
    return BigInt(now) >= Atomics.load(this.opensAt, 0);
  }
}
