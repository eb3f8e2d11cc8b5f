import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import {
  FN_VECTOR,
  HELPER_SPIN_MS,
  MAX_ARRAYS,
  SLOT,
  VECTOR_CHUNK,
  gemmChunk,
  runChunks,
  vectorPart,
  type ComputeFn,
  type HelperMessage,
  type HelperWorkerData,
  type VectorRunFn,
} from "./helper_protocol.js";

/**
 * The helper thread's program (started by KernelHelper, kernel_helper.ts). It instantiates the gemm
 * module over the caller's shared memory and helps with every job it is woken for, forever. Vector
 * kernels (a module and memory to instantiate, or an id to drop) and the SharedArrayBuffers of the
 * arrays they copy (each into a slot, replacing the one there) arrive on the port, read
 * synchronously whenever the caller's MESSAGES count has moved.
 */

/** The part of the WebAssembly JS API used here (the project's `lib`/`types` do not declare it). */
interface WasmApi {
  Instance: new (module: object, imports: object) => { readonly exports: object };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A vector kernel's instance on this thread, and its memory's chunk regions (both sets). */
interface VectorInstance {
  readonly run: VectorRunFn;
  readonly heap: Float32Array;
}

if (parentPort === null) throw new Error("helper_thread runs as a worker thread (see KernelHelper.start)");
const { module, memory, control, port } = workerData as HelperWorkerData;
const ctl = new Int32Array(control);
const f32 = new Float32Array(control);
const { compute, computeRows } = new WebAssembly.Instance(module, { env: { memory } }).exports as { compute: ComputeFn; computeRows: ComputeFn };
const fns = [compute, computeRows] as const;
const vectors = new Map<number, VectorInstance>();
const buffers = new Map<number, SharedArrayBuffer>();
let messages = 0;

function vectorJob(j: number): void {
  const kernel = vectors.get(ctl[SLOT.V_ID])!;
  const n = ctl[SLOT.V_N];
  const views: (Float32Array | null)[] = [];
  for (let r = 0; r < MAX_ARRAYS; r++) {
    const b = ctl[SLOT.V_BUFFERS + r];
    views.push(b < 0 ? null : new Float32Array(buffers.get(b)!, ctl[SLOT.V_OFFSETS + r], n));
  }
  vectorPart(ctl, f32, kernel.run, kernel.heap, views, j);
}

/** Whether this thread has the current vector job's kernel instance and every buffer it copies. */
function vectorReady(): boolean {
  if (!vectors.has(ctl[SLOT.V_ID])) return false;
  for (let r = 0; r < MAX_ARRAYS; r++) {
    const b = ctl[SLOT.V_BUFFERS + r];
    if (b >= 0 && !buffers.has(b)) return false;
  }
  return true;
}

function receive(message: HelperMessage): void {
  if (message.kind === "kernel") {
    const { run } = new WebAssembly.Instance(message.module, { env: { memory: message.memory } }).exports as { run: VectorRunFn };
    const { buffer } = message.memory as { buffer: SharedArrayBuffer };
    vectors.set(message.id, { run, heap: new Float32Array(buffer, 0, 2 * MAX_ARRAYS * VECTOR_CHUNK) });
  } else if (message.kind === "buffer") buffers.set(message.id, message.buffer);
  else vectors.delete(message.id);
}

const runChunk = (j: number): void => (ctl[SLOT.FN] === FN_VECTOR ? vectorJob(j) : gemmChunk(ctl, fns, j));
let seen = Atomics.load(ctl, SLOT.SEQ);
Atomics.store(ctl, SLOT.READY, 1);
parentPort.postMessage("ready");
for (;;) {
  const deadline = performance.now() + HELPER_SPIN_MS;
  while (Atomics.load(ctl, SLOT.SEQ) === seen) {
    if (performance.now() > deadline) Atomics.wait(ctl, SLOT.SEQ, seen);
  }
  seen = Atomics.load(ctl, SLOT.SEQ);
  while (messages !== Atomics.load(ctl, SLOT.MESSAGES)) {
    const received = receiveMessageOnPort(port);
    if (received === undefined) break;
    messages++;
    receive(received.message as HelperMessage);
  }
  // a vector job whose messages are not all read here is left to the caller alone
  if (ctl[SLOT.FN] === FN_VECTOR && (messages !== Atomics.load(ctl, SLOT.MESSAGES) || !vectorReady())) continue;
  if (!runChunks(ctl, runChunk, seen)) Atomics.store(ctl, SLOT.FAILED, 1);
}
