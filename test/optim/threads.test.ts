/**
 * Large float32 updates shared with the matmul's helper thread (a real worker thread; see
 * VectorKernel.run) give exactly the numbers of one thread: every option set that changes which
 * arrays a kernel copies or keeps resident, sizes above and below VECTOR_SPLIT_MIN_ELEMENTS, odd
 * lengths and chunk tails too short to split.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromTypedArray, type Tensor } from "../../src/tensor/index.js";
import * as optim from "../../src/optim/index.js";
import { setUpdateBackend } from "../../src/optim/kernel.js";
import { wasmKernel } from "../../src/tensor/kernels/gemm.js";
import { CHUNK, VECTOR_SPLIT_MIN_ELEMENTS, vectorStats } from "../../src/tensor/kernels/wasm/vector.js";
import { getNumThreads, setNumThreads } from "../../src/tensor/threads.js";
import { bits, floatValues } from "../helpers/float_values.js";

const threads = getNumThreads();
// the WebAssembly updates whatever KILN_OPTIM says: only they are shared between threads
const backend = setUpdateBackend("wasm");
beforeAll(async () => {
  expect(await wasmKernel()!.startHelper()).toBe(true);
});
afterAll(() => {
  setNumThreads(threads);
  setUpdateBackend(backend);
});

type Make = (params: Tensor[]) => optim.Optimizer<object, unknown>;

/** Params and state after a few steps, as bit patterns (any NaN as one pattern). */
function trajectory(make: Make, sizes: readonly number[], threads: number): Int32Array[] {
  setNumThreads(threads);
  const params = sizes.map((n, i) => fromTypedArray(floatValues(n, 17 + i, true), [n]).requiresGrad_());
  const opt = make(params);
  for (let s = 0; s < 3; s++) {
    params.forEach((p, i) => (p.grad = fromTypedArray(floatValues(p.numel(), 1000 * s + i, true), p.shape)));
    opt.step();
  }
  const arrays = params.map((p) => p.data as Float32Array);
  for (const st of opt.state.values()) {
    for (const v of Object.values(st as Record<string, unknown>)) {
      if (v && typeof v === "object" && "data" in v) arrays.push((v as Tensor).data as Float32Array);
    }
  }
  return arrays.map(bits);
}

const SIZES = [VECTOR_SPLIT_MIN_ELEMENTS + 4 * CHUNK + 101, VECTOR_SPLIT_MIN_ELEMENTS + 3, VECTOR_SPLIT_MIN_ELEMENTS - 1, 999];

function expectSameOnTwoThreads(make: Make): void {
  const one = trajectory(make, SIZES, 1);
  const splits = vectorStats.splits;
  const two = trajectory(make, SIZES, 2);
  expect(vectorStats.splits).toBeGreaterThan(splits);
  expect(two.length).toBe(one.length);
  one.forEach((x, i) => {
    let differ = 0;
    for (let j = 0; j < x.length; j++) if (x[j] !== two[i]![j]) differ++;
    expect(differ, `array ${i}: ${differ} of ${x.length} elements differ`).toBe(0);
  });
}

describe("optimizer updates on two threads equal one thread's bit for bit", () => {
  for (const amsgrad of [false, true]) {
    it(`Adam amsgrad=${amsgrad}, weight decay`, () => {
      expectSameOnTwoThreads((p) => new optim.Adam(p, { lr: 0.01, betas: [0.8, 0.95], eps: 1e-6, amsgrad, weightDecay: 0.05 }));
    });
    it(`AdamW amsgrad=${amsgrad}, maximize`, () => {
      expectSameOnTwoThreads((p) => new optim.AdamW(p, { lr: 0.01, amsgrad, maximize: true }));
    });
  }
  it("SGD with momentum and nesterov", () => {
    expectSameOnTwoThreads((p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }));
  });
  it("RMSprop centered with momentum", () => {
    expectSameOnTwoThreads((p) => new optim.RMSprop(p, { lr: 0.01, alpha: 0.9, centered: true, momentum: 0.5, weightDecay: 0.02 }));
  });
});
