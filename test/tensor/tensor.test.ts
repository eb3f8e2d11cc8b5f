import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import "../../src/autograd/index.js";
import { arange, fromTypedArray, full, ones, rand, randint, randperm, Tensor, tensor, zeros, zerosLike, type SharedTensor } from "../../src/tensor/index.js";
import { Generator, manualSeed } from "../../src/tensor/index.js";
import { loadFixture, type RefTensor } from "../helpers/fixtures.js";

describe("tensor creation and dtypes", () => {
  it("infers dtypes as PyTorch does", () => {
    expect(tensor([1, 2, 3]).dtype).toBe("int64");
    expect(tensor([1.5, 2.0]).dtype).toBe("float32");
    expect(tensor([true, false]).dtype).toBe("bool");
    expect(tensor(new Float64Array([1, 2])).dtype).toBe("float64");
    expect(tensor([1, 2, 3]).to("float32").dtype).toBe("float32");
    expect(tensor([1, 2], { dtype: "float32" }).toString()).toBe("tensor([1., 2.])");
  });

  it("builds any rank, from 0-d to n-d", () => {
    expect(tensor(3.5).shape).toEqual([]);
    expect(tensor(3.5).item()).toBe(3.5);
    const t = tensor([[[1, 2]], [[3, 4]]]);
    expect(t.shape).toEqual([2, 1, 2]);
    expect(t.tolist()).toEqual([[[1, 2]], [[3, 4]]]);
    expect(t.numel()).toBe(4);
    expect(tensor([]).shape).toEqual([0]);
  });

  it("rejects ragged nested arrays", () => {
    expect(() => tensor([[1, 2], [3]])).toThrow("expected sequence of length 2 at dim 1 (got 1)");
  });

  it("keeps int64 exact", () => {
    const big = tensor([9007199254740993n, -3n]);
    expect(big.dtype).toBe("int64");
    expect(big.tolist()).toEqual([9007199254740993n, -3]);
    expect(big.add(tensor([1n, 1n])).tolist()).toEqual([9007199254740994n, -2]);
  });

  it("creates from a typed array plus a shape", () => {
    const t = fromTypedArray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(() => fromTypedArray(new Float32Array(5), [2, 3])).toThrow("5 values do not fill shape [2, 3]");
  });

  it("zeros, ones, full, arange, *Like", () => {
    expect(zeros([2]).tolist()).toEqual([0, 0]);
    expect(ones([2, 1]).tolist()).toEqual([[1], [1]]);
    expect(full([2], 7).dtype).toBe("int64");
    expect(full([2], 0.5).tolist()).toEqual([0.5, 0.5]);
    expect(arange(4).tolist()).toEqual([0, 1, 2, 3]);
    expect(arange(0, 1, 0.25).tolist()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(zerosLike(tensor([[1.5]])).shape).toEqual([1, 1]);
  });

  it("item() needs exactly one element", () => {
    expect(() => tensor([1, 2]).item()).toThrow("a Tensor with 2 elements cannot be converted to Scalar");
  });

  it("random creation follows the seeded generator", () => {
    manualSeed(0);
    const a = rand([3]);
    manualSeed(0);
    expect(rand([3]).tolist()).toEqual(a.tolist());
    const r = randint(0, 10, [100]);
    expect(r.dtype).toBe("int64");
    expect((r.tolist() as number[]).every((v) => v >= 0 && v < 10)).toBe(true);
    expect([...(randperm(5, { generator: new Generator().manualSeed(1) }).tolist() as number[])].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe("ops on tensors", () => {
  it("reproduces the seed's shape examples", () => {
    const ref = loadFixture<{ shape_ops: Record<string, RefTensor> }>("appendix-a.json").shape_ops;
    const t2 = tensor([[1, 2, 3], [4, 5, 6]]);
    const flat = (t: Tensor): bigint[] => Array.from(t.data as BigInt64Array);
    expect(flat(t2.reshape(3, 2))).toEqual(ref["reshape(3,2)"]!.data.map((v) => BigInt(v as number)));
    expect(flat(t2.T)).toEqual(ref["T"]!.data.map((v) => BigInt(v as number)));
    expect(flat(t2.matmul(t2.T))).toEqual(ref["matmul(T)"]!.data.map((v) => BigInt(v as number)));
  });

  it("names both shapes when matmul cannot multiply", () => {
    expect(() => ones([5, 7]).matmul(ones([6, 3]))).toThrow(/\[5, 7\] and \[6, 3\].*5x7 and 6x3/);
  });

  it("names both shapes when broadcasting fails", () => {
    expect(() => ones([3]).add(ones([4]))).toThrow("shapes [3] and [4] do not broadcast");
  });

  it("compares, reduces and indexes", () => {
    const t = tensor([[1.5, -2], [3, 0.5]]);
    expect(t.gt(1).tolist()).toEqual([[true, false], [true, false]]);
    expect(t.argmax(1).tolist()).toEqual([0, 0]);
    expect(t.max(0).indices.tolist()).toEqual([1, 1]);
    expect(t.index(tensor([1, 1, 0])).tolist()).toEqual([[3, 0.5], [3, 0.5], [1.5, -2]]);
    expect(t.sum().item()).toBe(3);
    expect(tensor([1, 2]).div(tensor([2, 4])).dtype).toBe("float32");
    expect(t.permute(1, 0).tolist()).toEqual([[1.5, 3], [-2, 0.5]]);
    expect(t.unsqueeze(0).shape).toEqual([1, 2, 2]);
  });
});

describe("SharedArrayBuffer storage", () => {
  it("crosses to a worker thread without a copy", async () => {
    const t = fromTypedArray(new Float32Array([1, 2, 3, 4]), [2, 2]);
    const shared: SharedTensor = t.toShared();
    // the worker doubles the values in place; the main thread sees it in the same memory
    const worker = new Worker(
      `const { parentPort, workerData } = require("node:worker_threads");
       const view = new Float32Array(workerData.buffer, workerData.byteOffset, 4);
       for (let i = 0; i < 4; i++) view[i] *= 2;
       parentPort.postMessage(workerData);`,
      { eval: true, workerData: shared },
    );
    const back = await new Promise<SharedTensor>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    expect(t.tolist()).toEqual([[2, 4], [6, 8]]);
    const rebuilt = Tensor.fromShared(back);
    expect(rebuilt.shape).toEqual([2, 2]);
    rebuilt.data[0] = 10;
    expect(t.tolist()).toEqual([[10, 4], [6, 8]]);
  });
});
