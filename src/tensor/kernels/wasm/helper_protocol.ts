import type { MessagePort } from "node:worker_threads";
import type { GemmExports } from "./gemm_module.js";

/**
 * What a caller (kernel_helper.ts) and its helper thread (helper_thread.ts) share: the control
 * block (an Int32Array over a SharedArrayBuffer of its own), slot by slot, the messages and the
 * chunk loop and chunk runners both threads run, imported by both so that they run the same code.
 *
 * A job is `compute` (or `computeRows`) over nPanels panels of B, cut into chunks of chunkPanels
 * panels, or a vector kernel's run over one chunk of elements, cut in two parts (FN_VECTOR; see
 * vector.ts). The caller writes the job, resets FINISHED, publishes NEXT = (seq << 8) | chunks, bumps
 * SEQ and wakes the helper. Both threads then claim chunks by decrementing NEXT (compareExchange,
 * only while its seq is the job's) and count each chunk they finish in FINISHED; the caller returns
 * once FINISHED = chunks. A helper that wakes late finds every chunk claimed by the caller, and one
 * that finds a newer seq in NEXT claims nothing of the old job: the caller never waits for a helper
 * that has not started, and a job's arguments are never read once it is over.
 */
/** Arrays of a vector kernel, and elements per array per chunk (vector.ts's MAX_ARRAYS and CHUNK). */
export const MAX_ARRAYS = 6;
export const VECTOR_CHUNK = 8192;

export const SLOT = {
  /** set to 1 by the helper once its instance exists */
  READY: 0,
  /** the last job posted (its seq) */
  SEQ: 1,
  /** (seq << 8) | chunks not yet claimed */
  NEXT: 2,
  /** chunks of the current job finished */
  FINISHED: 3,
  /** 1 if a chunk of the current job threw on the helper (the caller reports it) */
  FAILED: 4,
  /** the job: FN_COMPUTE, FN_COMPUTE_ROWS or FN_VECTOR, then its arguments below */
  FN: 5,
  PA: 6,
  PB: 7,
  C: 8,
  /** A panels (compute) or rows (computeRows) */
  M: 9,
  N_PANELS: 10,
  K: 11,
  LDC: 12,
  FLAGS: 13,
  BIAS: 14,
  /** bytes of one panel's row of B, and of C's and the bias's columns for one panel: NR·4 */
  PANEL_BYTES: 15,
  CHUNK_PANELS: 16,
  /** how many messages the caller has posted (the helper reads them when this moves) */
  MESSAGES: 17,
  /** a vector job: the registered kernel instance, its elements, where part 1 starts */
  V_ID: 18,
  V_N: 19,
  V_HALF: 20,
  /** bit masks of the arrays whose chunks are copied in (read) and out (written) */
  V_READS: 21,
  V_WRITES: 22,
  /** how many resident pointers and float32 scalars */
  V_POINTERS: 23,
  V_SCALARS: 24,
  /** per array: the helper's slot holding the SharedArrayBuffer of a copied one (or -1), and its byte offset */
  V_BUFFERS: 25,
  V_OFFSETS: 25 + MAX_ARRAYS,
  /** the resident arrays' byte addresses, then the scalars */
  V_ARGS: 25 + 2 * MAX_ARRAYS,
} as const;
/** Most resident pointers plus scalars of a vector job. */
export const MAX_VECTOR_ARGS = 24;
export const CONTROL_INTS = SLOT.V_ARGS + MAX_VECTOR_ARGS;
export const FN_COMPUTE = 0;
export const FN_COMPUTE_ROWS = 1;
export const FN_VECTOR = 2;
/** seqs live in NEXT's upper 24 bits */
export const SEQ_MASK = 0xffffff;
/** chunks live in NEXT's lower 8 bits */
export const MAX_CHUNKS = 255;

/**
 * How long the helper polls for the next job before it sleeps in Atomics.wait, in ms. A sleeping
 * thread takes tens of µs to wake; a training step posts its products a few tens of µs apart, but
 * its optimizer step comes a few hundred µs after the last product of the backward pass. Measured
 * on W2 (2 threads, in-process A/B against Kiln before vector runs were shared, 0.05 ms): with
 * 0.05 ms the helper was asleep when Adam
 * began and sharing Adam's update gained nothing; with 0.5 ms Adam's step took 0.38 ms instead of
 * 0.50 and a training step 1.66 ms instead of 1.96 (0.2 ms: 0.42 and 1.81).
 */
export const HELPER_SPIN_MS = 0.5;

/** A gemm module's `compute` or `computeRows` (the same arguments). */
export type ComputeFn = GemmExports["compute"];
/** A vector kernel's run(start, end, pointers..., scalars...) (see vector.ts). */
export type VectorRunFn = (...args: number[]) => void;

/** What the helper thread is started with (its workerData). */
export interface HelperWorkerData {
  /** the compiled gemm module and the caller's shared memory it runs over */
  readonly module: object;
  readonly memory: object;
  /** the control block's SharedArrayBuffer */
  readonly control: SharedArrayBuffer;
  /** where the caller posts HelperMessages */
  readonly port: MessagePort;
}

/**
 * What the caller posts on the port: a vector kernel's module and the memory to instantiate it
 * over, under an id; an array's SharedArrayBuffer, into slot `id` (replacing the one there); or
 * the id of a kernel instance to drop.
 */
export type HelperMessage =
  | { readonly kind: "kernel"; readonly id: number; readonly module: object; readonly memory: object }
  | { readonly kind: "buffer"; readonly id: number; readonly buffer: SharedArrayBuffer }
  | { readonly kind: "drop-kernel"; readonly id: number };

/**
 * Claims and runs chunks of job `seq` until none is left: the part of the protocol both threads
 * run. `runChunk(j)` runs chunk j; returns false if a chunk threw.
 */
export function runChunks(ctl: Int32Array, runChunk: (j: number) => void, seq: number): boolean {
  let ok = true;
  for (;;) {
    const v = Atomics.load(ctl, SLOT.NEXT);
    if (v >>> 8 !== seq || (v & MAX_CHUNKS) === 0) return ok;
    if (Atomics.compareExchange(ctl, SLOT.NEXT, v, v - 1) !== v) continue;
    try {
      runChunk((v & MAX_CHUNKS) - 1);
    } catch {
      ok = false;
    }
    Atomics.add(ctl, SLOT.FINISHED, 1);
    Atomics.notify(ctl, SLOT.FINISHED);
  }
}

/** Chunk j of a gemm job; `fns` is [compute, computeRows]. */
export function gemmChunk(ctl: Int32Array, fns: readonly [ComputeFn, ComputeFn], j: number): void {
  const cp = ctl[SLOT.CHUNK_PANELS];
  const j0 = j * cp;
  const panels = Math.min(cp, ctl[SLOT.N_PANELS] - j0);
  const step = ctl[SLOT.PANEL_BYTES] * j0;
  const k = ctl[SLOT.K];
  fns[ctl[SLOT.FN]](ctl[SLOT.PA], ctl[SLOT.PB] + step * k, ctl[SLOT.C] + step, ctl[SLOT.M], panels, k,
    ctl[SLOT.LDC], ctl[SLOT.FLAGS], ctl[SLOT.BIAS] + step);
}

/**
 * Part j of a vector job: elements [0, half) (j = 0) or [half, n) (j = 1), streamed in chunks
 * through the chunk regions of set j (set 1 above set 0), as VectorKernel.run streams a whole run:
 * copy the chunk of every read array in from `views` (the arrays, or null), run(start, end,
 * pointers..., scalars...), copy the written arrays out. `heap` views both sets; `f32` views the
 * control block as float32. Each thread copies its own part, so no chunk crosses between caches.
 */
export function vectorPart(
  ctl: Int32Array,
  f32: Float32Array,
  run: VectorRunFn,
  heap: Float32Array,
  views: readonly (Float32Array | null)[],
  j: number,
): void {
  const half = ctl[SLOT.V_HALF];
  const from = j === 0 ? 0 : half;
  const to = j === 0 ? half : ctl[SLOT.V_N];
  const set = j * MAX_ARRAYS * VECTOR_CHUNK;
  const reads = ctl[SLOT.V_READS];
  const writes = ctl[SLOT.V_WRITES];
  const pointers = ctl[SLOT.V_POINTERS];
  const args = [set * 4, 0];
  for (let i = 0; i < pointers; i++) args.push(0);
  const end = SLOT.V_ARGS + pointers + ctl[SLOT.V_SCALARS];
  for (let i = SLOT.V_ARGS + pointers; i < end; i++) args.push(f32[i]);
  for (let off = from; off < to; off += VECTOR_CHUNK) {
    const len = Math.min(VECTOR_CHUNK, to - off);
    // the masks name only arrays that are there (not null)
    for (let r = 0; r < MAX_ARRAYS; r++) {
      if (reads & (1 << r)) heap.set(views[r]!.subarray(off, off + len), set + r * VECTOR_CHUNK);
    }
    args[1] = (set + ((len + 3) & -4)) * 4;
    // the kernel adds the offset into the regions (from set·4) to every resident address
    for (let i = 0; i < pointers; i++) args[2 + i] = (ctl[SLOT.V_ARGS + i] + (off - set) * 4) | 0;
    run(...args);
    for (let r = 0; r < MAX_ARRAYS; r++) {
      if (writes & (1 << r)) {
        const at = set + r * VECTOR_CHUNK;
        views[r]!.set(heap.subarray(at, at + len), off);
      }
    }
  }
}
