/**
 * DataLoader shuffle orders and generator states against PyTorch 1.13 (test/fixtures/data.json, made
 * by test/fixtures/generate_data.py, and the seed's toy loader from appendix-a.json).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DataLoader, TensorDataset } from "../../src/data/index.js";
import { arange, Generator, manualSeed, rand, tensor, type Tensor } from "../../src/tensor/index.js";

const load = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8"));

interface Summary {
  num_batches: number;
  first: number[][];
  last: number[];
  checksum: number;
  num_samples: number;
}

interface Case {
  name: string;
  seed: number;
  n: number;
  batch_size: number;
  shuffle: boolean;
  drop_last: boolean;
  generator_seed: number | null;
  length: number;
  summarized: boolean;
  epochs: number[][][] | Summary[];
  base_seeds: string[];
  rand_after: number[];
  gen_rand_after?: number[];
}

interface Partial {
  draw_between_iter_and_next: { seed: number; rand_between: number[]; epoch: number[][]; rand_after: number[] };
  iter_without_next: { seed: number; base_seed: string; rand_after: number[] };
  break_after_2_batches: { seed: number; first_epoch_partial: number[][]; second_epoch: number[][]; rand_after: number[] };
  break_after_2_batches_own_generator: {
    seed: number;
    generator_seed: number;
    first_epoch_partial: number[][];
    second_epoch: number[][];
    rand_after: number[];
    gen_rand_after: number[];
  };
  all_batches_without_final_next_own_generator: {
    seed: number;
    generator_seed: number;
    epoch: number[][];
    gen_rand_after: number[];
    gen_rand_after_final_next: number[];
  };
  all_batches_without_final_next_partial_last_own_generator: {
    seed: number;
    generator_seed: number;
    epoch: number[][];
    gen_rand_after: number[];
    gen_rand_after_final_next: number[];
  };
}

const fixture = load("data.json") as { torch_version: string; cases: Case[]; partial: Partial };

/** The loader of a case: TensorDataset(arange(n)), so each batch is its list of indices. */
function loaderOf(n: number, batchSize: number, shuffle: boolean, dropLast: boolean, generatorSeed: number | null) {
  const generator = generatorSeed === null ? undefined : new Generator().manualSeed(generatorSeed);
  const loader = new DataLoader(new TensorDataset(arange(n)), { batchSize, shuffle, dropLast, generator });
  return { loader, generator };
}

const ids = (t: Tensor): number[] => Array.from(t.data as BigInt64Array, Number);
const rand3 = (generator?: Generator): number[] => Array.from(rand([3], generator ? { generator } : {}).data as Float32Array);

describe("DataLoader draws match PyTorch 1.13", () => {
  it("fixture was made by PyTorch 1.13", () => {
    expect(fixture.torch_version.startsWith("1.13")).toBe(true);
  });

  for (const c of fixture.cases) {
    it(`${c.name}: batches of every epoch, base seeds, generator states afterwards`, () => {
      manualSeed(c.seed);
      const { loader, generator } = loaderOf(c.n, c.batch_size, c.shuffle, c.drop_last, c.generator_seed);
      expect(loader.length).toBe(c.length);
      c.epochs.forEach((expected, e) => {
        const it = loader[Symbol.iterator]();
        expect(it.baseSeed.toString()).toBe(c.base_seeds[e]);
        const batches = [...it].map(([b]) => ids(b));
        if (c.summarized) {
          const s = expected as Summary;
          const flat = batches.flat();
          expect(batches.length).toBe(s.num_batches);
          expect(flat.length).toBe(s.num_samples);
          expect(batches.slice(0, 2)).toEqual(s.first);
          expect(batches.at(-1)).toEqual(s.last);
          expect(flat.reduce((acc, v, i) => acc + (i + 1) * v, 0)).toBe(s.checksum);
        } else {
          expect(batches).toEqual(expected);
        }
      });
      expect(rand3()).toEqual(c.rand_after);
      if (c.gen_rand_after) expect(rand3(generator)).toEqual(c.gen_rand_after);
    });
  }

  it("the sampler draws at the first next(), not at iter()", () => {
    const p = fixture.partial.draw_between_iter_and_next;
    manualSeed(p.seed);
    const { loader } = loaderOf(10, 3, true, false, null);
    const it = loader[Symbol.iterator]();
    expect(rand3()).toEqual(p.rand_between);
    expect([...it].map(([b]) => ids(b))).toEqual(p.epoch);
    expect(rand3()).toEqual(p.rand_after);
  });

  it("iter() alone draws only the base seed", () => {
    const p = fixture.partial.iter_without_next;
    manualSeed(p.seed);
    const { loader } = loaderOf(10, 3, true, false, null);
    const it = loader[Symbol.iterator]();
    expect(it.baseSeed.toString()).toBe(p.base_seed);
    expect(rand3()).toEqual(p.rand_after);
  });

  it("breaking out of an epoch (global generator)", () => {
    const p = fixture.partial.break_after_2_batches;
    manualSeed(p.seed);
    const { loader } = loaderOf(10, 4, true, false, null);
    const first: number[][] = [];
    for (const [b] of loader) {
      first.push(ids(b));
      if (first.length === 2) break;
    }
    expect(first).toEqual(p.first_epoch_partial);
    expect([...loader].map(([b]) => ids(b))).toEqual(p.second_epoch);
    expect(rand3()).toEqual(p.rand_after);
  });

  it("breaking out of an epoch (loader's own generator: no end-of-epoch randperm)", () => {
    const p = fixture.partial.break_after_2_batches_own_generator;
    manualSeed(p.seed);
    const { loader, generator } = loaderOf(10, 4, true, false, p.generator_seed);
    const first: number[][] = [];
    for (const [b] of loader) {
      first.push(ids(b));
      if (first.length === 2) break;
    }
    expect(first).toEqual(p.first_epoch_partial);
    expect([...loader].map(([b]) => ids(b))).toEqual(p.second_epoch);
    expect(rand3()).toEqual(p.rand_after);
    expect(rand3(generator)).toEqual(p.gen_rand_after);
  });

  for (const key of [
    "all_batches_without_final_next_own_generator",
    "all_batches_without_final_next_partial_last_own_generator",
  ] as const) {
    it(`${key}: when the end-of-epoch randperm is drawn`, () => {
      const p = fixture.partial[key];
      const run = (finalNext: boolean): number[] => {
        manualSeed(p.seed);
        const { loader, generator } = loaderOf(10, p.epoch[0]!.length, true, false, p.generator_seed);
        const it = loader[Symbol.iterator]();
        const taken: number[][] = [];
        for (let i = 0; i < loader.length; i++) taken.push(ids((it.next().value as Tensor[])[0]!));
        expect(taken).toEqual(p.epoch);
        if (finalNext) expect(it.next().done).toBe(true);
        return rand3(generator);
      };
      expect(run(false)).toEqual(p.gen_rand_after);
      expect(run(true)).toEqual(p.gen_rand_after_final_next);
    });
  }
});

describe("the seed's toy loader (appendix-a.json)", () => {
  interface T {
    shape: number[];
    dtype: string;
    data: number[];
  }
  const toy = (load("appendix-a.json") as { toy_training: Record<string, unknown> }).toy_training;
  const X = toy.X_train as T;
  const y = toy.y_train as T;
  const expected = toy.loader_first_epoch_after_seed_123 as { x: T; y: T }[];

  it("gives PyTorch's first epoch right after manualSeed(123)", () => {
    const Xt = tensor(Float32Array.from(X.data)).reshape(X.shape);
    const yt = tensor(BigInt64Array.from(y.data.map(BigInt)));
    manualSeed(123);
    const loader = new DataLoader(new TensorDataset(Xt, yt), { batchSize: 2, shuffle: true, dropLast: true });
    const batches = [...loader];
    expect(batches.length).toBe(expected.length);
    batches.forEach(([xb, yb], i) => {
      const e = expected[i]!;
      expect(xb.dtype).toBe("float32");
      expect(xb.shape).toEqual(e.x.shape);
      expect(Array.from(xb.data as Float32Array)).toEqual(e.x.data);
      expect(yb.dtype).toBe("int64");
      expect(yb.shape).toEqual(e.y.shape);
      expect(ids(yb)).toEqual(e.y.data);
    });
  });
});
