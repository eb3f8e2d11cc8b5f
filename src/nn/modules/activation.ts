import { gelu, leakyRelu, logSoftmax, relu, sigmoid, softmax, tanh, type GeluApproximate } from "../../autograd/index.js";
import type { Tensor } from "../../tensor/index.js";
import { Module } from "../module.js";
import { pyFloat } from "../repr.js";

export class ReLU extends Module {
  forward(input: Tensor): Tensor {
    return relu(input);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(input: Tensor): Tensor {
    return leakyRelu(input, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return sigmoid(input);
  }
}

export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return tanh(input);
  }
}

export class GELU extends Module {
  constructor(readonly approximate: GeluApproximate = "none") {
    super();
    if (approximate !== "none" && approximate !== "tanh") {
      throw new RangeError(`approximate argument must be either none or tanh, got ${String(approximate)}`);
    }
  }

  forward(input: Tensor): Tensor {
    return gelu(input, this.approximate);
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** Softmax along `dim`; PyTorch's default (null) picks dim 0 for 0-, 1- and 3-d inputs, else 1. */
function implicitDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

export class Softmax extends Module {
  constructor(readonly dim: number | null = null) {
    super();
  }

  forward(input: Tensor): Tensor {
    return softmax(input, this.dim ?? implicitDim(input.ndim));
  }

  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}

export class LogSoftmax extends Module {
  constructor(readonly dim: number | null = null) {
    super();
  }

  forward(input: Tensor): Tensor {
    return logSoftmax(input, this.dim ?? implicitDim(input.ndim));
  }

  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}
