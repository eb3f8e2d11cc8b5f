import { allocate } from "../tensor/index.js";

type Floats = Float32Array | Float64Array;

/**
 * Numbers read one at a time into a typed array that doubles when full: what a body's arrays
 * become when their length is known only at their end.
 */
export class Growing<A extends Floats> {
  /** The numbers so far are `values[0 .. length)`. */
  length = 0;
  private array: A;

  constructor(private readonly make: (length: number) => A) {
    this.array = make(1024);
  }

  /** The array to write the next `extra` numbers into, from `length`; the caller then adds `extra` to `length`. */
  reserve(extra: number): A {
    const need = this.length + extra;
    if (need > this.array.length) {
      const bigger = this.make(Math.max(need, 2 * this.array.length));
      bigger.set(this.array.subarray(0, this.length));
      this.array = bigger;
    }
    return this.array;
  }

  push(value: number): void {
    this.reserve(1)[this.length++] = value;
  }

  /** The numbers, in a view of no more than them. */
  values(): A {
    return this.array.subarray(0, this.length) as A;
  }

  /** The numbers as float32 tensor storage (shared memory of exactly their size). */
  toFloat32(): Float32Array {
    const out = allocate("float32", this.length) as Float32Array;
    out.set(this.values());
    return out;
  }
}
