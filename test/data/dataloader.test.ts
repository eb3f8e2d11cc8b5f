import { describe, expect, it } from "vitest";
import {
  DataLoader,
  Dataset,
  RandomSampler,
  SequentialSampler,
  TensorDataset,
  type DataLoaderOptions,
} from "../../src/data/index.js";
import {
  arange,
  defaultGenerator,
  fromTypedArray,
  Generator,
  manualSeed,
  rand,
  randn,
  tensor,
  Tensor,
} from "../../src/tensor/index.js";

const ids = (t: Tensor): number[] => Array.from(t.data as BigInt64Array, Number);
const values = (t: Tensor): unknown[] => Array.from(t.data as ArrayLike<unknown>);
const rand3 = (g?: Generator): number[] => Array.from(rand([3], g ? { generator: g } : {}).data as Float32Array);
const indexLoader = (n: number, options: DataLoaderOptions<[Tensor], [Tensor]> = {}): DataLoader<[Tensor]> =>
  new DataLoader(new TensorDataset(arange(n)), options);

describe("DataLoader options", () => {
  it("validates batchSize with PyTorch's message", () => {
    const ds = new TensorDataset(arange(4));
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(
      "batch_size should be a positive integer value, but got batch_size=0",
    );
    expect(() => new DataLoader(ds, { batchSize: 2.5 })).toThrow("but got batch_size=2.5");
  });

  it("defaults: batch size 1, sequential, keep the last batch, the global generator", () => {
    const loader = indexLoader(3);
    expect(loader.batchSize).toBe(1);
    expect(loader.dropLast).toBe(false);
    expect(loader.sampler).toBeInstanceOf(SequentialSampler);
    expect(loader.epochGenerator).toBe(defaultGenerator);
    expect([...loader].map(([b]) => ids(b))).toEqual([[0], [1], [2]]);
    const g = new Generator();
    const shuffled = indexLoader(3, { shuffle: true, generator: g });
    expect(shuffled.sampler).toBeInstanceOf(RandomSampler);
    expect(shuffled.epochGenerator).toBe(g);
  });

  it("length is the number of batches, with and without dropLast", () => {
    expect(indexLoader(10, { batchSize: 3 }).length).toBe(4);
    expect(indexLoader(10, { batchSize: 3, dropLast: true }).length).toBe(3);
    expect(indexLoader(9, { batchSize: 3 }).length).toBe(3);
    expect(indexLoader(9, { batchSize: 3, dropLast: true }).length).toBe(3);
    expect(indexLoader(2, { batchSize: 3, dropLast: true }).len()).toBe(0);
    expect(indexLoader(20000, { batchSize: 64, shuffle: true }).length).toBe(313);
    expect(indexLoader(20000, { batchSize: 64, shuffle: true, dropLast: true }).length).toBe(312);
  });

  it("sequential batches, the last one short unless dropLast", () => {
    expect([...indexLoader(7, { batchSize: 3 })].map(([b]) => ids(b))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect([...indexLoader(7, { batchSize: 3, dropLast: true })].map(([b]) => ids(b))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });

  it("every iteration is a new epoch with a new shuffle of all samples", () => {
    manualSeed(0);
    const loader = indexLoader(100, { batchSize: 16, shuffle: true });
    const a = [...loader].flatMap(([b]) => ids(b));
    const b = [...loader].flatMap(([b]) => ids(b));
    expect(a).not.toEqual(b);
    expect([...a].sort((p, q) => p - q)).toEqual([...Array(100).keys()]);
    expect([...b].sort((p, q) => p - q)).toEqual([...Array(100).keys()]);
  });

  it("an empty dataset cannot be shuffled; unshuffled it gives no batches", () => {
    expect(() => indexLoader(0, { shuffle: true })).toThrow("num_samples should be a positive integer value");
    expect([...indexLoader(0)]).toEqual([]);
  });
});

describe("DataLoader batches", () => {
  const X = fromTypedArray(Float32Array.from([-1.2, 3.1, -0.9, 2.9, -0.5, 2.6, 2.3, -1.1, 2.7, -1.5]), [5, 2]);
  const y = tensor([0, 0, 0, 1, 1]);

  class ToyDataset extends Dataset<[Tensor, Tensor]> {
    constructor(
      readonly features: Tensor,
      readonly labels: Tensor,
    ) {
      super();
    }
    get length(): number {
      return this.labels.shape[0]!;
    }
    getItem(i: number): [Tensor, Tensor] {
      return new TensorDataset(this.features, this.labels).getItem(i) as [Tensor, Tensor];
    }
  }

  it("TensorDataset batches: [N, ...] features and int64 labels as a 1-d batch", () => {
    const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 2 });
    const batches = [...loader];
    expect(batches.length).toBe(3);
    const [xb, yb] = batches[0]!;
    expect(xb.shape).toEqual([2, 2]);
    expect(xb.dtype).toBe("float32");
    expect(values(xb)).toEqual(values(X).slice(0, 4));
    expect(yb.shape).toEqual([2]);
    expect(yb.dtype).toBe("int64");
    expect(batches[2]![0].shape).toEqual([1, 2]);
  });

  it("a custom Dataset subclass goes through default collation and matches the TensorDataset fast path", () => {
    for (const dropLast of [false, true]) {
      manualSeed(123);
      const custom = [...new DataLoader(new ToyDataset(X, y), { batchSize: 2, shuffle: true, dropLast })];
      manualSeed(123);
      const fast = [...new DataLoader(new TensorDataset(X, y), { batchSize: 2, shuffle: true, dropLast })];
      expect(custom.length).toBe(fast.length);
      custom.forEach(([xb, yb], i) => {
        const [fx, fy] = fast[i]!;
        expect(xb.shape).toEqual(fx.shape);
        expect(yb.shape).toEqual(fy.shape);
        expect(yb.dtype).toBe("int64");
        expect(values(xb)).toEqual(values(fx));
        expect(values(yb)).toEqual(values(fy));
      });
    }
  });

  it("collates dict samples and plain numbers", () => {
    class Dicts extends Dataset<{ x: number; name: string }> {
      readonly length = 5;
      getItem(i: number) {
        return { x: i * 0.5, name: `s${i}` };
      }
    }
    const batches = [...new DataLoader(new Dicts(), { batchSize: 2 })];
    expect(batches.length).toBe(3);
    expect(batches[0]!.x.dtype).toBe("float64");
    expect(values(batches[1]!.x)).toEqual([1, 1.5]);
    expect(batches[2]!.name).toEqual(["s4"]);
  });

  it("a custom collateFn replaces default collation (and the fast path)", () => {
    const loader = new DataLoader(new TensorDataset(X, y), {
      batchSize: 2,
      collateFn: (samples) => samples.map(([, label]) => Number(label.itemBigInt())),
    });
    expect([...loader]).toEqual([[0, 0], [0, 1], [1]]);
  });

  it("every batch is a fresh copy: writing to one changes neither the others nor the dataset", () => {
    const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 2 });
    const first = [...loader];
    const second = [...loader];
    const before = values(X);
    for (const [xb, yb] of first) {
      (xb.data as Float32Array).fill(99);
      (yb.data as BigInt64Array).fill(7n);
    }
    expect(values(X)).toEqual(before);
    expect(values(y)).toEqual([0n, 0n, 0n, 1n, 1n]);
    expect(second.flatMap(([xb]) => values(xb))).toEqual(before);
    expect(second.flatMap(([, yb]) => values(yb))).toEqual([0n, 0n, 0n, 1n, 1n]);
  });

  it("big batches (over the slab threshold) work the same", () => {
    const big = randn([300, 100]); // 400 bytes per row: batches of 128 rows are 51 KiB
    const loader = new DataLoader(new TensorDataset(big), { batchSize: 128 });
    const rows = [...loader].flatMap(([xb]) => values(xb));
    expect(rows).toEqual(values(big));
  });
});

describe("resuming an epoch", () => {
  interface Run {
    batches: number[][];
    randAfter: number[];
    genRandAfter: number[];
  }

  /**
   * Runs epoch 2 of a loader, optionally calling `noise` (draws from the global generator, as dropout
   * does) after every batch; checkpoints after `k` batches: the epoch iterator's start state and the
   * live states of both generators.
   */
  function original(cfg: Config, k: number, noise: boolean) {
    manualSeed(cfg.seed);
    const own = cfg.own ? new Generator().manualSeed(99) : undefined;
    const loader = indexLoader(cfg.n, { batchSize: cfg.batchSize, shuffle: cfg.shuffle, dropLast: cfg.dropLast, generator: own });
    [...loader]; // epoch 1
    const it = loader[Symbol.iterator]();
    const batches: number[][] = [];
    let checkpoint: { start: Uint8Array; global: Uint8Array; own: Uint8Array | undefined; done: number } | undefined;
    const save = () =>
      (checkpoint = { start: it.epochStartState, global: defaultGenerator.getState(), own: own?.getState(), done: it.batchesDone });
    if (k === 0) save();
    for (const [b] of it) {
      batches.push(ids(b));
      if (noise) rand([2]);
      if (it.batchesDone === k) save();
    }
    if (checkpoint === undefined) throw new Error("no checkpoint");
    const run: Run = { batches, randAfter: rand3(), genRandAfter: own ? rand3(own) : [] };
    return { run, checkpoint, ownSeeded: cfg.own };
  }

  interface Config {
    seed: number;
    n: number;
    batchSize: number;
    shuffle: boolean;
    dropLast: boolean;
    own: boolean;
  }

  const configs: Config[] = [];
  for (const own of [false, true])
    for (const dropLast of [false, true])
      for (const [n, batchSize] of [
        [10, 4],
        [12, 4],
      ] as const)
        configs.push({ seed: 5, n, batchSize, shuffle: true, dropLast, own });
  configs.push({ seed: 6, n: 7, batchSize: 3, shuffle: false, dropLast: false, own: false });
  configs.push({ seed: 6, n: 7, batchSize: 3, shuffle: false, dropLast: false, own: true });

  for (const cfg of configs) {
    const label = `n=${cfg.n} batch=${cfg.batchSize} shuffle=${cfg.shuffle} dropLast=${cfg.dropLast} ${cfg.own ? "own" : "global"} generator`;

    it(`restoring the epoch's start state + skipBatches (${label})`, () => {
      const len = indexLoader(cfg.n, { batchSize: cfg.batchSize, dropLast: cfg.dropLast }).length;
      for (let k = 0; k <= len; k++) {
        const { run, checkpoint } = original(cfg, k, false);
        // a later process: fresh generators in unrelated states
        manualSeed(777);
        const own = cfg.own ? new Generator().manualSeed(1) : undefined;
        const loader = indexLoader(cfg.n, { batchSize: cfg.batchSize, shuffle: cfg.shuffle, dropLast: cfg.dropLast, generator: own });
        // the global generator is the loader's own only without `own`; otherwise it is restored as is
        if (own) defaultGenerator.setState(checkpoint.global);
        loader.epochGenerator.setState(checkpoint.start);
        const it = loader.iterEpoch({ skipBatches: checkpoint.done });
        expect(it.batchesDone).toBe(k);
        const rest = [...it].map(([b]) => ids(b));
        expect(rest).toEqual(run.batches.slice(k));
        expect(rand3()).toEqual(run.randAfter);
        if (own) expect(rand3(own)).toEqual(run.genRandAfter);
      }
    });

    it(`restoring the live states + epochStartState, with other draws in between (${label})`, () => {
      const len = indexLoader(cfg.n, { batchSize: cfg.batchSize, dropLast: cfg.dropLast }).length;
      for (let k = 0; k <= len; k++) {
        const { run, checkpoint } = original(cfg, k, true);
        manualSeed(777);
        const own = cfg.own ? new Generator().manualSeed(1) : undefined;
        const loader = indexLoader(cfg.n, { batchSize: cfg.batchSize, shuffle: cfg.shuffle, dropLast: cfg.dropLast, generator: own });
        defaultGenerator.setState(checkpoint.global);
        if (own) own.setState(checkpoint.own!);
        const it = loader.iterEpoch({ skipBatches: checkpoint.done, epochStartState: checkpoint.start });
        const rest: number[][] = [];
        for (const [b] of it) {
          rest.push(ids(b));
          rand([2]);
        }
        expect(rest).toEqual(run.batches.slice(k));
        expect(rand3()).toEqual(run.randAfter);
        if (own) expect(rand3(own)).toEqual(run.genRandAfter);
      }
    });
  }

  it("iterEpoch() without options is an ordinary epoch", () => {
    manualSeed(9);
    const a = [...indexLoader(20, { batchSize: 6, shuffle: true })].map(([b]) => ids(b));
    const r = rand3();
    manualSeed(9);
    const b = [...indexLoader(20, { batchSize: 6, shuffle: true }).iterEpoch()].map(([b]) => ids(b));
    expect(b).toEqual(a);
    expect(rand3()).toEqual(r);
  });

  it("validates skipBatches", () => {
    const loader = indexLoader(10, { batchSize: 4 });
    expect(() => loader.iterEpoch({ skipBatches: 4 })).toThrow("skipBatches must be an integer in [0, 3], got 4");
    expect(() => loader.iterEpoch({ skipBatches: -1 })).toThrow(RangeError);
    expect(() => loader.iterEpoch({ skipBatches: 1.5 })).toThrow(RangeError);
  });

  it("the iterator reports its epoch length and progress; break stops all draws", () => {
    manualSeed(1);
    const own = new Generator().manualSeed(3);
    const loader = indexLoader(10, { batchSize: 4, shuffle: true, generator: own });
    const it = loader[Symbol.iterator]();
    expect(it.length).toBe(3);
    expect(it.batchesDone).toBe(0);
    it.next();
    expect(it.batchesDone).toBe(1);
    const state = own.getState();
    it.return();
    expect(it.next().done).toBe(true);
    expect(own.getState()).toEqual(state);
  });
});

describe("speed", () => {
  it("a 20,000-sample TensorDataset epoch costs a few microseconds per batch", () => {
    manualSeed(0);
    const X = randn([20000, 20]);
    const y = fromTypedArray(BigInt64Array.from({ length: 20000 }, (_, i) => BigInt(i % 3)), [20000]);
    const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 32, shuffle: true });
    for (let e = 0; e < 3; e++) for (const _ of loader) void _; // warm up
    const epochs = 5;
    const t0 = performance.now();
    let rows = 0;
    for (let e = 0; e < epochs; e++) for (const [xb] of loader) rows += xb.shape[0]!;
    const perBatchUs = ((performance.now() - t0) * 1000) / (epochs * loader.length);
    expect(rows).toBe(epochs * 20000);
    console.log(`DataLoader: ${perBatchUs.toFixed(2)} µs per batch of 32 x (20 float32 + int64 label), randperm included`);
    expect(perBatchUs).toBeLessThan(50); // generous: a loaded CI machine; typically a few µs
  });
});
