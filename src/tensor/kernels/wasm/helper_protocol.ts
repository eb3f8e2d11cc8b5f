/**
 * The control block a caller and its helper thread share (an Int32Array over a SharedArrayBuffer of
 * its own), slot by slot.
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

/**
 * Claims and runs chunks of job `seq` until none is left: the part of the protocol both threads
 * run, as JavaScript source so that the helper's copy and the caller's are the same text.
 * `runChunk(j)` runs chunk j; returns false if a chunk threw.
 */
export const RUN_CHUNKS_SOURCE = `function runChunks(ctl, runChunk, seq) {
  let ok = true;
  for (;;) {
    const v = Atomics.load(ctl, ${SLOT.NEXT});
    if (v >>> 8 !== seq || (v & ${MAX_CHUNKS}) === 0) return ok;
    if (Atomics.compareExchange(ctl, ${SLOT.NEXT}, v, v - 1) !== v) continue;
    try {
      runChunk((v & ${MAX_CHUNKS}) - 1);
    } catch {
      ok = false;
    }
    Atomics.add(ctl, ${SLOT.FINISHED}, 1);
    Atomics.notify(ctl, ${SLOT.FINISHED});
  }
}`;

/** Chunk j of a gemm job; `fns` is [compute, computeRows]. */
export const GEMM_CHUNK_SOURCE = `function gemmChunk(ctl, fns, j) {
  const cp = ctl[${SLOT.CHUNK_PANELS}];
  const j0 = j * cp;
  const panels = Math.min(cp, ctl[${SLOT.N_PANELS}] - j0);
  const step = ctl[${SLOT.PANEL_BYTES}] * j0;
  const k = ctl[${SLOT.K}];
  fns[ctl[${SLOT.FN}]](ctl[${SLOT.PA}], ctl[${SLOT.PB}] + step * k, ctl[${SLOT.C}] + step, ctl[${SLOT.M}], panels, k,
    ctl[${SLOT.LDC}], ctl[${SLOT.FLAGS}], ctl[${SLOT.BIAS}] + step);
}`;

/**
 * Part j of a vector job: elements [0, half) (j = 0) or [half, n) (j = 1), streamed in chunks
 * through the chunk regions of set j (set 1 above set 0), as VectorKernel.run streams a whole run:
 * copy the chunk of every read array in from `views` (the arrays, or null), run(start, end,
 * pointers..., scalars...), copy the written arrays out. `heap` views both sets; `f32` views the
 * control block as float32. Each thread copies its own part, so no chunk crosses between caches.
 */
export const VECTOR_PART_SOURCE = `function vectorPart(ctl, f32, run, heap, views, j) {
  const half = ctl[${SLOT.V_HALF}];
  const from = j === 0 ? 0 : half;
  const to = j === 0 ? half : ctl[${SLOT.V_N}];
  const set = j * ${MAX_ARRAYS * VECTOR_CHUNK};
  const reads = ctl[${SLOT.V_READS}];
  const writes = ctl[${SLOT.V_WRITES}];
  const pointers = ctl[${SLOT.V_POINTERS}];
  const args = [set * 4, 0];
  for (let i = 0; i < pointers; i++) args.push(0);
  const end = ${SLOT.V_ARGS} + pointers + ctl[${SLOT.V_SCALARS}];
  for (let i = ${SLOT.V_ARGS} + pointers; i < end; i++) args.push(f32[i]);
  for (let off = from; off < to; off += ${VECTOR_CHUNK}) {
    const len = Math.min(${VECTOR_CHUNK}, to - off);
    for (let r = 0; r < ${MAX_ARRAYS}; r++) {
      if (reads & (1 << r)) heap.set(views[r].subarray(off, off + len), set + r * ${VECTOR_CHUNK});
    }
    args[1] = (set + ((len + 3) & -4)) * 4;
    // the kernel adds the offset into the regions (from set·4) to every resident address
    for (let i = 0; i < pointers; i++) args[2 + i] = (ctl[${SLOT.V_ARGS} + i] + (off - set) * 4) | 0;
    run(...args);
    for (let r = 0; r < ${MAX_ARRAYS}; r++) {
      if (writes & (1 << r)) {
        const at = set + r * ${VECTOR_CHUNK};
        views[r].set(heap.subarray(at, at + len), off);
      }
    }
  }
}`;

/**
 * The helper thread's program, as source for `new Worker(source, { eval: true })`: plain JavaScript
 * (CommonJS, as eval workers run) rather than a file, so that no worker path has to resolve from
 * the sources under tsx and vitest, from Piscina workers and from the compiled dist/ alike. It gets
 * the compiled gemm module, the caller's shared memory, the control block and a message port as
 * workerData, instantiates the module over that memory and helps with every job it is woken for,
 * forever. Vector kernels (a module and memory to instantiate, or an id to drop) and the
 * SharedArrayBuffers of the arrays they copy (each into a slot, replacing the one there) arrive on
 * the port, read synchronously whenever the caller's MESSAGES count has moved.
 */
export const HELPER_SOURCE = `"use strict";
const { parentPort, workerData, receiveMessageOnPort } = require("node:worker_threads");
const { module, memory, control, port } = workerData;
const ctl = new Int32Array(control);
const f32 = new Float32Array(control);
const { compute, computeRows } = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = [compute, computeRows];
const vectors = new Map();
const buffers = new Map();
let messages = 0;
${RUN_CHUNKS_SOURCE}
${GEMM_CHUNK_SOURCE}
${VECTOR_PART_SOURCE}
function vectorJob(j) {
  const kernel = vectors.get(ctl[${SLOT.V_ID}]);
  const n = ctl[${SLOT.V_N}];
  const views = [];
  for (let r = 0; r < ${MAX_ARRAYS}; r++) {
    const b = ctl[${SLOT.V_BUFFERS} + r];
    views.push(b < 0 ? null : new Float32Array(buffers.get(b), ctl[${SLOT.V_OFFSETS} + r], n));
  }
  vectorPart(ctl, f32, kernel.run, kernel.heap, views, j);
}
function vectorReady() {
  if (!vectors.has(ctl[${SLOT.V_ID}])) return false;
  for (let r = 0; r < ${MAX_ARRAYS}; r++) {
    const b = ctl[${SLOT.V_BUFFERS} + r];
    if (b >= 0 && !buffers.has(b)) return false;
  }
  return true;
}
const runChunk = (j) => (ctl[${SLOT.FN}] === ${FN_VECTOR} ? vectorJob(j) : gemmChunk(ctl, fns, j));
let seen = Atomics.load(ctl, ${SLOT.SEQ});
Atomics.store(ctl, ${SLOT.READY}, 1);
parentPort.postMessage("ready");
for (;;) {
  const deadline = performance.now() + ${HELPER_SPIN_MS};
  while (Atomics.load(ctl, ${SLOT.SEQ}) === seen) {
    if (performance.now() > deadline) Atomics.wait(ctl, ${SLOT.SEQ}, seen);
  }
  seen = Atomics.load(ctl, ${SLOT.SEQ});
  while (messages !== Atomics.load(ctl, ${SLOT.MESSAGES})) {
    const m = receiveMessageOnPort(port);
    if (m === undefined) break;
    messages++;
    const { kind, id, module, memory, buffer } = m.message;
    if (kind === "kernel") {
      const run = new WebAssembly.Instance(module, { env: { memory } }).exports.run;
      vectors.set(id, { run, heap: new Float32Array(memory.buffer, 0, ${2 * MAX_ARRAYS * VECTOR_CHUNK}) });
    } else if (kind === "buffer") buffers.set(id, buffer);
    else vectors.delete(id);
  }
  // a vector job whose messages are not all read here is left to the caller alone
  if (ctl[${SLOT.FN}] === ${FN_VECTOR} && (messages !== Atomics.load(ctl, ${SLOT.MESSAGES}) || !vectorReady())) continue;
  if (!runChunks(ctl, runChunk, seen)) Atomics.store(ctl, ${SLOT.FAILED}, 1);
}
`;
