/**
 * relu and its gradient in WebAssembly SIMD (kernels/elementwise.ts over wasm/vector.ts) against
 * the JavaScript loops: the same bits, NaN payloads and signed zeros included, at every size
 * (tails of 1–3 elements, chunk boundaries).
 */
import { afterEach, describe, expect, it } from "vitest";
import { fromTypedArray, kernels } from "../../src/tensor/index.js";
import { CHUNK } from "../../src/tensor/kernels/wasm/vector.js";

afterEach(() => {
  kernels.setElementwiseSimdMin(512);
});

function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < 0.02) bits[i] = 0x7fc00001 + Math.floor(next() * 1000); // NaN with a payload
    else if (r < 0.04) bits[i] = 0xffc00000 + Math.floor(next() * 1000); // negative NaN
    else if (r < 0.06) out[i] = -0;
    else if (r < 0.07) out[i] = next() < 0.5 ? Infinity : -Infinity;
    else if (r < 0.09) out[i] = (next() - 0.5) * 1e-40; // subnormal
    else out[i] = (next() - 0.5) * 4;
  }
  return out;
}

const bitsOf = (t: { data: unknown }): number[] => {
  const d = t.data as Float32Array;
  return Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length));
};

describe("relu in WebAssembly SIMD", () => {
  for (const n of [1, 3, 4, 5, 17, 512, 1001, CHUNK, CHUNK + 1, 2 * CHUNK + 7]) {
    it(`forward and backward equal the JavaScript loops bit for bit (n = ${n})`, () => {
      const x = fromTypedArray(values(n, n), [n]);
      const g = fromTypedArray(values(n, n + 1), [n]);
      kernels.setElementwiseSimdMin(Infinity);
      const yJs = kernels.reluForward(x);
      const gJs = kernels.reluBackward(g, yJs);
      kernels.setElementwiseSimdMin(1);
      const yWasm = kernels.reluForward(x);
      const gWasm = kernels.reluBackward(g, yWasm);
      expect(bitsOf(yWasm)).toEqual(bitsOf(yJs));
      expect(bitsOf(gWasm)).toEqual(bitsOf(gJs));
    });
  }
});

describe("sums over a non-last dimension in WebAssembly SIMD", () => {
  for (const shape of [
    [64, 256],
    [64, 10],
    [1000, 3],
    [3, 700, 5],
    [2, 5000, 1],
    [7, 9000],
    [40, 8193],
    [40, 8000],
    [5, 8192],
    [2, 300, 33],
  ]) {
    for (const dim of [0, 1]) {
      if (dim >= shape.length - 1 && shape.length === 2 && dim === 1) continue;
      it(`sumDim(${JSON.stringify(shape)}, ${dim}) equals the double accumulation rounded once`, () => {
        const n = shape.reduce((a, b) => a * b, 1);
        const x = fromTypedArray(values(n, n + dim).map((v) => (Number.isFinite(v) ? v : 1.5)), shape);
        const out = kernels.sumDim(x, dim, false);
        const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1);
        const size = shape[dim]!;
        const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
        const xd = x.data as Float32Array;
        const expected = new Float32Array(outer * inner);
        for (let p = 0; p < outer; p++)
          for (let j = 0; j < inner; j++) {
            let s = 0;
            for (let k = 0; k < size; k++) s += xd[(p * size + k) * inner + j]!;
            expected[p * inner + j] = s;
          }
        expect(bitsOf(out)).toEqual(Array.from(new Uint32Array(expected.buffer)));
      });
    }
  }
});
