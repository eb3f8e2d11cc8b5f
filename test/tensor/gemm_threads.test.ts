import { execFile } from "node:child_process";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { gemm, setGemmBackend, wasmKernel } from "../../src/tensor/kernels/gemm.js";
import { GEMM_SPLIT_MIN_WORK, WasmGemm } from "../../src/tensor/kernels/wasm/gemm_wasm.js";
import { getNumThreads, MAX_THREADS, setNumThreads } from "../../src/tensor/threads.js";

/** Values in [-1, 1) from a small deterministic generator, in a SharedArrayBuffer as tensors have. */
function shared32(length: number, seed: number): Float32Array {
  const x = new Float32Array(new SharedArrayBuffer(length * 4));
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s >>> 8) / 2 ** 23 - 1;
  }
  return x;
}

interface Product {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
  bias: boolean;
  relu: boolean;
}

/** Operands for `p`, in SharedArrayBuffers as tensors' storage is, at offsets into larger arrays. */
function operands(p: Product): { a: Float32Array; b: Float32Array; bias: Float32Array | null } {
  const { m, n, k } = p;
  return { a: shared32(m * k + 3, m + 7 * k), b: shared32(k * n + 5, n + 11 * k), bias: p.bias ? shared32(n + 1, n) : null };
}

/** C for `p` computed by `g` with `threads` threads; `bVersion` ≥ 0 keeps B's packed panels. */
function product(g: WasmGemm, p: Product, threads: number, bVersion = -1, { a, b, bias } = operands(p)): Float32Array {
  const { m, n, k } = p;
  const c = shared32(m * n + 2, m * n);
  const previous = getNumThreads();
  setNumThreads(threads);
  try {
    expect(g.gemm(m, n, k, a, 3, p.transA, b, 5, p.transB, c, 1, p.accumulate, bias, 1, p.relu, bVersion)).toBe(true);
  } finally {
    setNumThreads(previous);
  }
  return c;
}

/** Every trans combination, accumulate, bias and ReLU over sizes with ragged edges. */
function products(sizes: readonly (readonly [number, number, number])[]): Product[] {
  const out: Product[] = [];
  let i = 0;
  for (const [m, n, k] of sizes)
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        i++;
        out.push({ m, n, k, transA, transB, accumulate: i % 2 === 0, bias: i % 3 !== 0, relu: i % 4 < 2 });
      }
  return out;
}

const SIZES = [
  [37, 45, 530], // past a k-block, ragged rows and columns
  [64, 256, 97],
  [129, 200, 600], // several m-blocks and k-blocks
  [5, 1000, 7], // 125 B panels: chunks of 16 panels, the last one short
  [1, 40, 9], // the 1–3-row path (computeRows)
  [3, 130, 1030],
  [70, 33, 33], // 5 panels: two chunks of 2 and one of 1
] as const;

describe("splitting float32 products between two threads", () => {
  // splits every product (no size threshold), so that small ragged shapes are split too
  const g = new WasmGemm(undefined, undefined, 0);
  afterAll(() => g.close());

  it("starts a helper thread", async () => {
    expect(await g.startHelper()).toBe(true);
  });

  it("gives C bit for bit as one thread does: A·B, A·Bᵀ, Aᵀ·B, Aᵀ·Bᵀ, accumulate, bias, ReLU, 1–3 rows", () => {
    for (const p of products(SIZES)) {
      const one = product(g, p, 1);
      const splits = g.stats.splits;
      const two = product(g, p, 2);
      expect(g.stats.splits, JSON.stringify(p)).toBe(splits + 1);
      expect(two, JSON.stringify(p)).toEqual(one);
    }
  });

  it("hands over many products in a row (each a new job the helper may join late or not at all)", () => {
    const p: Product = { m: 8, n: 64, k: 16, transA: false, transB: false, accumulate: true, bias: false, relu: false };
    const x = operands(p);
    const one = product(g, p, 1, -1, x);
    const splits = g.stats.splits;
    for (let i = 0; i < 500; i++) expect(product(g, p, 2, -1, x)).toEqual(one);
    expect(g.stats.splits - splits).toBe(500);
  });

  it("gives the same C with a cached packed B, packed and reused", () => {
    const p: Product = { m: 48, n: 96, k: 200, transA: false, transB: true, accumulate: false, bias: true, relu: true };
    const x = operands(p);
    const one = product(g, p, 1, -1, x);
    const packs = g.stats.packs;
    const hits = g.stats.hits;
    expect(product(g, p, 2, 7, x)).toEqual(one);
    expect(product(g, p, 2, 7, x)).toEqual(one);
    expect([g.stats.packs - packs, g.stats.hits - hits]).toEqual([1, 1]);
  });

  it("uses no helper with one thread, nor for products under the threshold, nor of fewer than 4 B panels", () => {
    const splits = g.stats.splits;
    for (const p of products(SIZES)) product(g, p, 1);
    product(g, { m: 64, n: 24, k: 300, transA: false, transB: false, accumulate: false, bias: false, relu: false }, 2);
    expect(g.stats.splits).toBe(splits);
    const thresholded = new WasmGemm();
    const small: Product = { m: 64, n: 64, k: 64, transA: false, transB: false, accumulate: false, bias: false, relu: false };
    expect(small.m * small.n * small.k).toBeLessThan(GEMM_SPLIT_MIN_WORK);
    product(thresholded, small, 2);
    expect(thresholded.stats.splits).toBe(0);
  });
});

describe("gemm() with setNumThreads", () => {
  it("splits large products of the process-wide kernel once its helper runs, with the same results", async () => {
    const kernel = wasmKernel()!;
    expect(await kernel.startHelper()).toBe(true);
    const [m, n, k] = [128, 256, 128];
    expect(m * n * k).toBeGreaterThanOrEqual(GEMM_SPLIT_MIN_WORK);
    const a = shared32(m * k, 1);
    const b = shared32(k * n, 2);
    const results: Float32Array[] = [];
    const previous = getNumThreads();
    const previousBackend = setGemmBackend("wasm");
    try {
      for (const threads of [1, 2]) {
        setNumThreads(threads);
        const splits = kernel.stats.splits;
        const c = new Float32Array(m * n);
        gemm(m, n, k, a, 0, false, b, 0, true, c, 0, false);
        expect(kernel.stats.splits - splits).toBe(threads - 1);
        results.push(c);
      }
    } finally {
      setNumThreads(previous);
      setGemmBackend(previousBackend);
    }
    expect(results[1]).toEqual(results[0]);
  });
});

describe("setNumThreads / getNumThreads", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("default to the machine's cores (at most MAX_THREADS), or KILN_NUM_THREADS", async () => {
    vi.stubEnv("KILN_NUM_THREADS", "");
    vi.resetModules();
    const fresh = await import("../../src/tensor/threads.js");
    expect(fresh.getNumThreads()).toBe(Math.min(availableParallelism(), MAX_THREADS));
    vi.stubEnv("KILN_NUM_THREADS", "1");
    vi.resetModules();
    expect((await import("../../src/tensor/threads.js")).getNumThreads()).toBe(1);
    vi.stubEnv("KILN_NUM_THREADS", "two");
    vi.resetModules();
    await expect(import("../../src/tensor/threads.js")).rejects.toThrow(/KILN_NUM_THREADS/);
  });

  it("take whole numbers ≥ 1, and cap them at MAX_THREADS", () => {
    const previous = getNumThreads();
    try {
      for (const bad of [0, -1, 1.5, NaN]) expect(() => setNumThreads(bad)).toThrow(RangeError);
      setNumThreads(1);
      expect(getNumThreads()).toBe(1);
      setNumThreads(64);
      expect(getNumThreads()).toBe(MAX_THREADS);
    } finally {
      setNumThreads(previous);
    }
  });
});

/** The sources, for workers and child processes that load them through tsx. */
const SRC = new URL("../../src/", import.meta.url).href;

describe("threads in other threads and processes", () => {
  it("a worker thread (as Piscina's) sets its own thread count and starts its own helper", async () => {
    // a worker's entry cannot be a .ts file; this small JavaScript one loads it through tsx
    const entry = new URL("./gemm_threads_worker.ts", import.meta.url).href;
    const worker = new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, {
      eval: true,
    });
    const result = await new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    expect(result).toEqual({ started: true, splits: 1, same: true });
  });

  it("the helper never keeps a process alive", async () => {
    const script = `const { matmul, randn, setNumThreads } = await import(${JSON.stringify(SRC + "index.ts")});
      const { setGemmBackend, wasmKernel } = await import(${JSON.stringify(SRC + "tensor/kernels/gemm.ts")});
      setGemmBackend("wasm");
      setNumThreads(2);
      const a = randn([256, 256]);
      matmul(a, a);
      await wasmKernel().startHelper();
      matmul(a, a);
      console.log("splits", wasmKernel().stats.splits);`;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], (error, out) => (error ? reject(error) : resolve(out))),
    );
    expect(stdout.trim()).toBe("splits 1");
  });
});
