import { Tensor } from "../tensor/index.js";

/** A tensor that a module owns as a learnable weight; it requires gradients by default. */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(data.data, data.shape, data.dtype);
    this.requiresGrad = requiresGrad;
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
