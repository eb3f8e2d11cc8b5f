import { defaultGenerator, Generator, randomInt64 } from "../tensor/index.js";
import { defaultCollate, type Collated } from "./collate.js";
import type { DatasetLike } from "./dataset.js";
import { BatchSampler, RandomSampler, SequentialSampler } from "./sampler.js";

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (a positive integer; default 1). */
  batchSize?: number;
  /** Reshuffle at every epoch (a `RandomSampler`); default false (a `SequentialSampler`). */
  shuffle?: boolean;
  /** Drop the last batch when it would be smaller than `batchSize`; default false. */
  dropLast?: boolean;
  /**
   * PyTorch's `generator=`: the generator of every draw the loader makes (the per-epoch base seed and,
   * with `shuffle`, the permutations). Without one those draws come from the global generator.
   */
  generator?: Generator;
  /** Merges a list of samples into a batch; default `defaultCollate`. */
  collateFn?: (samples: T[]) => B;
}

export interface EpochOptions {
  /**
   * Batches of the epoch to skip: they are neither fetched nor collated, but every random draw the
   * skipped part of the epoch made is accounted for (see `DataLoader.iterEpoch`), so the batches that
   * follow are those of an uninterrupted epoch. 0 <= skipBatches <= loader.length; default 0.
   */
  skipBatches?: number;
  /**
   * The state `loader.epochGenerator` had when the interrupted epoch began (its iterator's
   * `epochStartState`). When given, the draws of the skipped part are replayed on a private copy of
   * that state and the live generator is expected to be in its checkpoint state (see `iterEpoch`).
   */
  epochStartState?: Uint8Array;
}

/**
 * One epoch of a DataLoader: what `iter(loader)` returns in PyTorch (`_SingleProcessDataLoaderIter`).
 * Creating it drew the base seed; the sampler draws at the first `next()`.
 */
export class DataLoaderIterator<B> implements IterableIterator<B> {
  /** The worker base seed PyTorch draws at `iter()` (unused without worker processes, but drawn). */
  readonly baseSeed: bigint;
  /** The number of batches of the whole epoch (skipped ones included): `len(iterator)`. */
  readonly length: number;
  /**
   * `loader.epochGenerator.getState()` from just before this epoch's first draw (for a resumed epoch:
   * the state it was resumed from). Keep it with a checkpoint to resume this epoch (see `iterEpoch`).
   */
  readonly epochStartState: Uint8Array;
  private order: Int32Array | null = null;
  private position: number;
  private pastEndDrawn = false;
  private finished = false;
  /** The batch position at which the sampler is advanced past its end (see `next`). */
  private readonly pastEndAt: number;
  /** Batches skipped at the start; draws belonging to them go to `replay` when there is one. */
  private readonly skipped: number;
  private readonly replay: Generator | null;

  /** @internal Made by `DataLoader[Symbol.iterator]` and `DataLoader.iterEpoch`. */
  constructor(
    private readonly loader: DataLoader<unknown, B>,
    skipBatches = 0,
    startState?: Uint8Array,
  ) {
    const n = loader.dataset.length;
    const size = loader.batchSize;
    this.length = loader.length;
    this.position = skipBatches;
    this.skipped = skipBatches;
    // PyTorch's BatchSampler pulls one index past the end while filling a short last batch (no
    // drop_last); otherwise only in the next() that ends the epoch.
    this.pastEndAt = !loader.dropLast && n % size !== 0 ? this.length - 1 : this.length;
    const live = loader.epochGenerator;
    if (startState === undefined) {
      this.epochStartState = live.getState();
      this.replay = null;
      this.baseSeed = randomInt64(live);
    } else {
      this.epochStartState = Uint8Array.from(startState);
      this.replay = new Generator().setState(startState);
      this.baseSeed = randomInt64(this.replay);
    }
  }

  /** Batches produced or skipped so far: an epoch checkpointed now resumes with `skipBatches: batchesDone`. */
  get batchesDone(): number {
    return this.position;
  }

  next(): IteratorResult<B> {
    if (this.finished) return { done: true, value: undefined };
    const loader = this.loader;
    const sampler = loader.sampler;
    // Draws belonging to batch positions before `skipped` were made before the checkpoint: with a
    // start state they are replayed on the private copy, otherwise on the (restored) live generator.
    const replay = this.replay;
    if (this.order === null) {
      this.order = sampler.drawOrder(replay !== null && this.skipped > 0 ? replay : undefined);
    }
    const b = this.position;
    if (!this.pastEndDrawn && b >= this.pastEndAt) {
      this.pastEndDrawn = true;
      if (replay === null || this.pastEndAt >= this.skipped) sampler.drawPastEnd();
    }
    if (b >= this.length) {
      this.finished = true;
      this.order = null;
      return { done: true, value: undefined };
    }
    this.position = b + 1;
    const size = loader.batchSize;
    const start = b * size;
    const indices = this.order.subarray(start, Math.min(start + size, this.order.length));
    return { done: false, value: loader.fetch(indices) };
  }

  /** Stops the epoch early (what `break` in a for-of does); no further draws are made. */
  return(): IteratorResult<B> {
    this.finished = true;
    this.order = null;
    return { done: true, value: undefined };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * PyTorch's `torch.utils.data.DataLoader` for map-style datasets, single process
 * (`num_workers=0`), reproducing PyTorch 1.13's random draws exactly:
 *
 * - every epoch (`[Symbol.iterator]()`, i.e. `iter(loader)`) first draws a base seed,
 *   `randomInt64(generator ?? defaultGenerator)` — even when `shuffle` is false;
 * - with `shuffle`, at the epoch's first `next()` the `RandomSampler` draws its permutation: without a
 *   `generator`, a seed `randomInt64(defaultGenerator)` for a fresh generator that runs `randperm(n)`;
 *   with one, `randperm(n, generator)` — and, when the epoch is run to its end, a second, discarded
 *   `randperm(n, generator)` (see `RandomSampler`).
 *
 * Batches are collated with `defaultCollate` (or `collateFn`); datasets with a `getBatch` fast path
 * (`TensorDataset`) are gathered with one copy per field instead.
 *
 * ```ts
 * const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 32, shuffle: true });
 * for (const [xb, yb] of loader) { ... }   // one epoch per for-of
 * ```
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly dataset: DatasetLike<T>;
  readonly batchSize: number;
  readonly dropLast: boolean;
  readonly generator: Generator | undefined;
  readonly sampler: SequentialSampler | RandomSampler;
  readonly batchSampler: BatchSampler;
  readonly collateFn: (samples: T[]) => B;
  private readonly fastBatch: ((indices: Int32Array) => B) | null;

  constructor(dataset: DatasetLike<T>, options: DataLoaderOptions<T, B> = {}) {
    const { batchSize = 1, shuffle = false, dropLast = false, generator, collateFn } = options;
    this.dataset = dataset;
    this.generator = generator;
    this.sampler = shuffle ? new RandomSampler(dataset, generator ? { generator } : {}) : new SequentialSampler(dataset);
    this.batchSampler = new BatchSampler(this.sampler, batchSize, dropLast); // validates batchSize, dropLast
    this.batchSize = batchSize;
    this.dropLast = dropLast;
    this.collateFn = collateFn ?? (defaultCollate as unknown as (samples: T[]) => B);
    this.fastBatch =
      collateFn === undefined && typeof dataset.getBatch === "function"
        ? (dataset.getBatch.bind(dataset) as (indices: Int32Array) => B)
        : null;
  }

  /** The number of batches per epoch: `len(loader)`. */
  get length(): number {
    return this.batchSampler.length;
  }

  len(): number {
    return this.length;
  }

  /**
   * The generator every draw of this loader comes from: `generator` if one was given, else the global
   * `defaultGenerator` (see `iterEpoch` for resuming an epoch).
   */
  get epochGenerator(): Generator {
    return this.generator ?? defaultGenerator;
  }

  /** One epoch: PyTorch's `iter(loader)`. Draws the base seed now, the shuffle at the first `next()`. */
  [Symbol.iterator](): DataLoaderIterator<B> {
    return new DataLoaderIterator(this as DataLoader<unknown, B>);
  }

  /**
   * One epoch, like `[Symbol.iterator]()` (the same draws, in the same order and at the same batch
   * positions), optionally starting after its first `skipBatches` batches: for resuming an epoch that
   * was interrupted by a checkpoint. Skipping fetches and collates nothing; the permutation is drawn
   * as usual and the iterator starts at batch `skipBatches`.
   *
   * What to keep in a checkpoint taken after `it.batchesDone` batches of epoch iterator `it`:
   * `it.batchesDone`, and either of
   *
   * 1. the epoch's start state only — restore it, then call `iterEpoch({ skipBatches })`:
   *    ```ts
   *    loader.epochGenerator.setState(it.epochStartState);          // saved with the checkpoint
   *    for (const batch of loader.iterEpoch({ skipBatches: batchesDone })) { ... }
   *    ```
   *    Every draw of the epoch is made again on the live generator, so the rest of the epoch and the
   *    generator state afterwards match an uninterrupted run, provided nothing else drew from that
   *    generator during the skipped batches (no dropout on the global generator, say);
   *
   * 2. or the live generator state at the checkpoint as well — restore that one and pass the start
   *    state:
   *    ```ts
   *    loader.epochGenerator.setState(stateAtCheckpoint);
   *    for (const batch of loader.iterEpoch({ skipBatches: batchesDone, epochStartState })) { ... }
   *    ```
   *    The draws the loader made before the checkpoint are replayed on a private copy of
   *    `epochStartState` (to recover the permutation), and only the draws it makes after batch
   *    `skipBatches` go to the live generator: exact even when other code (dropout, ...) drew from
   *    the same generator in between.
   */
  iterEpoch(options: EpochOptions = {}): DataLoaderIterator<B> {
    const skip = options.skipBatches ?? 0;
    if (!Number.isInteger(skip) || skip < 0 || skip > this.length) {
      throw new RangeError(`skipBatches must be an integer in [0, ${this.length}], got ${skip}`);
    }
    return new DataLoaderIterator(this as DataLoader<unknown, B>, skip, options.epochStartState);
  }

  /** @internal The batch of samples `indices` (a view into the epoch's order). */
  fetch(indices: Int32Array): B {
    if (this.fastBatch !== null) return this.fastBatch(indices);
    const samples = new Array<T>(indices.length);
    for (let j = 0; j < indices.length; j++) samples[j] = this.dataset.getItem(indices[j]!);
    return this.collateFn(samples);
  }
}
