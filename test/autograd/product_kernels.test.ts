/**
 * matmul, linear and linear + ReLU on every float32 product kernel that works here, values and
 * gradients, against the same inputs in float64 (the TypeScript loops): shapes above the size at
 * which products leave TypeScript, with ragged edges. The PyTorch fixtures (ops.test.ts) are too
 * small to reach the WebAssembly or native kernels.
 */
import { describe, it } from "vitest";
import { grad, linear, linearRelu, matmul } from "../../src/autograd/index.js";
import { manualSeed, randn, type Tensor } from "../../src/index.js";
import { expectClose } from "../helpers/fixtures.js";
import { FLOAT32_GEMM_BACKENDS, withGemmBackend } from "../helpers/gemm_backends.js";

const CASES: Record<string, { shapes: number[][]; fn: (...xs: Tensor[]) => Tensor }> = {
  "matmul batched broadcast": { shapes: [[3, 17, 40], [40, 23]], fn: (a, b) => matmul(a!, b!) },
  "matmul 2d": { shapes: [[97, 33], [33, 70]], fn: (a, b) => matmul(a!, b!) },
  linear: { shapes: [[33, 70], [50, 70], [50]], fn: (x, w, b) => linear(x!, w!, b!) },
  "linear one row": { shapes: [[1, 300], [130, 300], [130]], fn: (x, w, b) => linear(x!, w!, b!) },
  "linear + relu": { shapes: [[64, 257], [31, 257], [31]], fn: (x, w, b) => linearRelu(x!, w!, b!) },
};

function inputs(shapes: number[][], dtype: "float32" | "float64"): Tensor[] {
  manualSeed(7);
  return shapes.map((s) => randn(s).to(dtype).detach().requiresGrad_());
}

describe.each(FLOAT32_GEMM_BACKENDS)("products on the %s kernel match float64", (backend) => {
  for (const [name, { shapes, fn }] of Object.entries(CASES)) {
    it(name, () => {
      const ref = inputs(shapes, "float64");
      const refOut = fn(...ref);
      const seed = randn(refOut.shape);
      const refGrads = grad(refOut, ref, { gradOutputs: [seed.to("float64")] });
      const xs = inputs(shapes, "float32");
      const [out, grads] = withGemmBackend(backend, () => {
        const y = fn(...xs);
        return [y, grad(y, xs, { gradOutputs: [seed] })] as const;
      });
      // float32 sums of up to 300 terms of unit size: 1e-5 relative plus 1e-4 absolute
      expectClose(out, refOut, 1e-5, 1e-4);
      grads.forEach((g, i) => expectClose(g!, refGrads[i]!, 1e-5, 1e-4));
    });
  }
});
