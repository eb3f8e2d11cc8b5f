import type { Tensor } from "../../tensor/index.js";
import { Module } from "../module.js";

/** Modules applied in order; children are named "0", "1", ... as in PyTorch. */
export class Sequential extends Module {
  private readonly layers: Module[];

  constructor(...modules: Module[]) {
    super();
    this.layers = modules;
    modules.forEach((m, i) => this.registerModule(String(i), m));
  }

  get length(): number {
    return this.layers.length;
  }

  /** The i-th module (negative counts from the end). */
  at(index: number): Module {
    const m = this.layers.at(index);
    if (m === undefined) throw new RangeError(`index ${index} is out of range for Sequential of length ${this.layers.length}`);
    return m;
  }

  [Symbol.iterator](): IterableIterator<Module> {
    return this.layers[Symbol.iterator]();
  }

  forward(input: Tensor): Tensor {
    let x = input;
    for (const m of this.layers) x = m.forward(x);
    return x;
  }
}
