/** The reference scripts' NeuralNetwork: any layer list held as `self.layers` (so state-dict keys are `layers.0.weight`, …). */
import { nn, type Tensor } from "../../src/index.js";

export class NeuralNetwork extends nn.Module {
  readonly layers: nn.Sequential;
  constructor(layers: nn.Module[]) {
    super();
    this.layers = this.registerModule("layers", new nn.Sequential(...layers));
  }
  forward(x: Tensor): Tensor {
    return this.layers.forward(x);
  }
}
