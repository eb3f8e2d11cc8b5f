import { Worker } from "node:worker_threads";
import { CONTROL_INTS, FN_COMPUTE, FN_COMPUTE_ROWS, HELPER_SOURCE, MAX_CHUNKS, RUN_CHUNKS_SOURCE, SEQ_MASK, SLOT } from "./gemm-helper-source.js";
import type { GemmExports } from "./gemm-module.js";

/** How long the caller polls for the helper's last chunk before it sleeps in Atomics.wait, in ms. */
const JOIN_SPIN_MS = 0.05;

type ComputeFn = GemmExports["compute"];
/** The caller's copy of the helper's chunk loop (the same source, see gemm-helper-source.ts). */
const runChunks = new Function(`${RUN_CHUNKS_SOURCE}; return runChunks;`)() as (
  ctl: Int32Array,
  fns: readonly [ComputeFn, ComputeFn],
  seq: number,
) => boolean;

/** A `compute` / `computeRows` call over nPanels panels of B, to be cut into chunks of B panels. */
export interface SplitJob {
  readonly rows: boolean;
  readonly pa: number;
  readonly pb: number;
  readonly c: number;
  /** A panels (compute) or rows (computeRows) */
  readonly m: number;
  readonly nPanels: number;
  readonly k: number;
  readonly ldc: number;
  readonly flags: number;
  readonly bias: number;
  /** NR·4: the bytes one panel moves along a row of B's panels, of C and of the bias */
  readonly panelBytes: number;
  readonly chunkPanels: number;
}

/**
 * A second thread that shares a WasmGemm's `compute` calls over the same shared WebAssembly memory
 * (the protocol is described in gemm-helper-source.ts). It starts in the background; until it is
 * `ready` the caller computes alone. It never keeps the process alive (unref'd) and idles in
 * Atomics.wait.
 */
export class GemmHelper {
  private readonly control: Int32Array;
  private seq = 0;
  /** Resolves true once the helper can take jobs, false if it failed to start. */
  readonly started: Promise<boolean>;

  private constructor(private readonly worker: Worker, control: SharedArrayBuffer) {
    this.control = new Int32Array(control);
    worker.unref();
    this.started = new Promise((resolve) => {
      worker.once("message", () => resolve(true));
      worker.once("error", () => resolve(false));
      worker.once("exit", () => resolve(false));
    });
  }

  /** A helper over `module` instantiated on `memory` (shared), or null if no thread can be started here. */
  static start(module: object, memory: object): GemmHelper | null {
    const control = new SharedArrayBuffer(CONTROL_INTS * 4);
    try {
      // execArgv: []: the helper needs no loader (tsx) or flags of the caller's, and starts faster
      const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { module, memory, control }, execArgv: [] });
      return new GemmHelper(worker, control);
    } catch {
      return null;
    }
  }

  get ready(): boolean {
    return Atomics.load(this.control, SLOT.READY) === 1;
  }

  /**
   * Runs `job` with the helper (call only when `ready`): the caller takes chunks too, and returns
   * once every chunk is done. `fns` is the caller's [compute, computeRows].
   */
  run(fns: readonly [ComputeFn, ComputeFn], job: SplitJob): void {
    const ctl = this.control;
    const chunks = Math.ceil(job.nPanels / job.chunkPanels);
    if (chunks > MAX_CHUNKS) throw new RangeError(`a split job has at most ${MAX_CHUNKS} chunks, not ${chunks}`);
    ctl[SLOT.FN] = job.rows ? FN_COMPUTE_ROWS : FN_COMPUTE;
    ctl[SLOT.PA] = job.pa;
    ctl[SLOT.PB] = job.pb;
    ctl[SLOT.C] = job.c;
    ctl[SLOT.M] = job.m;
    ctl[SLOT.N_PANELS] = job.nPanels;
    ctl[SLOT.K] = job.k;
    ctl[SLOT.LDC] = job.ldc;
    ctl[SLOT.FLAGS] = job.flags;
    ctl[SLOT.BIAS] = job.bias;
    ctl[SLOT.PANEL_BYTES] = job.panelBytes;
    ctl[SLOT.CHUNK_PANELS] = job.chunkPanels;
    const seq = (this.seq = (this.seq + 1) & SEQ_MASK);
    // no chunk of an earlier job runs now (the caller waited for them all): safe to reset
    Atomics.store(ctl, SLOT.FINISHED, 0);
    Atomics.store(ctl, SLOT.FAILED, 0);
    Atomics.store(ctl, SLOT.NEXT, (seq << 8) | chunks);
    Atomics.store(ctl, SLOT.SEQ, seq);
    Atomics.notify(ctl, SLOT.SEQ);
    const ok = runChunks(ctl, fns, seq);
    const deadline = performance.now() + JOIN_SPIN_MS;
    for (;;) {
      // sleep only on the value just seen: if it changed since, wait returns at once
      const finished = Atomics.load(ctl, SLOT.FINISHED);
      if (finished === chunks) break;
      if (performance.now() > deadline) Atomics.wait(ctl, SLOT.FINISHED, finished);
    }
    if (!ok || Atomics.load(ctl, SLOT.FAILED) !== 0) throw new Error("a split gemm job failed");
  }

  /** Stops the thread (for a WasmGemm that is dropped while the process goes on). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
