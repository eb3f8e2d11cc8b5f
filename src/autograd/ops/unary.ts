import { kernels, type Tensor } from "../../tensor/index.js";
import { record } from "../node.js";
import { erf } from "./erf.js";

// Each activation's backward is one fused elementwise pass over what the forward saved.
const { unaryFloat, zipFloat } = kernels;

export function exp(a: Tensor): Tensor {
  const out = unaryFloat(a, Math.exp);
  return record(out, "ExpBackward0", [a], (g) => [zipFloat(g, out, (d, y) => d * y)]);
}

export function log(a: Tensor): Tensor {
  const out = unaryFloat(a, Math.log);
  return record(out, "LogBackward0", [a], (g) => [zipFloat(g, a, (d, v) => d / v)]);
}

export function sqrt(a: Tensor): Tensor {
  const out = unaryFloat(a, Math.sqrt);
  return record(out, "SqrtBackward0", [a], (g) => [zipFloat(g, out, (d, y) => d / (2 * y))]);
}

export function abs(a: Tensor): Tensor {
  const out = unaryFloat(a, Math.abs);
  return record(out, "AbsBackward0", [a], (g) => [zipFloat(g, a, (d, v) => d * Math.sign(v))]);
}

export function tanh(a: Tensor): Tensor {
  const out = unaryFloat(a, Math.tanh);
  return record(out, "TanhBackward0", [a], (g) => [zipFloat(g, out, (d, y) => d * (1 - y * y))]);
}

export function sigmoid(a: Tensor): Tensor {
  const out = unaryFloat(a, (v) => 1 / (1 + Math.exp(-v)));
  return record(out, "SigmoidBackward0", [a], (g) => [zipFloat(g, out, (d, y) => d * y * (1 - y))]);
}

export function relu(a: Tensor): Tensor {
  const out = kernels.reluForward(a);
  return record(out, "ReluBackward0", [a], (g) => [kernels.reluBackward(g, out)]);
}

export function leakyRelu(a: Tensor, negativeSlope = 0.01): Tensor {
  const out = unaryFloat(a, (v) => (v > 0 ? v : v * negativeSlope));
  return record(out, "LeakyReluBackward0", [a], (g) => [zipFloat(g, a, (d, v) => (v > 0 ? d : d * negativeSlope))]);
}

export type GeluApproximate = "none" | "tanh";

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const K_BETA = Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5;
const K_KAPPA = 0.044715;

/** GELU, exact (erf) or with PyTorch's tanh approximation; gradients follow PyTorch's formulas. */
export function gelu(a: Tensor, approximate: GeluApproximate = "none"): Tensor {
  if (approximate === "tanh") {
    const out = unaryFloat(a, (x) => 0.5 * x * (1 + Math.tanh(K_BETA * (x + K_KAPPA * x * x * x))));
    return record(out, "GeluBackward0", [a], (g) => [
      zipFloat(g, a, (d, x) => {
        const t = Math.tanh(K_BETA * (x + K_KAPPA * x * x * x));
        const inner = K_BETA * (1 + 3 * K_KAPPA * x * x);
        return d * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * inner);
      }),
    ]);
  }
  if (approximate !== "none") throw new RangeError(`approximate argument must be either none or tanh, got ${String(approximate)}`);
  const out = unaryFloat(a, (x) => 0.5 * x * (1 + erf(x * SQRT1_2)));
  return record(out, "GeluBackward0", [a], (g) => [
    zipFloat(g, a, (d, x) => d * (0.5 * (1 + erf(x * SQRT1_2)) + x * Math.exp(-0.5 * x * x) * INV_SQRT_2PI)),
  ]);
}
