import { linearRelu } from "../../autograd/index.js";
import type { Tensor } from "../../tensor/index.js";
import { Module } from "../module.js";
import { ReLU } from "./activation.js";
import { Linear } from "./linear.js";

/** True for a module that is exactly `cls` (a subclass may override `forward`). */
function exactly(m: Module | undefined, cls: abstract new (...args: never[]) => Module): boolean {
  return m !== undefined && Object.getPrototypeOf(m) === cls.prototype;
}

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

  /**
   * Applies the modules in order. A Linear directly followed by a ReLU runs as `linearRelu`: one
   * product with the bias and the ReLU in its epilogue when no graph is recorded, and otherwise
   * the same two ops (and graph nodes) as calling them one after the other.
   */
  forward(input: Tensor): Tensor {
    let x = input;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const m = layers[i]!;
      if (exactly(m, Linear) && exactly(layers[i + 1], ReLU)) {
        const lin = m as Linear;
        x = linearRelu(x, lin.weight, lin.bias);
        i++;
      } else {
        x = m.forward(x);
      }
    }
    return x;
  }
}
