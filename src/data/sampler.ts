import { defaultGenerator, Generator, randomInt64, randpermIndices } from "../tensor/index.js";

/** Anything with a number of samples: a dataset, or just the count. */
export type SizedSource = { readonly length: number } | number;

function sizeOf(source: SizedSource): number {
  return typeof source === "number" ? source : source.length;
}

/**
 * PyTorch's `Sampler`: an iterable over sample indices (or batches of them) with a length.
 * Iterating draws random numbers exactly when PyTorch's generator-based `__iter__` would: not when
 * the iterator is created, but at its first `next()`.
 */
export abstract class Sampler<T> implements Iterable<T> {
  abstract readonly length: number;
  abstract [Symbol.iterator](): Iterator<T>;

  /** `len(sampler)`. */
  len(): number {
    return this.length;
  }
}

/**
 * A sampler of single indices whose whole pass can be drawn at once. `[Symbol.iterator]` is the lazy,
 * PyTorch-faithful form; the DataLoader uses the two bulk methods (same draws, in the same order).
 */
export abstract class IndexSampler extends Sampler<number> {
  /**
   * Makes the draws PyTorch makes at the first `next()` of a pass and returns the pass's whole index
   * order (a fresh array the caller may keep). `source`, if given, is drawn from instead of the
   * generator the sampler would use (its own, or the global one): for replaying a pass elsewhere.
   */
  abstract drawOrder(source?: Generator): Int32Array;

  /** Makes the draws PyTorch makes when a pass is advanced past its last index (`source`: as above). */
  abstract drawPastEnd(source?: Generator): void;

  *[Symbol.iterator](): Iterator<number> {
    const order = this.drawOrder();
    for (let i = 0; i < order.length; i++) yield order[i]!;
    this.drawPastEnd();
  }
}

/** PyTorch's `SequentialSampler`: 0, 1, ..., n-1; draws nothing. */
export class SequentialSampler extends IndexSampler {
  constructor(readonly dataSource: SizedSource) {
    super();
  }

  get length(): number {
    return sizeOf(this.dataSource);
  }

  drawOrder(): Int32Array {
    const n = this.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }

  drawPastEnd(): void {}
}

export interface RandomSamplerOptions {
  /** Shuffle with this generator (advancing it); without one, each pass seeds a fresh generator. */
  generator?: Generator;
}

/**
 * PyTorch's `RandomSampler` (without replacement, `num_samples = len(data_source)`): each pass is
 * `randperm(n)`, drawn at the pass's first `next()`.
 *
 * - Without a generator: the pass draws a seed from the global generator
 *   (`torch.empty((), dtype=torch.int64).random_()`, i.e. `randomInt64(defaultGenerator)`) and shuffles
 *   with a fresh `Generator` seeded with it.
 * - With a generator: `randperm(n, generator)` directly. PyTorch's `__iter__` then computes a second
 *   `randperm(n, generator)` (sliced to zero elements: `num_samples % n` of them) when the pass is
 *   advanced past its end, so a fully consumed pass advances the generator by two permutations' worth
 *   of draws (2 * (n - 1) 32-bit outputs). `drawPastEnd` reproduces that.
 */
export class RandomSampler extends IndexSampler {
  readonly generator: Generator | undefined;

  constructor(
    readonly dataSource: SizedSource,
    options: RandomSamplerOptions = {},
  ) {
    super();
    this.generator = options.generator;
    const n = this.length;
    if (!Number.isInteger(n) || n <= 0) {
      throw new RangeError(`num_samples should be a positive integer value, but got num_samples=${n}`);
    }
  }

  get length(): number {
    return sizeOf(this.dataSource);
  }

  drawOrder(source?: Generator): Int32Array {
    const n = this.length;
    if (this.generator !== undefined) return randpermIndices(source ?? this.generator, n);
    const seed = randomInt64(source ?? defaultGenerator);
    return randpermIndices(new Generator().manualSeed(seed), n);
  }

  drawPastEnd(source?: Generator): void {
    // With a private generator the second randperm is unobservable: skip it.
    if (this.generator !== undefined) randpermIndices(source ?? this.generator, this.length);
  }
}

/** The batches `samples` samples make, as `len(BatchSampler)`: a last partial batch counts unless `dropLast`. */
export function batchCount(samples: number, batchSize: number, dropLast: boolean): number {
  return dropLast ? Math.floor(samples / batchSize) : Math.ceil(samples / batchSize);
}

/**
 * PyTorch's `BatchSampler`: groups the indices of `sampler` into lists of `batchSize` (the last one
 * shorter unless `dropLast`). Iterates lazily, pulling from the inner sampler exactly as PyTorch does,
 * so the inner sampler's draws happen at the same moments.
 */
export class BatchSampler extends Sampler<number[]> {
  constructor(
    readonly sampler: Iterable<number> & { readonly length: number },
    readonly batchSize: number,
    readonly dropLast: boolean,
  ) {
    super();
    if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${String(batchSize)}`);
    }
    if (typeof dropLast !== "boolean") {
      throw new RangeError(`drop_last should be a boolean value, but got drop_last=${String(dropLast)}`);
    }
  }

  get length(): number {
    const n = this.sampler.length;
    return batchCount(n, this.batchSize, this.dropLast);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    const size = this.batchSize;
    const it = this.sampler[Symbol.iterator]();
    if (this.dropLast) {
      for (;;) {
        const batch: number[] = [];
        while (batch.length < size) {
          const r = it.next();
          if (r.done) return;
          batch.push(r.value);
        }
        yield batch;
      }
    }
    let batch: number[] = [];
    for (let r = it.next(); !r.done; r = it.next()) {
      batch.push(r.value);
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}
