import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import {
  CONTROL_INTS,
  FN_COMPUTE,
  FN_COMPUTE_ROWS,
  FN_VECTOR,
  MAX_ARRAYS,
  MAX_CHUNKS,
  MAX_VECTOR_ARGS,
  SEQ_MASK,
  SLOT,
  gemmChunk,
  runChunks,
  vectorPart,
  type ComputeFn,
  type HelperMessage,
  type HelperWorkerData,
  type VectorRunFn,
} from "./helper_protocol.js";

/** How many SharedArrayBuffers of vector kernels' arrays the helper holds (see `bufferSlot`). */
const BUFFER_SLOTS = 8;
/** How long the caller polls for the helper's last chunk before it sleeps in Atomics.wait, in ms. */
const JOIN_SPIN_MS = 0.05;

/**
 * A thread running helper_thread: the compiled .js beside this file from the build; from sources
 * (tests, tsx) the .ts one, required through tsx's require hook (Node 20 applies no ESM loader hook
 * to a worker thread's entry), as the job queue's consumer thread is (src/services/bullmq_queue.ts).
 * The hook is resolved from here, not from the working directory, so that a script run by tsx from
 * elsewhere still gets its helper; loading it makes the helper ready a few hundred ms later than
 * from the build (the caller computes alone meanwhile). No other flags of the caller's are passed.
 */
function startHelperThread(workerData: HelperWorkerData, transferList: MessagePort[]): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  const file = fileURLToPath(new URL(`./helper_thread.${fromSource ? "ts" : "js"}`, import.meta.url));
  if (!fromSource) return new Worker(file, { workerData, transferList, execArgv: [] });
  const tsxHook = createRequire(import.meta.url).resolve("tsx/cjs");
  return new Worker(`require(${JSON.stringify(file)})`, { eval: true, workerData, transferList, execArgv: ["--require", tsxHook] });
}

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

/** A vector kernel's run over n elements, cut in two parts, one for each thread (see vectorPart in helper_protocol.ts). */
export interface VectorSplitJob {
  /** the caller's instance of the kernel, its registered id and its memory's chunk regions (both sets) */
  readonly run: VectorRunFn;
  readonly id: number;
  readonly heap: Float32Array;
  readonly n: number;
  /** where part 1 starts (a multiple of 16) */
  readonly half: number;
  /** the kernel's arrays: those copied in or out are views of SharedArrayBuffers */
  readonly arrays: readonly (Float32Array | null)[];
  /** bit masks of the arrays copied in and out */
  readonly reads: number;
  readonly writes: number;
  /** the resident arrays' byte addresses */
  readonly pointers: readonly number[];
  readonly scalars: readonly number[];
}

/**
 * A second thread that shares a WasmGemm's `compute` calls over the same shared WebAssembly memory,
 * and the large runs of vector kernels (vector.ts) over theirs (the protocol is described in
 * helper_protocol.ts). It starts in the background; until it is
 * `ready` the caller computes alone. It never keeps the process alive (unref'd) and idles in
 * Atomics.wait.
 */
export class KernelHelper {
  private readonly control: Int32Array;
  private readonly f32: Float32Array;
  private seq = 0;
  /** registration messages posted to the helper, and ids given to vector kernel instances */
  private messages = 0;
  private nextId = 0;
  private readonly vectorIds = new WeakMap<object, WeakMap<object, number>>();
  /**
   * The SharedArrayBuffers the helper holds, slot by slot (the most recently used BUFFER_SLOTS: a
   * parameter's stays, a gradient's is new at every step), and when each was last used. Only
   * these are held, so that the helper keeps no buffer alive for long.
   */
  private readonly buffers = new Array<SharedArrayBuffer | null>(BUFFER_SLOTS).fill(null);
  private readonly lastUse = new Array<number>(BUFFER_SLOTS).fill(0);
  private uses = 0;
  /** drops the helper's kernel instance once the memory it runs over is collected */
  private readonly dropped = new FinalizationRegistry<number>((id) => this.post({ kind: "drop-kernel", id }));
  /** Resolves true once the helper can take jobs, false if it failed to start. */
  readonly started: Promise<boolean>;

  private constructor(
    private readonly worker: Worker,
    control: SharedArrayBuffer,
    private readonly port: MessagePort,
  ) {
    this.control = new Int32Array(control);
    this.f32 = new Float32Array(control);
    worker.unref();
    this.started = new Promise((resolve) => {
      worker.once("message", () => resolve(true));
      worker.once("error", () => resolve(false));
      worker.once("exit", () => resolve(false));
    });
  }

  /** A helper over `module` instantiated on `memory` (shared), or null if no thread can be started here. */
  static start(module: object, memory: object): KernelHelper | null {
    const control = new SharedArrayBuffer(CONTROL_INTS * 4);
    const { port1, port2 } = new MessageChannel();
    try {
      const worker = startHelperThread({ module, memory, control, port: port2 }, [port2]);
      port1.unref();
      return new KernelHelper(worker, control, port1);
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
    if (!this.share(chunks, (j) => gemmChunk(ctl, fns, j))) throw new Error("a split gemm job failed");
  }

  /**
   * The id under which the helper knows `module` instantiated over `memory` (a vector kernel's
   * module and a VectorMemory's shared memory), registering it on first use. `owner` is the object
   * whose collection ends the memory's use (the VectorMemory): the helper then drops its instance.
   */
  vectorId(module: object, memory: object, owner: object): number {
    let byMemory = this.vectorIds.get(module);
    if (byMemory === undefined) this.vectorIds.set(module, (byMemory = new WeakMap()));
    let id = byMemory.get(owner);
    if (id === undefined) {
      id = this.nextId++;
      byMemory.set(owner, id);
      this.post({ kind: "kernel", id, module, memory });
      this.dropped.register(owner, id);
    }
    return id;
  }

  /** The helper's slot holding `buffer` (an array a vector kernel copies), posting it there if it is not held. */
  private bufferSlot(buffer: SharedArrayBuffer): number {
    let slot = this.buffers.indexOf(buffer);
    if (slot < 0) {
      slot = this.lastUse.indexOf(Math.min(...this.lastUse));
      this.buffers[slot] = buffer;
      this.post({ kind: "buffer", id: slot, buffer });
    }
    this.lastUse[slot] = ++this.uses;
    return slot;
  }

  /** Posts a message; the helper reads it (synchronously) before its next job. */
  private post(message: HelperMessage): void {
    this.port.postMessage(message);
    Atomics.store(this.control, SLOT.MESSAGES, ++this.messages);
  }

  /**
   * Runs both parts of `job` with the helper (call only when `ready`); returns once both are done.
   * Every array copied in or out must be a view of a SharedArrayBuffer.
   */
  runVector(job: VectorSplitJob): void {
    const ctl = this.control;
    const f32 = this.f32;
    const count = job.pointers.length + job.scalars.length;
    if (count > MAX_VECTOR_ARGS) throw new RangeError(`a vector job has at most ${MAX_VECTOR_ARGS} pointers and scalars, not ${count}`);
    for (let r = 0; r < MAX_ARRAYS; r++) {
      const a = job.arrays[r] ?? null;
      const copied = a !== null && ((job.reads | job.writes) & (1 << r)) !== 0;
      ctl[SLOT.V_BUFFERS + r] = copied ? this.bufferSlot(a.buffer as SharedArrayBuffer) : -1;
      ctl[SLOT.V_OFFSETS + r] = copied ? a.byteOffset : 0;
    }
    ctl[SLOT.FN] = FN_VECTOR;
    ctl[SLOT.V_ID] = job.id;
    ctl[SLOT.V_N] = job.n;
    ctl[SLOT.V_HALF] = job.half;
    ctl[SLOT.V_READS] = job.reads;
    ctl[SLOT.V_WRITES] = job.writes;
    ctl[SLOT.V_POINTERS] = job.pointers.length;
    ctl[SLOT.V_SCALARS] = job.scalars.length;
    for (let i = 0; i < job.pointers.length; i++) ctl[SLOT.V_ARGS + i] = job.pointers[i]!;
    for (let i = 0; i < job.scalars.length; i++) f32[SLOT.V_ARGS + job.pointers.length + i] = job.scalars[i]!;
    const ok = this.share(2, (j) => vectorPart(ctl, f32, job.run, job.heap, job.arrays, j));
    if (!ok) throw new Error("a split vector job failed");
  }

  /**
   * Publishes the job written in the control block as `chunks` chunks, takes chunks with the helper
   * (`runChunk` running one on this thread) and returns once all are finished: false if one threw.
   */
  private share(chunks: number, runChunk: (j: number) => void): boolean {
    const ctl = this.control;
    const seq = (this.seq = (this.seq + 1) & SEQ_MASK);
    // no chunk of an earlier job runs now (the caller waited for them all): safe to reset
    Atomics.store(ctl, SLOT.FINISHED, 0);
    Atomics.store(ctl, SLOT.FAILED, 0);
    Atomics.store(ctl, SLOT.NEXT, (seq << 8) | chunks);
    Atomics.store(ctl, SLOT.SEQ, seq);
    Atomics.notify(ctl, SLOT.SEQ);
    const ok = runChunks(ctl, runChunk, seq);
    const deadline = performance.now() + JOIN_SPIN_MS;
    for (;;) {
      // sleep only on the value just seen: if it changed since, wait returns at once
      const finished = Atomics.load(ctl, SLOT.FINISHED);
      if (finished === chunks) break;
      if (performance.now() > deadline) Atomics.wait(ctl, SLOT.FINISHED, finished);
    }
    return ok && Atomics.load(ctl, SLOT.FAILED) === 0;
  }

  /** Stops the thread (for a WasmGemm that is dropped while the process goes on). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
