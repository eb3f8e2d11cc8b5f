import type { Generator, Tensor } from "../../tensor/index.js";
import { Module } from "../module.js";
import { Sequential } from "./container.js";
import { Dropout } from "./misc.js";

/**
 * The seed's NeuralNetwork: an `nn.Sequential` of layers registered as "layers", so its state-dict
 * keys (`layers.0.weight`, ...) and repr are PyTorch's for the same class.
 */
export class NeuralNetwork extends Module {
  readonly layers: Sequential;

  constructor(layers: Sequential | Module[]) {
    super();
    this.layers = this.registerModule("layers", layers instanceof Sequential ? layers : new Sequential(...layers));
  }

  forward(x: Tensor): Tensor {
    return this.layers.forward(x);
  }

  /** Makes every Dropout layer draw its masks from `generator` from now on. */
  setDropoutGenerator(generator: Generator): this {
    for (const m of this.modules()) if (m instanceof Dropout) m.generator = generator;
    return this;
  }
}
