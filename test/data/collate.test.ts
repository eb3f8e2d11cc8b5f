import { describe, expect, it } from "vitest";
import { defaultCollate } from "../../src/data/index.js";
import { tensor, Tensor } from "../../src/tensor/index.js";

const values = (t: Tensor): unknown[] => Array.from(t.data as ArrayLike<unknown>);

describe("defaultCollate (PyTorch's default_collate)", () => {
  it("stacks tensors along a new first dimension", () => {
    const b = defaultCollate([tensor([1.5, 2]), tensor([3, 4.5])]);
    expect(b.shape).toEqual([2, 2]);
    expect(b.dtype).toBe("float32");
    expect(values(b)).toEqual([1.5, 2, 3, 4.5]);
  });

  it("turns 0-d int64 labels into a 1-d int64 batch", () => {
    const b = defaultCollate([tensor(1), tensor(0), tensor(2)]);
    expect(b.shape).toEqual([3]);
    expect(b.dtype).toBe("int64");
    expect(values(b)).toEqual([1n, 0n, 2n]);
  });

  it("collates tuples field by field (PyTorch returns a list)", () => {
    const [x, y] = defaultCollate([
      [tensor([1.5, 2]), tensor(0)],
      [tensor([3, 4.5]), tensor(1)],
    ] as [Tensor, Tensor][]);
    expect(x.shape).toEqual([2, 2]);
    expect(y.shape).toEqual([2]);
    expect(y.dtype).toBe("int64");
  });

  it("numbers: integers give int64, fractions float64 (Python int / float); booleans bool; bigints int64", () => {
    const ints = defaultCollate([0, 1, 2, 3]);
    expect(ints.dtype).toBe("int64");
    expect(values(ints)).toEqual([0n, 1n, 2n, 3n]);
    const floats = defaultCollate([0.5, 1, 2]);
    expect(floats.dtype).toBe("float64");
    expect(values(floats)).toEqual([0.5, 1, 2]);
    expect(defaultCollate([true, false]).dtype).toBe("bool");
    expect(values(defaultCollate([5n, -3n]))).toEqual([5n, -3n]);
  });

  it("strings stay a list; plain objects and nested arrays are collated per key / position", () => {
    expect(defaultCollate(["a", "b", "c"])).toEqual(["a", "b", "c"]);
    const d = defaultCollate([
      { A: 0, B: 1 },
      { A: 100, B: 100 },
    ]);
    expect(values(d.A)).toEqual([0n, 100n]);
    expect(values(d.B)).toEqual([1n, 100n]);
    // default_collate([[0, 1], [2, 3]]) == [tensor([0, 2]), tensor([1, 3])]
    const l = defaultCollate([
      [0, 1],
      [2, 3],
    ]);
    expect(l.map(values)).toEqual([
      [0n, 2n],
      [1n, 3n],
    ]);
  });

  it("typed arrays play NumPy's part: each becomes a tensor, then they are stacked", () => {
    const b = defaultCollate([new Float32Array([1, 2]), new Float32Array([3, 4])]);
    expect(b.dtype).toBe("float32");
    expect(b.shape).toEqual([2, 2]);
    expect(defaultCollate([new Float64Array([1]), new Float64Array([2])]).dtype).toBe("float64");
    expect(defaultCollate([new Int32Array([1]), new Int32Array([2])]).dtype).toBe("int64");
  });

  it("promotes mixed dtypes as torch.stack does", () => {
    const b = defaultCollate([tensor(1), tensor(2.5)]);
    expect(b.dtype).toBe("float32");
    expect(values(b)).toEqual([1, 2.5]);
  });

  it("keeps the graph of samples that require grad", () => {
    const a = tensor([1.5, 2]).requiresGrad_();
    const b = defaultCollate([a, tensor([3, 4.5])]);
    expect(b.requiresGrad).toBe(true);
  });

  it("raises PyTorch's errors", () => {
    expect(() => defaultCollate([[1, 2], [3]])).toThrow("each element in list of batch should be of equal size");
    expect(() => defaultCollate([tensor([1, 2]), tensor([1, 2, 3])])).toThrow("stack expects each tensor to be equal size");
    expect(() => defaultCollate([null, null])).toThrow(
      "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found",
    );
    expect(() => defaultCollate([new Map(), new Map()])).toThrow("found <class 'Map'>");
    expect(() => defaultCollate([])).toThrow();
  });
});
