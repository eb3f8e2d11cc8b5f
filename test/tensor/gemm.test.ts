import { afterEach, describe, expect, it, vi } from "vitest";
import { gemm, gemmBackend, gemmTs, nativeKernel, setGemmBackend, WASM_GEMM_MIN_WORK } from "../../src/tensor/kernels/gemm.js";
import { loadNativeKernels } from "../../src/tensor/kernels/native/native_kernels.js";
import { WasmGemm } from "../../src/tensor/kernels/wasm/gemm_wasm.js";
import { DEFAULT_SHAPE, gemmModuleBytes } from "../../src/tensor/kernels/wasm/gemm_module.js";
import { relaxedSimdAvailable } from "../../src/tensor/kernels/wasm/relaxed.js";
import { FLOAT32_GEMM_BACKENDS } from "../helpers/gemm_backends.js";

type Gemm = typeof gemmTs;

/** A small deterministic generator (values in [-1, 1), a few exact zeros). */
function filler(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = (s >>> 8) / 2 ** 23 - 1;
    return Math.abs(v) < 0.02 ? 0 : v;
  };
}

function shared32(length: number, next: () => number): Float32Array {
  const x = new Float32Array(new SharedArrayBuffer(length * 4));
  for (let i = 0; i < length; i++) x[i] = next();
  return x;
}

interface Case {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
  aOffset: number;
  bOffset: number;
  cOffset: number;
  bias: boolean;
  relu: boolean;
}

/**
 * Runs `kernel` on a case with operands inside larger SharedArrayBuffer-backed arrays and checks it
 * against a float64 reference computed from the same float32 inputs: every element within 1e-5 of
 * the sum of the magnitudes of its terms (and of C's initial value and the bias), and nothing
 * outside C touched.
 */
function check(kernel: Gemm, t: Case, seed = 1): number {
  const { m, n, k, transA, transB, accumulate, aOffset, bOffset, cOffset } = t;
  const next = filler(seed + m * 7919 + n * 104729 + k * 31);
  const a = shared32(aOffset + m * k + 5, next);
  const b = shared32(bOffset + k * n + 3, next);
  const c = shared32(cOffset + m * n + 7, next);
  const biasOffset = 2;
  const bias = t.bias ? shared32(biasOffset + n + 1, next) : null;
  const before = Float32Array.from(c);
  const A = (i: number, p: number): number => (transA ? a[aOffset + p * m + i]! : a[aOffset + i * k + p]!);
  const B = (p: number, j: number): number => (transB ? b[bOffset + j * k + p]! : b[bOffset + p * n + j]!);
  const epilogue = t.bias || t.relu ? { bias, biasOffset, relu: t.relu } : undefined;
  kernel(m, n, k, a, aOffset, transA, b, bOffset, transB, c, cOffset, accumulate, epilogue);
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const c0 = (accumulate ? before[cOffset + i * n + j]! : 0) + (bias ? bias[biasOffset + j]! : 0);
      let s = c0;
      let scale = Math.abs(c0);
      for (let p = 0; p < k; p++) {
        const term = A(i, p) * B(p, j);
        s += term;
        scale += Math.abs(term);
      }
      if (t.relu) s = Math.max(s, 0);
      const err = Math.abs(c[cOffset + i * n + j]! - s) / (scale + 1e-30);
      if (!(err <= 1e-5)) {
        throw new Error(`C[${i},${j}] = ${c[cOffset + i * n + j]} vs ${s} (relative error ${err}) for ${JSON.stringify(t)}`);
      }
      worst = Math.max(worst, err);
    }
  }
  for (let i = 0; i < cOffset; i++) expect(c[i]).toBe(before[i]);
  for (let i = cOffset + m * n; i < c.length; i++) expect(c[i]).toBe(before[i]);
  return worst;
}

/**
 * Every trans combination, accumulate flag and epilogue (none, bias, ReLU, both) over the given
 * sizes, every other case with offsets into larger buffers.
 */
function cases(sizes: readonly (readonly [number, number, number])[]): Case[] {
  const out: Case[] = [];
  let o = 0;
  for (const [m, n, k] of sizes)
    for (const transA of [false, true])
      for (const transB of [false, true])
        for (const accumulate of [false, true])
          for (const [bias, relu] of [[false, false], [true, false], [false, true], [true, true]] as const) {
            o++;
            const offsets = o % 2 === 0 ? [0, 0, 0] : [o % 5, (o * 3) % 7, (o * 5) % 11];
            out.push({ m, n, k, transA, transB, accumulate, aOffset: offsets[0]!, bOffset: offsets[1]!, cOffset: offsets[2]!, bias, relu });
          }
  return out;
}

const SMALL: (readonly [number, number, number])[] = [
  [1, 1, 1],
  [1, 1, 7],
  [1, 9, 1],
  [5, 1, 3],
  [2, 3, 4],
  [3, 5, 7],
  [4, 8, 4],
  [4, 8, 5],
  [5, 9, 13],
  [7, 3, 16],
  [8, 16, 3],
  [13, 17, 19],
  [1, 30, 50],
  [32, 30, 50],
  [32, 20, 30],
  [30, 50, 32],
  [32, 3, 20],
];
// past one k-block (512), one m-block (8 panels of 4 rows) and several B panels, with ragged edges
const LARGE: (readonly [number, number, number])[] = [
  [37, 45, 530],
  [70, 19, 33],
  [64, 256, 97],
  [3, 130, 1030],
];
const EMPTY: (readonly [number, number, number])[] = [
  [0, 5, 3],
  [4, 0, 3],
  [4, 5, 0],
  [0, 0, 0],
];

describe("gemm kernels against a float64 reference", () => {
  const wasm = new WasmGemm();
  const wasmDirect: Gemm = (m, n, k, a, ao, ta, b, bo, tb, c, co, acc, epilogue) => {
    const [bias, biasOffset, relu] = [(epilogue?.bias ?? null) as Float32Array | null, epilogue?.biasOffset ?? 0, epilogue?.relu ?? false];
    expect(wasm.gemm(m, n, k, a as Float32Array, ao, ta, b as Float32Array, bo, tb, c as Float32Array, co, acc, bias, biasOffset, relu)).toBe(true);
  };

  it("the WebAssembly kernel itself, on every shape (no size threshold)", () => {
    let worst = 0;
    for (const t of cases([...SMALL, ...LARGE])) worst = Math.max(worst, check(wasmDirect, t));
    expect(worst).toBeGreaterThan(0); // float32 accumulation does round
  });

  // the default kernel is the fused one here (relaxed SIMD compiles on Node 20 once its flag is
  // on); the other variant must stay right too, for engines and settings without it
  for (const fma of [false, true]) {
    it(`the ${fma ? "fused" : "unfused"} variant on every shape`, () => {
      const g = new WasmGemm({ ...DEFAULT_SHAPE, fma });
      expect(g.fma).toBe(fma);
      const direct: Gemm = (m, n, k, a, ao, ta, b, bo, tb, c, co, acc, epilogue) => {
        const bias = (epilogue?.bias ?? null) as Float32Array | null;
        expect(g.gemm(m, n, k, a as Float32Array, ao, ta, b as Float32Array, bo, tb, c as Float32Array, co, acc, bias, epilogue?.biasOffset ?? 0, epilogue?.relu ?? false)).toBe(true);
      };
      for (const t of cases([...SMALL, ...LARGE])) check(direct, t, 3);
    });
  }

  it("fuses its multiply-adds where relaxed SIMD compiles (Node 20: behind a flag it turns on)", () => {
    expect(relaxedSimdAvailable()).toBe(true);
    expect(wasm.fma).toBe(true);
    // every C element is −(1 + 2⁻¹¹)·1 + (1 + 2⁻¹²)²: rounded once, the second multiply-add
    // keeps its 2⁻²⁴; a separate multiply rounds (1 + 2⁻¹²)² to 1 + 2⁻¹¹ first, leaving 0
    const [m, n, k] = [4, 8, 2];
    const a = new Float32Array(m * k).fill(1 + 2 ** -12);
    for (let i = 0; i < m; i++) a[i * k] = -(1 + 2 ** -11);
    const b = new Float32Array(k * n).fill(1);
    b.fill(1 + 2 ** -12, n);
    const fused = new Float32Array(m * n);
    const unfused = new Float32Array(m * n);
    wasm.gemm(m, n, k, a, 0, false, b, 0, false, fused, 0, false);
    new WasmGemm({ ...DEFAULT_SHAPE, fma: false }).gemm(m, n, k, a, 0, false, b, 0, false, unfused, 0, false);
    expect(Array.from(new Set(fused))).toEqual([2 ** -24]);
    expect(Array.from(new Set(unfused))).toEqual([0]);
  });

  it("the TypeScript kernel", () => {
    for (const t of cases([...SMALL, ...LARGE, ...EMPTY])) check(gemmTs, t);
  });

  for (const backend of FLOAT32_GEMM_BACKENDS) {
    it(`gemm() with the ${backend} backend`, () => {
      const previous = setGemmBackend(backend);
      try {
        expect(gemmBackend()).toBe(backend);
        for (const t of cases([...SMALL, ...LARGE, ...EMPTY])) check(gemm, t, 2);
      } finally {
        setGemmBackend(previous);
      }
    });
  }

  it("k = 0 zeroes C, or leaves it when accumulating; m or n = 0 touch nothing", () => {
    for (const backend of FLOAT32_GEMM_BACKENDS) {
      const previous = setGemmBackend(backend);
      try {
        const c = Float32Array.from([9, 1, 2, 3, 4, 5, 6, 9]);
        gemm(2, 3, 0, new Float32Array(0), 0, false, new Float32Array(0), 0, false, c, 1, false);
        expect(Array.from(c)).toEqual([9, 0, 0, 0, 0, 0, 0, 9]);
        c.set([1, 2, 3, 4, 5, 6], 1);
        gemm(2, 3, 0, new Float32Array(0), 0, false, new Float32Array(0), 0, false, c, 1, true);
        expect(Array.from(c)).toEqual([9, 1, 2, 3, 4, 5, 6, 9]);
        gemm(0, 3, 4, new Float32Array(0), 0, true, new Float32Array(12), 0, false, c, 1, false);
        gemm(2, 0, 4, new Float32Array(8), 0, false, new Float32Array(0), 0, true, c, 1, false);
        expect(Array.from(c)).toEqual([9, 1, 2, 3, 4, 5, 6, 9]);
      } finally {
        setGemmBackend(previous);
      }
    }
  });

  it("gives exactly the TypeScript kernel's numbers for float64 and for tiny float32 products", () => {
    const next = filler(5);
    const a = Float64Array.from({ length: 40 * 30 }, next);
    const b = Float64Array.from({ length: 30 * 20 }, next);
    const c1 = new Float64Array(40 * 20);
    const c2 = new Float64Array(40 * 20);
    gemm(40, 20, 30, a, 0, false, b, 0, false, c1, 0, false);
    gemmTs(40, 20, 30, a, 0, false, b, 0, false, c2, 0, false);
    expect(c1).toEqual(c2);
    // below the threshold float32 stays on the TypeScript path too
    const x = Float32Array.from({ length: 12 }, next);
    const y = Float32Array.from({ length: 12 }, next);
    const d1 = new Float32Array(9);
    const d2 = new Float32Array(9);
    expect(3 * 3 * 4).toBeLessThan(WASM_GEMM_MIN_WORK);
    gemm(3, 3, 4, x, 0, false, y, 0, true, d1, 0, false);
    gemmTs(3, 3, 4, x, 0, false, y, 0, true, d2, 0, false);
    expect(d1).toEqual(d2);
  });

  it("fuses the epilogue: k = 0 gives relu(C + bias); ReLU keeps NaN; TypeScript matches linear's old bias fill", () => {
    for (const backend of FLOAT32_GEMM_BACKENDS) {
      const previous = setGemmBackend(backend);
      try {
        const c = Float32Array.from([-1, 2, -3, 4]);
        const bias = Float32Array.from([9, 0.5, -0.5]);
        gemm(2, 2, 0, new Float32Array(0), 0, false, new Float32Array(0), 0, false, c, 0, true, { bias, biasOffset: 1, relu: true });
        expect(Array.from(c)).toEqual([0, 1.5, 0, 3.5]);
        // a NaN in A poisons its row of C, through ReLU too; everything else is clamped or kept
        const a = new Float32Array(16 * 16).fill(-1);
        a[3 * 16 + 5] = NaN;
        const b = new Float32Array(16 * 16).fill(0.25);
        const out = new Float32Array(16 * 16);
        gemm(16, 16, 16, a, 0, false, b, 0, false, out, 0, false, { relu: true });
        for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) expect(out[i * 16 + j]).toBe(i === 3 ? NaN : 0);
      } finally {
        setGemmBackend(previous);
      }
    }
    const next = filler(3);
    const [m, n, k] = [9, 11, 13];
    const a = Float32Array.from({ length: m * k }, next);
    const b = Float32Array.from({ length: n * k }, next);
    const bias = Float32Array.from({ length: n }, next);
    const fused = new Float32Array(m * n);
    const filled = new Float32Array(m * n);
    gemmTs(m, n, k, a, 0, false, b, 0, true, fused, 0, false, { bias });
    for (let r = 0; r < m; r++) filled.set(bias, r * n);
    gemmTs(m, n, k, a, 0, false, b, 0, true, filled, 0, true);
    expect(fused).toEqual(filled);
  });

  it("reuses its WebAssembly memory across calls", () => {
    const g = new WasmGemm();
    const next = filler(9);
    const a = shared32(300 * 200, next);
    const b = shared32(200 * 100, next);
    const c = shared32(300 * 100, next);
    g.gemm(300, 100, 200, a, 0, false, b, 0, false, c, 0, false);
    const size = g.memoryBytes;
    for (let i = 0; i < 3; i++) g.gemm(300, 100, 200, a, 0, i % 2 === 0, b, 0, true, c, 0, true);
    g.gemm(10, 10, 10, a, 0, false, b, 0, false, c, 0, false);
    expect(g.memoryBytes).toBe(size);
  });

  it("refuses (so gemm falls back) a product too large for WebAssembly memory", () => {
    const g = new WasmGemm();
    const a = new Float32Array(4);
    // 2^16 × 2^16 × 2^15 would need tens of GiB of panels: no call into WebAssembly is made
    expect(g.gemm(2 ** 16, 2 ** 16, 2 ** 15, a, 0, false, a, 0, false, a, 0, false)).toBe(false);
    expect(g.gemm(2 ** 15, 2 ** 15, 2 ** 15, a, 0, false, a, 0, false, a, 0, false)).toBe(false);
    // and it is never asked for empty products (gemm handles those itself)
    expect(() => g.gemm(4, 4, 0, a, 0, false, a, 0, false, a, 0, false)).toThrow(RangeError);
  });

  it("emits a valid module, fused or not", () => {
    for (const fma of [false, true]) {
      const bytes = gemmModuleBytes({ ...DEFAULT_SHAPE, fma });
      expect(Array.from(bytes.subarray(0, 8))).toEqual([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
      expect((globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes)).toBe(true);
    }
  });
});

// edges of the native kernel's 6×16 tiles, 256-step k-blocks and 144-row m-blocks, and its
// unpacked path for fewer than 6 rows (64-column blocks, then 8 at a time)
const NATIVE_EDGES: (readonly [number, number, number])[] = [
  [6, 16, 1],
  [5, 15, 7],
  [7, 17, 16],
  [1, 97, 17],
  [5, 129, 33],
  [15, 5, 257],
  [97, 33, 6],
  [150, 17, 300],
  [16, 97, 15],
];

describe("the native kernel", () => {
  const load = loadNativeKernels();

  it("loads wherever the build and the CPU allow it (CI requires it)", () => {
    if (process.env.KILN_TEST_NATIVE === "required") expect(load.kernels === null ? load.reason : "loaded").toBe("loaded");
    expect(nativeKernel() !== null).toBe(load.kernels !== null);
  });

  const kernels = load.kernels;
  const direct = (threads: number): Gemm => (m, n, k, a, ao, ta, b, bo, tb, c, co, acc, epilogue) => {
    const bias = (epilogue?.bias ?? null) as Float32Array | null;
    kernels!.sgemm(m, n, k, a as Float32Array, ao, ta, b as Float32Array, bo, tb, c as Float32Array, co, acc, bias, epilogue?.biasOffset ?? 0,
      epilogue?.relu ?? false, threads);
  };

  it.skipIf(kernels === null)("on every shape, transpose, accumulate flag and epilogue (no size threshold)", () => {
    let worst = 0;
    for (const t of cases([...SMALL, ...LARGE, ...NATIVE_EDGES])) worst = Math.max(worst, check(direct(1), t, 4));
    expect(worst).toBeGreaterThan(0);
  });

  it.skipIf(kernels === null)("splits a large product between two threads with the same bits", () => {
    // 2²² multiply-adds and more are split; each thread takes whole 16-column panels
    for (const [m, n, k] of [[128, 256, 128], [5, 1000, 1000], [300, 50, 400]] as const) {
      const next = filler(6);
      const a = shared32(m * k + 7, next);
      const b = shared32(k * n + 7, next);
      const bias = shared32(n, next);
      for (const t of cases([[m, n, k]]).filter((_, i) => i % 7 === 0)) {
        const one = new Float32Array(new SharedArrayBuffer(4 * (t.cOffset + m * n)));
        const two = new Float32Array(new SharedArrayBuffer(one.byteLength));
        for (const [c, threads] of [[one, 1], [two, 2]] as const) {
          c.fill(0.5);
          kernels!.sgemm(m, n, k, a, t.aOffset, t.transA, b, t.bOffset, t.transB, c, t.cOffset, t.accumulate, t.bias ? bias : null, 0, t.relu, threads);
        }
        expect(two, JSON.stringify(t)).toEqual(one);
      }
    }
  });

  it.skipIf(kernels === null)("refuses arrays too short for their matrices, other array types and empty products", () => {
    const x = new Float32Array(12);
    const y = new Float32Array(16);
    // m×4·4×4: A and C need 4m floats, B 16
    const run = (a: unknown, c: unknown, m = 3, bias: unknown = null, aOffset = 0) => () =>
      kernels!.sgemm(m, 4, 4, a as Float32Array, aOffset, false, y, 0, false, c as Float32Array, 0, false, bias as Float32Array, 0, false, 1);
    expect(run(x, x)).not.toThrow();
    expect(run(x, x, 4)).toThrow(TypeError);
    expect(run(x, x, 3, null, 1)).toThrow(TypeError);
    expect(run(new Float64Array(12), x)).toThrow(TypeError);
    expect(run(x, [0, 0])).toThrow(TypeError);
    expect(run(x, x, 3, new Float32Array(3))).toThrow(TypeError);
    expect(run(x, x, 0)).toThrow(RangeError);
  });
});

describe("choosing the backend", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("defaults to native where it loads (else wasm); KILN_GEMM=wasm or ts forces the others", async () => {
    vi.stubEnv("KILN_GEMM", "");
    vi.resetModules();
    expect((await import("../../src/tensor/kernels/gemm.js")).gemmBackend()).toBe(nativeKernel() ? "native" : "wasm");
    vi.stubEnv("KILN_GEMM", "wasm");
    vi.resetModules();
    expect((await import("../../src/tensor/kernels/gemm.js")).gemmBackend()).toBe("wasm");
    vi.stubEnv("KILN_GEMM", "ts");
    vi.resetModules();
    const forced = await import("../../src/tensor/kernels/gemm.js");
    expect(forced.gemmBackend()).toBe("ts");
    expect(forced.setGemmBackend("wasm")).toBe("ts");
    expect(forced.gemmBackend()).toBe("wasm");
    vi.stubEnv("KILN_GEMM", "blas");
    vi.resetModules();
    await expect(import("../../src/tensor/kernels/gemm.js")).rejects.toThrow(/KILN_GEMM/);
  });

  it("rejects unknown backends", () => {
    expect(() => setGemmBackend("gpu" as "ts")).toThrow(RangeError);
  });
});
