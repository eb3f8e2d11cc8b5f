/**
 * The WebAssembly SIMD updates (src/tensor/kernels/wasm/vector.ts) against the JavaScript loops
 * they replace: every option combination of every optimizer, sizes that cross the chunk size and
 * leave tails of 1–3 elements, values over a wide range of magnitudes (so that the fused
 * multiply-adds round differently in float32 and double) and special values. Results must be
 * identical bit for bit: the JavaScript loops are what test/optim/reference.test.ts checks against
 * PyTorch.
 */
import { afterEach, describe, expect, it } from "vitest";
import { fromTypedArray, type Tensor } from "../../src/tensor/index.js";
import * as optim from "../../src/optim/index.js";
import { setSimdMinElements, setUpdateBackend } from "../../src/optim/kernel.js";
import { CHUNK } from "../../src/tensor/kernels/wasm/vector.js";
import { bits, floatValues } from "../helpers/float_values.js";

afterEach(() => {
  setUpdateBackend("wasm");
  setSimdMinElements(64);
});

type Make = (params: Tensor[]) => optim.Optimizer<object, unknown>;

/** Params, then every state buffer, after `steps` steps: as bit patterns. */
function trajectory(make: Make, sizes: readonly number[], steps: number, special: boolean): Int32Array[] {
  const params = sizes.map((n, i) => fromTypedArray(floatValues(n, 17 + i, special), [n]).requiresGrad_());
  const opt = make(params);
  const out: Int32Array[] = [];
  for (let s = 0; s < steps; s++) {
    params.forEach((p, i) => {
      p.grad = fromTypedArray(floatValues(p.numel(), 1000 * s + i, special), p.shape);
    });
    opt.step();
    for (const p of params) out.push(bits(p.data as Float32Array));
  }
  for (const st of opt.state.values()) {
    for (const v of Object.values(st as Record<string, unknown>)) {
      if (v && typeof v === "object" && "data" in v) out.push(bits((v as Tensor).data as Float32Array));
    }
  }
  return out;
}

function expectSame(make: Make, sizes: readonly number[], steps = 3, special = false): void {
  setUpdateBackend("ts");
  const ts = trajectory(make, sizes, steps, special);
  setUpdateBackend("wasm");
  setSimdMinElements(1);
  const wasm = trajectory(make, sizes, steps, special);
  expect(wasm.length).toBe(ts.length);
  ts.forEach((t, i) => {
    let differ = 0;
    for (let j = 0; j < t.length; j++) if (t[j] !== wasm[i]![j]) differ++;
    expect(differ, `array ${i}: ${differ} of ${t.length} elements differ`).toBe(0);
  });
}

const SIZES = [1, 2, 3, 4, 5, 7, 64, 333, CHUNK - 1, CHUNK + 3, 2 * CHUNK + 5];
const bools = [false, true];

describe("WebAssembly SIMD optimizer updates equal the JavaScript loops bit for bit", () => {
  for (const Ctor of [optim.Adam, optim.AdamW]) {
    for (const amsgrad of bools)
      for (const maximize of bools)
        for (const weightDecay of [0, 0.05]) {
          it(`${Ctor.name} amsgrad=${amsgrad} maximize=${maximize} weightDecay=${weightDecay}`, () => {
            expectSame((p) => new Ctor(p, { lr: 0.01, betas: [0.8, 0.95], eps: 1e-6, amsgrad, maximize, weightDecay }), SIZES);
          });
        }
  }

  for (const momentum of [0, 0.9])
    for (const nesterov of bools)
      for (const maximize of bools)
        for (const weightDecay of [0, 0.01]) {
          if (nesterov && momentum === 0) continue;
          it(`SGD momentum=${momentum} nesterov=${nesterov} maximize=${maximize} weightDecay=${weightDecay}`, () => {
            const dampening = nesterov ? 0 : 0.1;
            expectSame((p) => new optim.SGD(p, { lr: 0.1, momentum, dampening, nesterov, maximize, weightDecay }), SIZES);
          });
        }

  for (const centered of bools)
    for (const momentum of [0, 0.5])
      for (const maximize of bools)
        for (const weightDecay of [0, 0.02]) {
          it(`RMSprop centered=${centered} momentum=${momentum} maximize=${maximize} weightDecay=${weightDecay}`, () => {
            expectSame((p) => new optim.RMSprop(p, { lr: 0.01, alpha: 0.9, centered, momentum, maximize, weightDecay }), SIZES);
          });
        }

  it("with NaN, infinities and negative zeros in parameters and gradients", () => {
    expectSame((p) => new optim.Adam(p, { lr: 0.01, amsgrad: true }), [CHUNK + 9, 101], 4, true);
    expectSame((p) => new optim.AdamW(p, { lr: 0.01 }), [CHUNK + 9, 101], 4, true);
    expectSame((p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, weightDecay: 0.1 }), [CHUNK + 9, 101], 4, true);
    expectSame((p) => new optim.RMSprop(p, { lr: 0.01, centered: true, momentum: 0.3 }), [CHUNK + 9, 101], 4, true);
  });

  it("over many steps (bias corrections and state drift)", () => {
    expectSame((p) => new optim.Adam(p, { lr: 1e-3 }), [5000, 17], 40);
  });
});

describe("optimizer state in the optimizer's WebAssembly memory", () => {
  it("is made of ordinary SharedArrayBuffer tensors, copied by stateDict", () => {
    const p = fromTypedArray(floatValues(1000, 1, false), [10, 100]).requiresGrad_();
    const opt = new optim.Adam([p], { lr: 0.01, amsgrad: true });
    p.grad = fromTypedArray(floatValues(1000, 2, false), p.shape);
    opt.step();
    const st = opt.state.get(p)!;
    for (const t of [st.expAvg, st.expAvgSq, st.maxExpAvgSq!]) {
      expect(t.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(t.shape).toEqual([10, 100]);
      const shared = t.toShared();
      expect(Array.from(fromSharedValues(shared))).toEqual(Array.from(t.data as Float32Array));
    }
    const sd = opt.stateDict();
    const saved = Float32Array.from(sd.state[0]!.exp_avg!.data as Float32Array);
    opt.step();
    expect(Array.from(sd.state[0]!.exp_avg!.data as Float32Array)).toEqual(Array.from(saved)); // a snapshot
  });

  it("state that is not resident (set from outside) takes the copying kernels, same numbers", () => {
    const run = (replace: boolean): Int32Array[] => {
      const params = [fromTypedArray(floatValues(CHUNK + 5, 3, false), [CHUNK + 5]).requiresGrad_(), fromTypedArray(floatValues(300, 4, false), [300]).requiresGrad_()];
      const adam = new optim.Adam([params[0]!], { lr: 0.01, amsgrad: true });
      const sgd = new optim.SGD([params[1]!], { lr: 0.1, momentum: 0.9 });
      const out: Int32Array[] = [];
      for (let s = 0; s < 4; s++) {
        params.forEach((p, i) => (p.grad = fromTypedArray(floatValues(p.numel(), 100 * s + i, false), p.shape)));
        adam.step();
        sgd.step();
        if (replace && s === 0) {
          const st = adam.state.get(params[0]!)!;
          st.expAvg = fromTypedArray(Float32Array.from(st.expAvg.data as Float32Array), st.expAvg.shape);
          st.maxExpAvgSq = fromTypedArray(Float32Array.from(st.maxExpAvgSq!.data as Float32Array), st.expAvg.shape);
          const sst = sgd.state.get(params[1]!)!;
          sst.momentumBuffer = fromTypedArray(Float32Array.from(sst.momentumBuffer!.data as Float32Array), [300]);
        }
        for (const p of params) out.push(bits(p.data as Float32Array));
      }
      return out;
    };
    const a = run(false);
    const b = run(true);
    a.forEach((x, i) => expect(Array.from(b[i]!)).toEqual(Array.from(x)));
  });

  it("hundreds of optimizers alive at once", () => {
    const alive: optim.Adam[] = [];
    for (let i = 0; i < 300; i++) {
      const p = fromTypedArray(floatValues(64, i, false), [64]).requiresGrad_();
      const opt = new optim.Adam([p]);
      p.grad = fromTypedArray(floatValues(64, i + 1, false), [64]);
      opt.step();
      alive.push(opt);
    }
    expect(alive.length).toBe(300);
  });
});

function fromSharedValues(s: { buffer: SharedArrayBuffer; byteOffset: number; shape: readonly number[] }): Float32Array {
  return new Float32Array(s.buffer, s.byteOffset, s.shape.reduce((a, b) => a * b, 1));
}
