import { getNumThreads } from "../../threads.js";
import { KernelHelper } from "./kernel_helper.js";
import { ACCUMULATE, BIAS, DEFAULT_SHAPE, gemmModuleBytes, RELU, type GemmExports, type GemmKernelShape } from "./gemm_module.js";
import { relaxedSimdAvailable } from "./relaxed.js";

/** The part of the WebAssembly JS API used here (the project's `lib`/`types` do not declare it). */
interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
const MAX_BYTES = 2 ** 31 - PAGE;
/** The memory every instance imports: shared (a helper thread computes in it too), up to MAX_BYTES. */
const MEMORY_IMPORT = { minPages: 1, shared: { maxPages: MAX_BYTES / PAGE } };

/**
 * Products of at least this many multiply-adds (m·n·k, ~190 µs on one thread) are split between the
 * calling thread and a helper thread when getNumThreads() ≥ 2. Measured on the benchmark's 2-core
 * KVM guest: Atomics.notify alone costs ~11 µs when the helper sleeps, and waking it ~10–60 µs more,
 * so a split only pays well past twice that. W2's 64×784·784×256 layer and its weight gradient
 * (12.8M) and W4's batch of 1024 are split; W2's 64×256·256×128 products (2.1M, ~100 µs) are not.
 */
export const GEMM_SPLIT_MIN_WORK = 1 << 22;
/** How many chunks a split product is cut into, for the two threads to take in turn (see helper_protocol.ts). */
const SPLIT_CHUNKS = 8;

function roundUp4(x: number): number {
  return Math.ceil(x / 4) * 4;
}

/** dst[d..d+len) = src[s..s+len): short runs by hand, longer ones by `set` (a memcpy, ~45 ns to start). */
function copy(dst: Float32Array, d: number, src: Float32Array, s: number, len: number): void {
  if (len <= 24) for (let i = 0; i < len; i++) dst[d + i] = src[s + i]!;
  else dst.set(src.subarray(s, s + len), d);
}

/** How a packed B is kept for reuse (see `WasmGemm.gemm`'s `cacheB`). */
interface PackedB {
  /** element offset of the panels in the heap (inside the arena) */
  readonly at: number;
  readonly size: number;
  bOffset: number;
  transB: boolean;
  n: number;
  k: number;
  /** the storage version the panels were packed at */
  version: number;
  /** a few elements of B at pack time, compared on every use as a second line of defence */
  readonly samples: Float32Array;
}

const SAMPLES = 16;
/** Most bytes the packed-B arena holds; past that it starts over (every entry is dropped). */
export const PACKED_B_ARENA_BYTES = 64 * 1024 * 1024;

function sameFloat(x: number, y: number): boolean {
  return x === y ? x !== 0 || 1 / x === 1 / y : x !== x && y !== y;
}

/** Position of sample i of SAMPLES over `len` elements from `offset` (first and last included). */
function samplePosition(offset: number, len: number, i: number): number {
  return offset + Math.floor((i * (len - 1)) / (SAMPLES - 1));
}

/**
 * A float32 matmul over one WebAssembly instance and its memory. Operands live outside WebAssembly
 * memory (in SharedArrayBuffer-backed typed arrays), so each call copies A and B in (a memcpy),
 * packs them into panels (in WebAssembly), computes into a padded C and copies C out (or C in and
 * out when accumulating). The memory only grows, and is reused by every later call: about
 * 4·(2·m·k + 2·k·n) bytes after the largest product so far (16 MiB for 1024×1024·1024×1024, 2.5 MiB
 * for the W2 model's first layer), plus the packed-B arena.
 *
 * Memory layout: [packed-B arena | per-call scratch]. The arena, at the bottom, keeps the packed
 * panels of weights across calls (`cacheB`); the scratch above it is rebuilt by every call.
 *
 * The memory is shared: large products are computed by this thread and a helper thread of this
 * WasmGemm's own, each running the module over the same memory (see `compute`).
 */
export class WasmGemm {
  private readonly memory: WasmMemory;
  private readonly fn: GemmExports;
  /** [compute, computeRows], as a split job names them */
  private readonly fns: readonly [GemmExports["compute"], GemmExports["computeRows"]];
  private heap: Float32Array;
  readonly mr: number;
  readonly nr: number;
  /** packed B panels by B's storage; replaced by a fresh map when the arena starts over */
  private packed = new WeakMap<Float32Array, PackedB>();
  /** elements of the arena in use, and reserved (the scratch starts there) */
  private arenaUsed = 0;
  private arenaSize = 0;
  /** counters, for tests: products that reused a packed B, that packed one into the arena, and that were split */
  readonly stats = { hits: 0, packs: 0, splits: 0 };
  private readonly module: object;
  /** the second thread, once a product was large enough to want it; null if it cannot be started */
  private helper: KernelHelper | null | undefined;

  /** whether the kernels fuse their multiply-adds (see relaxed.ts) */
  readonly fma: boolean;

  /**
   * `shape`: the kernels' tile and blocking (DEFAULT_SHAPE, fused where relaxed SIMD compiles);
   * `arenaBytes`: most bytes of packed B kept (PACKED_B_ARENA_BYTES; tests use less);
   * `splitMinWork`: the smallest product split between threads (GEMM_SPLIT_MIN_WORK; tests use less).
   */
  constructor(
    shape: GemmKernelShape = { ...DEFAULT_SHAPE, fma: relaxedSimdAvailable() },
    private readonly arenaBytes = PACKED_B_ARENA_BYTES,
    private readonly splitMinWork = GEMM_SPLIT_MIN_WORK,
  ) {
    // a fused module needs relaxed SIMD, which the probe turns on in Node 20
    if (shape.fma && !relaxedSimdAvailable()) throw new RangeError("fused WebAssembly kernels need relaxed SIMD, unavailable here");
    this.mr = shape.mr;
    this.nr = 4 * shape.nv;
    this.fma = shape.fma;
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_BYTES / PAGE, shared: true });
    this.module = new WebAssembly.Module(gemmModuleBytes(shape, MEMORY_IMPORT));
    const instance = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
    this.fn = instance.exports as unknown as GemmExports;
    this.fns = [this.fn.compute, this.fn.computeRows];
    this.heap = new Float32Array(this.memory.buffer);
    this.warmUp();
  }

  /**
   * V8 first runs WebAssembly from its baseline compiler and recompiles hot functions with its
   * optimising one in the background; a function already running keeps its baseline code (about 4×
   * slower here). A few small products at start-up get the recompilation going before real work.
   */
  private warmUp(): void {
    const x = new Float32Array(32 * 64);
    const y = new Float32Array(32 * 32);
    for (let i = 0; i < 8; i++) this.gemm(32, 32, 64, x, 0, i % 2 === 1, x, 0, i % 4 >= 2, y, 0, i % 3 === 0);
    for (let i = 0; i < 8; i++) this.gemm(1 + (i % 3), 32, 64, x, 0, i % 2 === 1, x, 0, i % 4 >= 2, y, 0, i % 3 === 0);
  }

  /**
   * The helper thread, started at the first product (or vector kernel run, see vector.ts) that
   * wants one; null until it can take jobs (it starts in the background: meanwhile work runs on
   * the calling thread alone).
   */
  readyHelper(): KernelHelper | null {
    if (this.helper === undefined) this.helper = KernelHelper.start(this.module, this.memory);
    return this.helper?.ready ? this.helper : null;
  }

  /** Starts the helper thread now; resolves true once it takes jobs (for tests). */
  startHelper(): Promise<boolean> {
    if (this.helper === undefined) this.helper = KernelHelper.start(this.module, this.memory);
    return this.helper?.started ?? Promise.resolve(false);
  }

  /** Stops the helper thread, if any; later products run on the calling thread alone. */
  async close(): Promise<void> {
    const helper = this.helper;
    this.helper = null;
    await helper?.close();
  }

  /** Bytes of WebAssembly memory in use (it never shrinks). */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Drops every packed B (the next use of each packs it again). */
  clearPacked(): void {
    this.packed = new WeakMap();
    this.arenaUsed = 0;
  }

  /** Grows the memory to at least `bytes`; false if that is past the limit or cannot be had. */
  private reserve(bytes: number): boolean {
    const have = this.heap.byteLength;
    if (bytes <= have) return true;
    if (!(bytes <= MAX_BYTES)) return false;
    try {
      this.memory.grow(Math.ceil((bytes - have) / PAGE));
    } catch {
      return false;
    }
    this.heap = new Float32Array(this.memory.buffer);
    return true;
  }

  /**
   * The arena slot for B's panels (`size` elements), valid or to be filled: the entry already kept
   * for this storage when it fits, else a new one. Null when the arena cannot hold it.
   */
  private slot(b: Float32Array, size: number): PackedB | null {
    const old = this.packed.get(b);
    if (old !== undefined && old.size === size) return old;
    if (size * 4 > this.arenaBytes) return null;
    if ((this.arenaUsed + size) * 4 > this.arenaBytes) this.clearPacked();
    const entry: PackedB = { at: this.arenaUsed, size, bOffset: -1, transB: false, n: 0, k: 0, version: -1, samples: new Float32Array(SAMPLES) };
    this.arenaUsed += size;
    this.arenaSize = Math.max(this.arenaSize, this.arenaUsed);
    this.packed.set(b, entry);
    return entry;
  }

  /** Whether `entry` holds B's panels as they are now. */
  private valid(entry: PackedB, b: Float32Array, bOffset: number, transB: boolean, n: number, k: number, version: number): boolean {
    if (entry.version !== version || entry.bOffset !== bOffset || entry.transB !== transB || entry.n !== n || entry.k !== k) return false;
    const len = n * k;
    const samples = entry.samples;
    for (let i = 0; i < SAMPLES; i++) if (!sameFloat(samples[i]!, b[samplePosition(bOffset, len, i)]!)) return false;
    return true;
  }

  /**
   * Same contract as `gemm` in ../gemm.ts (the epilogue as three arguments), float32 only,
   * m, n, k ≥ 1. Returns false, having done nothing, when the problem does not fit in WebAssembly
   * memory (2 GiB here, for signed i32 addresses), so that the caller can fall back to TypeScript.
   *
   * With `bVersion` ≥ 0 (the version of B's storage, see ../../version.ts), B is a weight that
   * later calls will multiply by again: its packed panels stay in the arena, keyed by B's storage,
   * and are reused while the version (and a sample of B's elements) is unchanged.
   * Products of one to three rows use `computeRows` (identical results, a quarter of the work).
   */
  gemm(
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    aOffset: number,
    transA: boolean,
    b: Float32Array,
    bOffset: number,
    transB: boolean,
    c: Float32Array,
    cOffset: number,
    accumulate: boolean,
    bias: Float32Array | null = null,
    biasOffset = 0,
    relu = false,
    bVersion = -1,
  ): boolean {
    if (!(m >= 1 && n >= 1 && k >= 1)) throw new RangeError(`WasmGemm needs m, n, k ≥ 1, not ${m}, ${n}, ${k}`);
    const { mr, nr } = this;
    const mPanels = Math.ceil(m / mr);
    const nPanels = Math.ceil(n / nr);
    const ldc = nPanels * nr; // elements
    const packedSize = nPanels * nr * k;
    let entry = bVersion >= 0 ? this.slot(b, packedSize) : null;
    const reuse = entry !== null && this.valid(entry, b, bOffset, transB, n, k, bVersion);
    if (entry !== null && !reuse && !this.reserve(this.arenaSize * 4)) entry = null;
    // Element offsets into the heap, each 16-byte aligned: the panels and the bias, then a scratch
    // area that first holds the raw copies of A and B and, once they are packed, C.
    const packA = this.arenaSize;
    const packB = entry !== null ? entry.at : packA + mPanels * mr * k;
    const biasAt = (entry !== null ? packA + mPanels * mr * k : packB + packedSize);
    const scratch = biasAt + ldc;
    const rawA = scratch;
    const rawB = rawA + roundUp4(m * k);
    const cw = scratch;
    if (!this.reserve(Math.max(rawB + (reuse ? 0 : k * n), cw + mPanels * mr * ldc) * 4)) return false;
    const heap = this.heap;
    if (bias) {
      copy(heap, biasAt, bias, biasOffset, n);
      heap.fill(0, biasAt + n, biasAt + ldc);
    }

    copy(heap, rawA, a, aOffset, m * k);
    // A(i, p) sits at i·k + p, or p·m + i when stored transposed; B(j, p) at p·n + j, or j·k + p
    this.fn.packA(rawA * 4, transA ? 4 : k * 4, transA ? m * 4 : 4, m, k, packA * 4);
    if (reuse) this.stats.hits++;
    else {
      copy(heap, rawB, b, bOffset, k * n);
      this.fn.packB(rawB * 4, transB ? k * 4 : 4, transB ? 4 : n * 4, n, k, packB * 4);
      if (entry !== null) {
        this.stats.packs++;
        Object.assign(entry, { bOffset, transB, n, k, version: bVersion });
        for (let i = 0; i < SAMPLES; i++) entry.samples[i] = b[samplePosition(bOffset, n * k, i)]!;
      }
    }
    if (accumulate) {
      if (ldc === n) copy(heap, cw, c, cOffset, m * n);
      else for (let i = 0; i < m; i++) copy(heap, cw + i * ldc, c, cOffset + i * n, n);
    }
    const flags = (accumulate ? ACCUMULATE : 0) | (bias ? BIAS : 0) | (relu ? RELU : 0);
    const rows = m < mr;
    this.compute(rows, rows ? m : mPanels, nPanels, packA * 4, packB * 4, cw * 4, k, ldc * 4, flags, biasAt * 4, m * n * k);
    // C's rows are padded to ldc: moved together in WebAssembly first, so that one copy takes C
    // out (row by row, each copy a subarray and a memcpy call, costs ~60 ns a row)
    if (ldc !== n && m > 1) this.fn.compact(cw * 4, m, ldc * 4, n * 4);
    copy(c, cOffset, heap, cw, m * n);
    return true;
  }

  /**
   * `compute` (or `computeRows` for `rows`) over panels already packed (byte addresses), on this
   * thread alone or, for products of at least splitMinWork when getNumThreads() ≥ 2, shared with
   * the helper thread, cut into about SPLIT_CHUNKS chunks of B panels (an even number of panels
   * each: 64 bytes of every row of C, so that the two threads share few cache lines of C). Each
   * element of C is summed in the same order either way, so the results are identical whatever the
   * thread count.
   */
  private compute(
    rows: boolean,
    m: number,
    nPanels: number,
    pa: number,
    pb: number,
    c: number,
    k: number,
    ldc: number,
    flags: number,
    bias: number,
    work: number,
  ): void {
    const fns = this.fns;
    const helper = work >= this.splitMinWork && nPanels >= 4 && getNumThreads() >= 2 ? this.readyHelper() : null;
    if (helper === null) {
      fns[rows ? 1 : 0](pa, pb, c, m, nPanels, k, ldc, flags, bias);
      return;
    }
    const chunkPanels = 2 * Math.ceil(nPanels / (2 * SPLIT_CHUNKS));
    helper.run(fns, { rows, pa, pb, c, m, nPanels, k, ldc, flags, bias, panelBytes: this.nr * 4, chunkPanels });
    this.stats.splits++;
  }
}
