import { ACCUMULATE, BIAS, DEFAULT_SHAPE, gemmModuleBytes, RELU, type GemmExports, type GemmKernelShape } from "./gemm-module.js";

/** The part of the WebAssembly JS API used here (the project's `lib`/`types` do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
const MAX_BYTES = 2 ** 31 - PAGE;

function roundUp4(x: number): number {
  return Math.ceil(x / 4) * 4;
}

/** dst[d..d+len) = src[s..s+len): short runs by hand, longer ones by `set` (a memcpy, ~45 ns to start). */
function copy(dst: Float32Array, d: number, src: Float32Array, s: number, len: number): void {
  if (len <= 24) for (let i = 0; i < len; i++) dst[d + i] = src[s + i]!;
  else dst.set(src.subarray(s, s + len), d);
}

/**
 * A float32 matmul over one WebAssembly instance and its memory. Operands live outside WebAssembly
 * memory (in SharedArrayBuffer-backed typed arrays), so each call copies A and B in (a memcpy),
 * packs them into panels (in WebAssembly), computes into a padded C and copies C out (or C in and
 * out when accumulating). The memory only grows, and is reused by every later call: about
 * 4·(2·m·k + 2·k·n) bytes after the largest product so far (16 MiB for 1024×1024·1024×1024, 2.5 MiB
 * for the W2 model's first layer).
 */
export class WasmGemm {
  private readonly memory: WasmMemory;
  private readonly fn: GemmExports;
  private heap: Float32Array;
  readonly mr: number;
  readonly nr: number;

  constructor(shape: GemmKernelShape = DEFAULT_SHAPE) {
    this.mr = shape.mr;
    this.nr = 4 * shape.nv;
    this.memory = new WebAssembly.Memory({ initial: 16 });
    const module = new WebAssembly.Module(gemmModuleBytes(shape));
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.fn = instance.exports as unknown as GemmExports;
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
  }

  /** Bytes of WebAssembly memory in use (it never shrinks). */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
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
   * Same contract as `gemm` in ../gemm.ts (the epilogue as three arguments), float32 only,
   * m, n, k ≥ 1. Returns false, having done nothing, when the problem does not fit in WebAssembly
   * memory (2 GiB here, for signed i32 addresses), so that the caller can fall back to TypeScript.
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
  ): boolean {
    if (!(m >= 1 && n >= 1 && k >= 1)) throw new RangeError(`WasmGemm needs m, n, k ≥ 1, not ${m}, ${n}, ${k}`);
    const { mr, nr } = this;
    const mPanels = Math.ceil(m / mr);
    const nPanels = Math.ceil(n / nr);
    const ldc = nPanels * nr; // elements
    // Element offsets into the heap, each 16-byte aligned: the panels and the bias, then a scratch
    // area that first holds the raw copies of A and B and, once they are packed, C.
    const packA = 0;
    const packB = packA + mPanels * mr * k;
    const biasAt = packB + nPanels * nr * k;
    const scratch = biasAt + ldc;
    const rawA = scratch;
    const rawB = rawA + roundUp4(m * k);
    const cw = scratch;
    if (!this.reserve(Math.max(rawB + k * n, cw + mPanels * mr * ldc) * 4)) return false;
    const heap = this.heap;
    if (bias) {
      copy(heap, biasAt, bias, biasOffset, n);
      heap.fill(0, biasAt + n, biasAt + ldc);
    }

    copy(heap, rawA, a, aOffset, m * k);
    copy(heap, rawB, b, bOffset, k * n);
    // A(i, p) sits at i·k + p, or p·m + i when stored transposed; B(j, p) at p·n + j, or j·k + p
    this.fn.packA(rawA * 4, transA ? 4 : k * 4, transA ? m * 4 : 4, m, k, packA * 4);
    this.fn.packB(rawB * 4, transB ? k * 4 : 4, transB ? 4 : n * 4, n, k, packB * 4);
    if (accumulate) {
      if (ldc === n) copy(heap, cw, c, cOffset, m * n);
      else for (let i = 0; i < m; i++) copy(heap, cw + i * ldc, c, cOffset + i * n, n);
    }
    const flags = (accumulate ? ACCUMULATE : 0) | (bias ? BIAS : 0) | (relu ? RELU : 0);
    this.fn.compute(packA * 4, packB * 4, cw * 4, mPanels, nPanels, k, ldc * 4, flags, biasAt * 4);
    if (ldc === n) copy(c, cOffset, heap, cw, m * n);
    else for (let i = 0; i < m; i++) copy(c, cOffset + i * n, heap, cw + i * ldc, n);
    return true;
  }
}
