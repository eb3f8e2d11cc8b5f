/**
 * The control block a caller and its helper thread share (an Int32Array over a SharedArrayBuffer of
 * its own), slot by slot.
 *
 * A job is `compute` (or `computeRows`) over nPanels panels of B, cut into chunks of chunkPanels
 * panels. The caller writes the job, resets FINISHED, publishes NEXT = (seq << 8) | chunks, bumps
 * SEQ and wakes the helper. Both threads then claim chunks by decrementing NEXT (compareExchange,
 * only while its seq is the job's) and count each chunk they finish in FINISHED; the caller returns
 * once FINISHED = chunks. A helper that wakes late finds every chunk claimed by the caller, and one
 * that finds a newer seq in NEXT claims nothing of the old job: the caller never waits for a helper
 * that has not started, and a job's arguments are never read once it is over.
 */
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
  /** the job: FN_COMPUTE or FN_COMPUTE_ROWS, then the arguments below */
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
} as const;
export const CONTROL_INTS = 17;
export const FN_COMPUTE = 0;
export const FN_COMPUTE_ROWS = 1;
/** seqs live in NEXT's upper 24 bits */
export const SEQ_MASK = 0xffffff;
/** chunks live in NEXT's lower 8 bits */
export const MAX_CHUNKS = 255;

/**
 * How long the helper polls for the next job before it sleeps in Atomics.wait, in ms. A sleeping
 * thread takes tens of µs to wake; a training step posts its products a few tens of µs apart.
 */
export const HELPER_SPIN_MS = 0.05;

/**
 * Claims and runs chunks of job `seq` until none is left: the part of the protocol both threads
 * run, as JavaScript source so that the helper's copy and the caller's are the same text.
 * `fns` is [compute, computeRows]; returns false if a chunk threw.
 */
export const RUN_CHUNKS_SOURCE = `function runChunks(ctl, fns, seq) {
  let ok = true;
  for (;;) {
    const v = Atomics.load(ctl, ${SLOT.NEXT});
    if (v >>> 8 !== seq || (v & ${MAX_CHUNKS}) === 0) return ok;
    if (Atomics.compareExchange(ctl, ${SLOT.NEXT}, v, v - 1) !== v) continue;
    const cp = ctl[${SLOT.CHUNK_PANELS}];
    const j0 = ((v & ${MAX_CHUNKS}) - 1) * cp;
    const panels = Math.min(cp, ctl[${SLOT.N_PANELS}] - j0);
    const step = ctl[${SLOT.PANEL_BYTES}] * j0;
    const k = ctl[${SLOT.K}];
    try {
      fns[ctl[${SLOT.FN}]](ctl[${SLOT.PA}], ctl[${SLOT.PB}] + step * k, ctl[${SLOT.C}] + step, ctl[${SLOT.M}], panels, k,
        ctl[${SLOT.LDC}], ctl[${SLOT.FLAGS}], ctl[${SLOT.BIAS}] + step);
    } catch {
      ok = false;
    }
    Atomics.add(ctl, ${SLOT.FINISHED}, 1);
    Atomics.notify(ctl, ${SLOT.FINISHED});
  }
}`;

/**
 * The helper thread's program, as source for `new Worker(source, { eval: true })`: plain JavaScript
 * (CommonJS, as eval workers run) rather than a file, so that no worker path has to resolve from
 * the sources under tsx and vitest, from Piscina workers and from the compiled dist/ alike. It gets
 * the compiled gemm module, the caller's shared memory and the control block as workerData,
 * instantiates the module over that memory and helps with every job it is woken for, forever.
 */
export const HELPER_SOURCE = `"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { module, memory, control } = workerData;
const ctl = new Int32Array(control);
const { compute, computeRows } = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = [compute, computeRows];
${RUN_CHUNKS_SOURCE}
let seen = Atomics.load(ctl, ${SLOT.SEQ});
Atomics.store(ctl, ${SLOT.READY}, 1);
parentPort.postMessage("ready");
for (;;) {
  const deadline = performance.now() + ${HELPER_SPIN_MS};
  while (Atomics.load(ctl, ${SLOT.SEQ}) === seen) {
    if (performance.now() > deadline) Atomics.wait(ctl, ${SLOT.SEQ}, seen);
  }
  seen = Atomics.load(ctl, ${SLOT.SEQ});
  if (!runChunks(ctl, fns, seen)) Atomics.store(ctl, ${SLOT.FAILED}, 1);
}
`;
