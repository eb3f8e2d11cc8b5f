import { getNumThreads } from "../../threads.js";
import { wasmKernel } from "../gemm.js";
import { Code, encodeModule, F32, I32, V128, type Local } from "./encoder.js";
import { MAX_ARRAYS as ARRAYS, VECTOR_CHUNK } from "./helper_protocol.js";

/**
 * Elementwise float32 kernels in WebAssembly SIMD (f32x4) that compute exactly what the equivalent
 * JavaScript loops compute, bit for bit — the optimizers' fused updates (src/optim) are written
 * against `VectorBuilder`, and their JavaScript loops stay as the reference and the fallback.
 *
 * Why the results are identical: JavaScript computes in double and rounds to float32 where the loop
 * says `Math.fround` (or stores into a Float32Array). For one operation on float32 operands
 * (+, −, ×, ÷, √) rounding the double result to float32 gives the correctly rounded float32 result
 * (double has more than 2·24 + 2 bits, so the double rounding is innocuous), which is what the f32x4
 * instruction computes. The one pattern that is not a single operation, `fround(a + b·c)` (how the
 * optimizers reproduce PyTorch's fused multiply-adds), is computed as JavaScript does: in f64x2,
 * with b·c exact (a product of two float32 values fits a double), the sum rounded to double, then
 * to float32.
 *
 * Operands live outside WebAssembly memory, so `VectorKernel.run` streams them through in chunks
 * of CHUNK elements: copy the chunk of every input array in, run, copy the chunk of every output
 * array out. A chunk of every array stays in L2, so the copies cost little next to the arithmetic.
 * Arrays that their owner keeps in a kernel's memory (`VectorMemory.allocate`: an optimizer's
 * state) are worked on in place, without copies.
 *
 * Users: the optimizers' updates (src/optim), relu and its gradient (../elementwise.ts), and
 * `sumMiddle`, the float32 sums over a non-last dimension of `sumDim` (a bias's gradient).
 *
 * Measured on the benchmark's 2-core AMD EPYC, Adam over W2's 235,146 parameters: 2.0 ms a step in
 * JavaScript (about 8.5 ns an element: its fused multiply-adds are emulated in double either way),
 * 0.55 ms in WebAssembly with every array copied through the chunks (0.30 ms of arithmetic, 0.25 ms
 * of copies — a SharedArrayBuffer copies at about half the speed of an ArrayBuffer), 0.44 ms with
 * the state resident.
 */

/** Elements per array per chunk. */
export const CHUNK = VECTOR_CHUNK;
const CHUNK_BYTES = CHUNK * 4;
/** Copies of the body per loop iteration: each step covers 4·UNROLL elements. */
const UNROLL = 1; // 2 and 4 measured no faster: the loop is bound by its ~45 vector instructions
const STEP = 4 * UNROLL;
/** At most this many arrays per kernel (regions of CHUNK floats each). */
export const MAX_ARRAYS = ARRAYS;
/**
 * Runs over at least this many elements are shared with the matmul's helper thread when
 * getNumThreads() ≥ 2: cut in two parts, one per thread (each element is computed the same way on
 * either, so results do not depend on the split). Measured on the benchmark's 2-core guest, Adam
 * with the helper awake: 32,768 elements 60 µs on one thread, 35–53 µs on two; W2's 200,704-element
 * weight 420–620 µs, 310 µs.
 */
export const VECTOR_SPLIT_MIN_ELEMENTS = 32768;
/** Counters, for tests: runs shared with the helper thread. */
export const vectorStats = { splits: 0 };

/** A value of the kernel: four float32 lanes, or a scalar argument broadcast to them. */
export class Vec {
  /** f64x2 forms of the low and high lanes, emitted on first use */
  lo: Local | null = null;
  hi: Local | null = null;
  constructor(
    readonly local: Local,
    readonly scalar: boolean,
  ) {}
}

/** Emits the body of a kernel: one step over four elements, as straight-line code. */
export class VectorBuilder {
  constructor(
    private readonly c: Code,
    private readonly offset: Local,
    private readonly scalars: readonly Vec[],
    /** bytes past `offset` of this copy of the body (the loop is unrolled) */
    private readonly at: number,
    /** per array: the parameter holding its address when it is resident, else null (its region) */
    private readonly pointers: readonly (Local | null)[],
  ) {}

  /** Pushes the address of array `region` at the current position; returns the memarg offset. */
  private address(region: number): number {
    const ptr = this.pointers[region] ?? null;
    if (ptr === null) {
      this.c.get(this.offset);
      return region * CHUNK_BYTES + this.at;
    }
    this.c.get(ptr).get(this.offset).i32Add();
    return this.at;
  }

  private fresh(type: typeof V128 = V128): Local {
    return this.c.local(type);
  }

  private vec(emit: () => void): Vec {
    emit();
    const l = this.fresh();
    this.c.set(l);
    return new Vec(l, false);
  }

  /** The four elements of array `region` at the current position. */
  load(region: number): Vec {
    return this.vec(() => {
      const at = this.address(region);
      this.c.v128Load(at);
    });
  }

  store(region: number, x: Vec): void {
    const at = this.address(region);
    this.c.get(x.local).v128Store(at);
  }

  /** Scalar argument `i`, broadcast. */
  scalar(i: number): Vec {
    const s = this.scalars[i];
    if (s === undefined) throw new RangeError(`no scalar ${i}`);
    return s;
  }

  /** fround(x·y) */
  mul(x: Vec, y: Vec): Vec {
    return this.vec(() => this.c.get(x.local).get(y.local).f32x4Mul());
  }
  /** fround(x + y) */
  add(x: Vec, y: Vec): Vec {
    return this.vec(() => this.c.get(x.local).get(y.local).f32x4Add());
  }
  /** fround(x − y) */
  sub(x: Vec, y: Vec): Vec {
    return this.vec(() => this.c.get(x.local).get(y.local).f32x4Sub());
  }
  /** fround(x / y) */
  div(x: Vec, y: Vec): Vec {
    return this.vec(() => this.c.get(x.local).get(y.local).f32x4Div());
  }
  /** fround(√x) */
  sqrt(x: Vec): Vec {
    return this.vec(() => this.c.get(x.local).f32x4Sqrt());
  }
  /** −x (exact) */
  neg(x: Vec): Vec {
    return this.vec(() => this.c.get(x.local).f32x4Neg());
  }
  /** All zeros. */
  zero(): Vec {
    return this.vec(() => this.c.v128Const0());
  }
  /** Lane masks: all ones where x > y (false for NaN), x ≠ y (true for NaN); their union. */
  gt(x: Vec, y: Vec): Vec {
    return this.vec(() => this.c.get(x.local).get(y.local).f32x4Gt());
  }
  ne(x: Vec, y: Vec): Vec {
    return this.vec(() => this.c.get(x.local).get(y.local).f32x4Ne());
  }
  or(x: Vec, y: Vec): Vec {
    return this.vec(() => this.c.get(x.local).get(y.local).v128Or());
  }
  /** `mask ? x : y` lane by lane, bit for bit (NaN payloads and signed zeros kept). */
  select(mask: Vec, x: Vec, y: Vec): Vec {
    return this.vec(() => this.c.get(x.local).get(y.local).get(mask.local).v128Bitselect());
  }
  /** `x > y || x !== x ? x : y`, lane by lane (a NaN-propagating maximum, as torch.maximum). */
  maxNaN(x: Vec, y: Vec): Vec {
    const c = this.c;
    return this.vec(() => {
      c.get(x.local).get(y.local);
      c.get(x.local).get(y.local).f32x4Gt();
      c.get(x.local).get(x.local).f32x4Ne();
      c.v128Or().v128Bitselect();
    });
  }

  /** The f64x2 of lanes 0–1 (`high` false) or 2–3 of x. */
  private half(x: Vec, high: boolean): Local {
    const c = this.c;
    if (x.scalar) return high ? x.hi! : x.lo!; // both lanes the same, made in the prologue
    const cached = high ? x.hi : x.lo;
    if (cached !== null) return cached;
    const l = this.fresh();
    c.get(x.local);
    if (high) c.get(x.local).i32x4Shuffle([2, 3, 2, 3]);
    c.f64x2PromoteLowF32x4().set(l);
    if (high) x.hi = l;
    else x.lo = l;
    return l;
  }

  /** fround(a + b·c) as JavaScript computes it: b·c exact in double, the sum rounded to double. */
  fma(a: Vec, b: Vec, c: Vec): Vec {
    const code = this.c;
    const halves = [false, true].map((high) => {
      const l = this.fresh();
      code.get(this.half(a, high)).get(this.half(b, high)).get(this.half(c, high)).f64x2Mul().f64x2Add();
      code.f32x4DemoteF64x2Zero().set(l);
      return l;
    });
    return this.vec(() => code.get(halves[0]!).get(halves[1]!).i32x4Shuffle([0, 1, 4, 5]));
  }
}

/** One array of a kernel. */
export interface VectorArraySpec {
  /** Whether the kernel reads it (its chunk is copied in) and writes it (copied out). */
  readonly read: boolean;
  readonly write: boolean;
  /**
   * The array lives in the kernel's memory (`VectorMemory.allocate`): the kernel works on it where
   * it is, nothing is copied.
   */
  readonly resident?: boolean;
}

/** What a kernel reads and writes, and how it computes one step. */
export interface VectorKernelSpec {
  readonly arrays: readonly VectorArraySpec[];
  /** The number of float32 scalar arguments. */
  readonly scalars: number;
  readonly body: (v: VectorBuilder) => void;
}

/**
 * run(start, end, p0, p1, ..., s0, s1, ...): the body over bytes [start, end) — (end − start)/16
 * steps of four elements — of every copied array's region and from byte address p_i of every
 * resident array (in the order of the arrays); start < end, both multiples of 16.
 */
function kernelFunction(spec: VectorKernelSpec): Code {
  const residents = spec.arrays.filter((a) => a.resident).length;
  const c = new Code([I32, I32, ...new Array<typeof I32>(residents).fill(I32), ...new Array<typeof F32>(spec.scalars).fill(F32)]);
  const [start, bytes] = [c.param(0), c.param(1)];
  let next = 2;
  const pointers = spec.arrays.map((a) => (a.resident ? c.param(next++) : null));
  const offset = c.local(I32);
  c.get(start).set(offset);
  const scalars: Vec[] = [];
  for (let i = 0; i < spec.scalars; i++) {
    const f32 = c.local(V128);
    const f64 = c.local(V128);
    c.get(c.param(next + i)).f32x4Splat().set(f32);
    c.get(c.param(next + i)).f64PromoteF32().f64x2Splat().set(f64);
    const v = new Vec(f32, true);
    v.lo = f64;
    v.hi = f64;
    scalars.push(v);
  }
  c.loop(() => {
    for (let u = 0; u < UNROLL; u++) spec.body(new VectorBuilder(c, offset, scalars, 16 * u, pointers));
    c.get(offset).i32Const(16 * UNROLL).i32Add().tee(offset).get(bytes).i32LtS().brIf(0);
  });
  return c;
}

/** The part of the WebAssembly JS API used here. */
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}
const WebAssembly = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65536;
/** The chunk regions, at the bottom of every VectorMemory: a set for each of the two threads. */
const SCRATCH_BYTES = 2 * MAX_ARRAYS * CHUNK_BYTES;
/** A resident memory never grows past this (then `allocate` says null and the caller copies). */
const RESIDENT_MAX_BYTES = 1 << 30;
/** What every kernel module imports: a shared memory of up to RESIDENT_MAX_BYTES. */
const MEMORY_IMPORT = { minPages: 1, shared: { maxPages: RESIDENT_MAX_BYTES / PAGE } };

/**
 * A WebAssembly memory for vector kernels: the chunk regions the kernels stream copied arrays
 * through, and above them, in a shared memory, resident buffers — float32 arrays that kernels work
 * on in place, such as an optimizer's state (`allocate`). A resident buffer is a view of the
 * memory's SharedArrayBuffer, so it makes an ordinary tensor (posted to a worker, the worker sees
 * the same memory); growing a shared memory never moves or detaches it. Buffers are never freed
 * one by one: the whole memory goes when the last view of it and its owner are collected.
 */
export class VectorMemory {
  /** both sets of chunk regions */
  readonly heap: Float32Array;
  /** heap views of set 0's whole regions, for copying full chunks out without a new subarray each time */
  readonly regions: readonly Float32Array[];
  private used = SCRATCH_BYTES;
  /** every SharedArrayBuffer object this memory has handed views of (growing gives a new one) */
  private readonly buffers = new WeakSet<object>();

  private constructor(readonly memory: WasmMemory, readonly residents: boolean) {
    this.heap = new Float32Array(memory.buffer, 0, SCRATCH_BYTES / 4);
    this.regions = Array.from({ length: MAX_ARRAYS }, (_, r) => this.heap.subarray(r * CHUNK, (r + 1) * CHUNK));
  }

  /**
   * A memory, with room for resident buffers (`residents`) or only the chunk regions; null
   * without WebAssembly SIMD. Every one is shared (the kernels import a shared memory), so
   * resident buffers are SharedArrayBuffer views as every tensor's storage is.
   */
  static create(residents: boolean): VectorMemory | null {
    try {
      if (!WebAssembly) return null;
      const initial = Math.ceil(SCRATCH_BYTES / PAGE);
      const maximum = residents ? RESIDENT_MAX_BYTES / PAGE : initial;
      return new VectorMemory(new WebAssembly.Memory({ initial, maximum, shared: true }), residents);
    } catch {
      return null;
    }
  }

  /**
   * A zeroed resident buffer of n floats (16-byte aligned), or null when this memory has no room
   * for residents or cannot grow that far.
   */
  allocate(n: number): Float32Array | null {
    if (!this.residents) return null;
    const bytes = (n * 4 + 15) & ~15;
    const end = this.used + bytes;
    if (end > RESIDENT_MAX_BYTES) return null;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        return null;
      }
    }
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    const view = new Float32Array(buffer, this.used, n);
    this.used = end;
    return view;
  }

  /** The byte address of `a` in this memory if it is one of its resident buffers, else -1. */
  addressOf(a: Float32Array): number {
    return this.buffers.has(a.buffer) ? a.byteOffset : -1;
  }
}

let defaultMemory: VectorMemory | null | undefined;

/** The process-wide memory of kernels without resident arrays (only the chunk regions). */
function sharedMemory(): VectorMemory | null {
  if (defaultMemory === undefined) defaultMemory = VectorMemory.create(false);
  return defaultMemory;
}

type RunFn = (...args: number[]) => void;

/** A compiled kernel; it runs over the process-wide memory or over any VectorMemory. */
export class VectorKernel {
  private readonly module: object;
  private readonly instances = new WeakMap<VectorMemory, RunFn>();
  private readonly reads: number[] = [];
  private readonly writes: number[] = [];
  private readonly residents: number[] = [];
  /** the same read and written arrays as bit masks, as a split run tells the helper thread */
  private readMask = 0;
  private writeMask = 0;

  private constructor(spec: VectorKernelSpec) {
    this.module = new WebAssembly!.Module(encodeModule([{ name: "run", code: kernelFunction(spec) }], MEMORY_IMPORT));
    spec.arrays.forEach((a, i) => {
      if (a.resident) this.residents.push(i);
      else {
        if (a.read) {
          this.reads.push(i);
          this.readMask |= 1 << i;
        }
        if (a.write) {
          this.writes.push(i);
          this.writeMask |= 1 << i;
        }
      }
    });
  }

  /** The kernel, or null where WebAssembly SIMD is unavailable (compiling it failed). */
  static compile(spec: VectorKernelSpec): VectorKernel | null {
    if (spec.arrays.length > MAX_ARRAYS) throw new RangeError(`at most ${MAX_ARRAYS} arrays`);
    const mem = sharedMemory();
    if (mem === null) return null;
    try {
      const k = new VectorKernel(spec);
      k.instance(mem);
      return k;
    } catch {
      return null;
    }
  }

  private instance(mem: VectorMemory): RunFn {
    let fn = this.instances.get(mem);
    if (fn === undefined) {
      const instance = new WebAssembly!.Instance(this.module, { env: { memory: mem.memory } });
      fn = (instance.exports as { run: RunFn }).run;
      this.instances.set(mem, fn);
    }
    return fn;
  }

  /**
   * Runs over the first n elements of `arrays` (in the spec's order; arrays neither read nor
   * written may be null; resident arrays must be buffers of `memory`). Scalars are float32.
   */
  run(n: number, arrays: readonly (Float32Array | null)[], scalars: readonly number[] = [], memory: VectorMemory | null = null): void {
    const mem = memory ?? sharedMemory()!;
    const { reads, writes, residents } = this;
    const fn = this.instance(mem);
    const base = residents.map((r) => {
      const at = mem.addressOf(arrays[r]!);
      if (at < 0) throw new Error(`array ${r} is not a resident buffer of the kernel's memory`);
      return at;
    });
    if (n >= VECTOR_SPLIT_MIN_ELEMENTS && getNumThreads() >= 2 && this.split(n, arrays, scalars, mem, fn, base)) return;
    const { heap, regions } = mem;
    const args = new Array<number>(2 + residents.length + scalars.length);
    for (let i = 0; i < scalars.length; i++) args[2 + residents.length + i] = scalars[i]!;
    args[0] = 0;
    for (let off = 0; off < n; off += CHUNK) {
      const len = Math.min(CHUNK, n - off);
      const whole = off === 0 && len === n;
      for (let i = 0; i < reads.length; i++) {
        const r = reads[i]!;
        const a = arrays[r]!;
        heap.set(whole && a.length === n ? a : a.subarray(off, off + len), r * CHUNK);
      }
      args[1] = ((len + STEP - 1) & -STEP) * 4;
      for (let i = 0; i < residents.length; i++) args[2 + i] = base[i]! + off * 4;
      fn(...args);
      for (let i = 0; i < writes.length; i++) {
        const r = writes[i]!;
        arrays[r]!.set(len === CHUNK ? regions[r]! : heap.subarray(r * CHUNK, r * CHUNK + len), off);
      }
    }
  }

  /**
   * The run shared with the matmul's helper thread, if it is ready and every copied array is a
   * SharedArrayBuffer view (the helper reads and writes them itself); false, having done nothing,
   * otherwise. Each thread copies its own half in and out through its own set of chunk regions:
   * copying both halves on one thread measured no faster than one thread alone (the helper's half
   * then crosses between the cores' caches twice).
   */
  private split(
    n: number,
    arrays: readonly (Float32Array | null)[],
    scalars: readonly number[],
    mem: VectorMemory,
    run: RunFn,
    pointers: readonly number[],
  ): boolean {
    const helper = wasmKernel()?.readyHelper() ?? null;
    if (helper === null) return false;
    for (let r = 0; r < arrays.length; r++) {
      if ((this.readMask | this.writeMask) & (1 << r) && !(arrays[r]!.buffer instanceof SharedArrayBuffer)) return false;
    }
    const id = helper.vectorId(this.module, mem.memory, mem);
    // part 1 starts on a 64-byte line of every array, so the threads share no cache line
    const half = (n >> 5) << 4;
    helper.runVector({ run, id, heap: mem.heap, n, half, arrays, reads: this.readMask, writes: this.writeMask, pointers, scalars });
    vectorStats.splits++;
    return true;
  }
}

/**
 * sumRows(rows, inner, stride): acc[j] += x[r·stride + j] for r < rows, j < inner (inner a
 * multiple of 4), x float32 at 0 (regions 0–3), acc float64 at region 4 — in double, each
 * acc[j] in the order of r, as the JavaScript loop of `sumDim` adds.
 */
function sumRowsFunction(): Code {
  const c = new Code([I32, I32, I32]);
  const [rows, inner, stride] = [0, 1, 2].map((i) => c.param(i));
  const [row, j, x, acc] = [c.local(I32), c.local(I32), c.local(I32), c.local(I32)];
  const v = c.local(V128);
  c.block(() =>
    c.loop(() => {
      c.get(row).get(rows).i32GeS().brIf(1);
      // x = row·stride·4; acc = ACC
      c.get(row).get(stride).i32Mul().i32Const(4).i32Mul().set(x);
      c.i32Const(ACC_BYTE).set(acc);
      c.i32Const(0).set(j);
      c.block(() =>
        c.loop(() => {
          c.get(j).get(inner).i32GeS().brIf(1);
          c.get(x).v128Load().set(v);
          c.get(acc).get(acc).v128Load().get(v).f64x2PromoteLowF32x4().f64x2Add().v128Store();
          c.get(acc).get(acc).v128Load(16).get(v).get(v).i32x4Shuffle([2, 3, 2, 3]).f64x2PromoteLowF32x4().f64x2Add().v128Store(16);
          c.get(x).i32Const(16).i32Add().set(x);
          c.get(acc).i32Const(32).i32Add().set(acc);
          c.get(j).i32Const(4).i32Add().set(j);
          c.br(0);
        }),
      );
      c.get(row).i32Const(1).i32Add().set(row);
      c.br(0);
    }),
  );
  return c;
}

/** Where sumRows keeps its float64 accumulators (regions 4–5), and how many fit. */
const ACC_BYTE = 4 * CHUNK_BYTES;
const ACC_MAX = (2 * CHUNK_BYTES) / 8;
/** Rows of x copied in at once: regions 0–3. */
const X_FLOATS = 4 * CHUNK;

let sumRowsFn: ((rows: number, inner: number, stride: number) => void) | null | undefined;

/**
 * out[p·inner + j] = fround(Σ_k x[(p·size + k)·inner + j]), the sum over the middle axis of x
 * seen as [outer, size, inner], accumulated in double in the order of k — exactly what the
 * JavaScript loop of `sumDim` computes. False, having done nothing, when WebAssembly SIMD is
 * unavailable or inner is too large for the accumulators.
 */
export function sumMiddle(x: Float32Array, outer: number, size: number, inner: number, out: Float32Array): boolean {
  const mem = inner > ACC_MAX ? null : sharedMemory();
  if (mem === null) return false;
  if (sumRowsFn === undefined) {
    try {
      const module = new WebAssembly!.Module(encodeModule([{ name: "sumRows", code: sumRowsFunction() }], MEMORY_IMPORT));
      sumRowsFn = (new WebAssembly!.Instance(module, { env: { memory: mem.memory } }).exports as { sumRows: (r: number, i: number, s: number) => void }).sumRows;
    } catch {
      sumRowsFn = null;
    }
  }
  const fn = sumRowsFn;
  if (fn === null) return false;
  const padded = (inner + 3) & ~3;
  const heap = mem.heap;
  const accView = new Float64Array(heap.buffer, ACC_BYTE, padded);
  // whole rows per copy; a row's last vector may read up to 3 floats past it (into the next row,
  // or stale scratch), which only reach the padding accumulators
  const rowsPerBlock = Math.max(1, Math.floor((X_FLOATS - 4) / inner));
  if (rowsPerBlock * inner + 4 > X_FLOATS) return false;
  for (let p = 0; p < outer; p++) {
    accView.fill(0);
    const base = p * size * inner;
    for (let k = 0; k < size; k += rowsPerBlock) {
      const rows = Math.min(rowsPerBlock, size - k);
      const from = base + k * inner;
      heap.set(x.subarray(from, from + rows * inner), 0);
      fn(rows, padded, inner);
    }
    for (let j = 0; j < inner; j++) out[p * inner + j] = accView[j]!;
  }
  return true;
}
