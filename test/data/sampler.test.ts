import { describe, expect, it } from "vitest";
import { BatchSampler, RandomSampler, SequentialSampler } from "../../src/data/index.js";
import { Generator, manualSeed, rand, randomInt64, randpermIndices } from "../../src/tensor/index.js";

const rand3 = (g?: Generator): number[] => Array.from(rand([3], g ? { generator: g } : {}).data as Float32Array);

describe("SequentialSampler", () => {
  it("yields 0..n-1 and has length n", () => {
    const s = new SequentialSampler({ length: 5 });
    expect([...s]).toEqual([0, 1, 2, 3, 4]);
    expect(s.length).toBe(5);
    expect(s.len()).toBe(5);
    expect([...new SequentialSampler(0)]).toEqual([]);
  });
});

describe("RandomSampler", () => {
  it("without a generator: seeds a fresh generator from the global one, at the first next()", () => {
    manualSeed(3);
    const it = new RandomSampler(10)[Symbol.iterator]();
    const between = rand3(); // drawn after the iterator exists but before its first next()
    const order: number[] = [];
    for (let r = it.next(); !r.done; r = it.next()) order.push(r.value);
    const after = rand3();

    manualSeed(3);
    expect(between).toEqual(rand3());
    const g = new Generator().manualSeed(randomInt64(skip3()));
    expect(order).toEqual(Array.from(randpermIndices(g, 10)));
    expect(after).toEqual(rand3()); // one int64 draw, nothing else, from the global generator
  });

  it("with a generator: randperm from it, plus a discarded randperm when run past the end", () => {
    const g = new Generator().manualSeed(42);
    const s = new RandomSampler({ length: 8 }, { generator: g });
    const first = [...s];
    const ref = new Generator().manualSeed(42);
    expect(first).toEqual(Array.from(randpermIndices(ref, 8)));
    randpermIndices(ref, 8);
    expect(rand3(g)).toEqual(rand3(ref));
  });

  it("two passes give two different permutations of 0..n-1", () => {
    manualSeed(0);
    const s = new RandomSampler(50);
    const a = [...s];
    const b = [...s];
    expect(a).not.toEqual(b);
    expect([...a].sort((p, q) => p - q)).toEqual([...Array(50).keys()]);
    expect([...b].sort((p, q) => p - q)).toEqual([...Array(50).keys()]);
  });

  it("rejects an empty data source, with PyTorch's message", () => {
    expect(() => new RandomSampler(0)).toThrow("num_samples should be a positive integer value, but got num_samples=0");
  });
});

/** Advances the global generator past the 3 floats of rand3 and returns it. */
function skip3(): Generator {
  const g = manualSeed(3);
  rand3();
  return g;
}

describe("BatchSampler", () => {
  it("groups indices, keeping or dropping the short last batch", () => {
    expect([...new BatchSampler(new SequentialSampler(10), 3, false)]).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expect([...new BatchSampler(new SequentialSampler(10), 3, true)]).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    expect(new BatchSampler(new SequentialSampler(10), 3, false).length).toBe(4);
    expect(new BatchSampler(new SequentialSampler(10), 3, true).length).toBe(3);
    expect(new BatchSampler(new SequentialSampler(9), 3, false).length).toBe(3);
  });

  it("validates batch_size and drop_last with PyTorch's messages", () => {
    const s = new SequentialSampler(4);
    expect(() => new BatchSampler(s, 0, false)).toThrow("batch_size should be a positive integer value, but got batch_size=0");
    expect(() => new BatchSampler(s, -2, false)).toThrow("but got batch_size=-2");
    expect(() => new BatchSampler(s, 1.5, false)).toThrow("but got batch_size=1.5");
    expect(() => new BatchSampler(s, 2, 1 as unknown as boolean)).toThrow("drop_last should be a boolean value, but got drop_last=1");
  });

  it("drives a RandomSampler with PyTorch's timing: the end-of-pass draw comes with a short last batch", () => {
    // n = 10, batch 4: the third batch is short, so filling it runs the sampler off its end
    const g = new Generator().manualSeed(12);
    const it = new BatchSampler(new RandomSampler(10, { generator: g }), 4, false)[Symbol.iterator]();
    const ref = new Generator().manualSeed(12);
    const perm = Array.from(randpermIndices(ref, 10));
    expect(it.next().value).toEqual(perm.slice(0, 4));
    expect(it.next().value).toEqual(perm.slice(4, 8));
    expect(it.next().value).toEqual(perm.slice(8));
    randpermIndices(ref, 10); // the discarded second permutation is already drawn
    expect(rand3(new Generator().setState(g.getState()))).toEqual(rand3(new Generator().setState(ref.getState())));
    expect(it.next().done).toBe(true);
    expect(rand3(g)).toEqual(rand3(ref)); // and nothing more at the end
  });
});
