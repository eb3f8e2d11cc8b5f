import { describe, expect, it } from "vitest";
import { Dataset, defaultCollate, TensorDataset } from "../../src/data/index.js";
import { arange, fromTypedArray, rand, randn, tensor, Tensor } from "../../src/tensor/index.js";

const values = (t: Tensor): unknown[] => Array.from(t.data as ArrayLike<unknown>);

describe("TensorDataset", () => {
  const X = fromTypedArray(Float32Array.from({ length: 10 }, (_, i) => i / 4), [5, 2]);
  const y = tensor([0, 0, 0, 1, 1]);

  it("rejects tensors whose first dimensions differ, with PyTorch's message", () => {
    expect(() => new TensorDataset(X, tensor([0, 1, 2]))).toThrow("Size mismatch between tensors");
    expect(() => new TensorDataset()).toThrow();
    expect(() => new TensorDataset(tensor(3))).toThrow("tensor has no dimensions");
  });

  it("has the length of the first dimension", () => {
    const ds = new TensorDataset(X, y);
    expect(ds.length).toBe(5);
    expect(ds.len()).toBe(5);
    expect(ds.tensors).toEqual([X, y]);
  });

  it("getItem returns the row of each tensor, as views of the same storage", () => {
    const ds = new TensorDataset(X, y);
    const [x3, y3] = ds.getItem(3);
    expect(x3.shape).toEqual([2]);
    expect(x3.dtype).toBe("float32");
    expect(values(x3)).toEqual([1.5, 1.75]);
    expect(y3.shape).toEqual([]);
    expect(y3.dtype).toBe("int64");
    expect(y3.itemBigInt()).toBe(1n);
    expect(x3.data.buffer).toBe(X.data.buffer);
    const [xl] = ds.getItem(-1);
    expect(values(xl)).toEqual([2, 2.25]);
  });

  it("getItem rejects out-of-range and non-integer indices", () => {
    const ds = new TensorDataset(X, y);
    expect(() => ds.getItem(5)).toThrow("index 5 is out of bounds for dimension 0 with size 5");
    expect(() => ds.getItem(-6)).toThrow("index -6 is out of bounds for dimension 0 with size 5");
    expect(() => ds.getItem(1.5)).toThrow(TypeError);
  });

  it("getItem of a tensor that requires grad keeps the graph", () => {
    const w = randn([4, 3]).requiresGrad_();
    const [row] = new TensorDataset(w).getItem(2);
    expect(row.shape).toEqual([3]);
    expect(row.requiresGrad).toBe(true);
  });

  it("getBatch gathers exactly what defaultCollate makes of the rows, for every dtype and row width", () => {
    const n = 7;
    const tensors = [
      rand([n, 3]), // float32, 3 words per row
      rand([n]), // float32, 0-d rows
      rand([n, 2], { dtype: "float64" }), // 4 words per row
      arange(n), // int64, 0-d rows -> 1-d batch
      tensor(Array.from({ length: n * 2 }, (_, i) => i % 3 === 0)).reshape([n, 2]), // bool
      rand([n, 5, 20]), // 100 words per row: the bulk-copy path
      randn([n, 40], { dtype: "float64" }), // 80 words per row
    ];
    const ds = new TensorDataset(...tensors);
    const idx = Int32Array.from([6, 0, 3, 3, 1]);
    const fast = ds.getBatch(idx);
    const slow = defaultCollate(Array.from(idx, (i) => ds.getItem(i)));
    expect(fast.length).toBe(tensors.length);
    fast.forEach((b, k) => {
      expect(b.dtype).toBe(tensors[k]!.dtype);
      expect(b.shape).toEqual([idx.length, ...tensors[k]!.shape.slice(1)]);
      expect(b.shape).toEqual(slow[k]!.shape);
      expect(values(b)).toEqual(values(slow[k]!));
      expect(b.data.buffer).not.toBe(tensors[k]!.data.buffer); // a copy
    });
  });

  it("getBatch copies bits exactly (NaN payloads, -0, huge int64)", () => {
    const f = new Float32Array([NaN, -0, Infinity, 1e-45]);
    new Uint32Array(f.buffer)[0] = 0x7fa00001; // a signalling NaN payload
    const big = new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n]);
    const ds = new TensorDataset(fromTypedArray(f, [4]), fromTypedArray(big, [4]));
    const [fb, ib] = ds.getBatch(Int32Array.from([3, 2, 1, 0]));
    expect(Array.from(new Uint32Array(fb.data.buffer, fb.data.byteOffset, 4))).toEqual(
      Array.from(new Uint32Array(f.buffer)).reverse(),
    );
    expect(Array.from(ib.data as BigInt64Array)).toEqual([...big].reverse());
  });

  it("getBatch rejects indices out of range", () => {
    const ds = new TensorDataset(X, y);
    expect(() => ds.getBatch(Int32Array.from([0, 5]))).toThrow("index 5 is out of bounds for dimension 0 with size 5");
  });
});

describe("Dataset subclasses", () => {
  class Squares extends Dataset<[Tensor, Tensor]> {
    get length(): number {
      return 4;
    }
    getItem(i: number): [Tensor, Tensor] {
      return [tensor([i, i * i], { dtype: "float32" }), tensor(i % 2)];
    }
  }

  class Words extends Dataset<{ word: string; size: number }> {
    readonly length = 3;
    getItem(i: number) {
      return { word: ["a", "bb", "ccc"][i]!, size: i + 1 };
    }
  }

  it("length may be a getter or a field; len() reports it", () => {
    expect(new Squares().len()).toBe(4);
    expect(new Words().len()).toBe(3);
    expect(new Words().getItem(1)).toEqual({ word: "bb", size: 2 });
  });
});
