import { describe, expect, it } from "vitest";
import { batchNorm, grad } from "../../src/autograd/index.js";
import { storageVersion, Tensor } from "../../src/tensor/index.js";
import { expectClose, fromRef, loadFixture, type RefTensor } from "../helpers/fixtures.js";
import { gradcheck, sample } from "../helpers/gradcheck.js";

interface FunctionalCase {
  name: string;
  input: RefTensor;
  running_mean: RefTensor | null;
  running_var: RefTensor | null;
  weight: RefTensor | null;
  bias: RefTensor | null;
  training: boolean;
  momentum: number;
  eps: number;
  output: RefTensor;
  grad_fn: string;
  grad_output: RefTensor;
  grads: RefTensor[];
  running_mean_after: RefTensor | null;
  running_var_after: RefTensor | null;
}

const cases = loadFixture<{ functional: FunctionalCase[] }>("batchnorm.json").functional;

const TOL = { float64: [1e-12, 1e-13], float32: [1e-5, 1e-6] } as const;

describe("batchNorm matches PyTorch's F.batch_norm", () => {
  for (const c of cases) {
    for (const dtype of ["float64", "float32"] as const) {
      it(`${c.name} (${dtype})`, () => {
        const opt = (r: RefTensor | null, requiresGrad = false) => (r ? fromRef(r, { dtype, requiresGrad }) : null);
        const x = fromRef(c.input, { dtype, requiresGrad: true });
        const rm = opt(c.running_mean);
        const rv = opt(c.running_var);
        const w = opt(c.weight, true);
        const b = opt(c.bias, true);
        const out = batchNorm(x, rm, rv, w, b, c.training, c.momentum, c.eps);
        const [rtol, atol] = TOL[dtype];
        expectClose(out, c.output, rtol, atol);
        expect(out.gradFn?.name).toBe(c.grad_fn);
        const wrt = [x, ...(w && b ? [w, b] : [])];
        const grads = grad(out, wrt, { gradOutputs: [fromRef(c.grad_output, { dtype })] });
        grads.forEach((g, i) => expectClose(g!, c.grads[i]!, rtol, atol * 10));
        if (rm) expectClose(rm, c.running_mean_after!, rtol, atol);
        if (rv) expectClose(rv, c.running_var_after!, rtol, atol);
      });
    }
  }
});

describe("batchNorm", () => {
  const x = () => Tensor.empty([2, 3, 4]);

  it("checks its arguments with PyTorch's messages", () => {
    expect(() => batchNorm(Tensor.empty([1, 3]), null, null, null, null, true)).toThrow(
      "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])",
    );
    expect(() => batchNorm(x(), Tensor.empty([4]), Tensor.empty([3]), null, null, true)).toThrow("running_mean should contain 3 elements not 4");
    expect(() => batchNorm(x(), null, null, Tensor.empty([2]), null, true)).toThrow("weight should contain 3 elements not 2");
    expect(() => batchNorm(x(), null, null)).toThrow("running_mean must be defined in the evaluation mode");
  });

  it("moves the running statistics in place only when training, bumping their version", () => {
    const rm = Tensor.empty([3]);
    const rv = Tensor.empty([3]);
    const input = sample([2, 3, 4]);
    // small tensors share a slab, and so its version counter: count the bumps
    const before = storageVersion(rm.data);
    batchNorm(input, rm, rv, null, null, false);
    expect(storageVersion(rm.data)).toBe(before);
    expect(Array.from(rm.data as Float32Array)).toEqual([0, 0, 0]);
    batchNorm(input, rm, rv, null, null, true);
    expect(storageVersion(rm.data)).toBeGreaterThan(before);
    expect(Array.from(rm.data as Float32Array)).not.toEqual([0, 0, 0]);
    expect(rm.requiresGrad).toBe(false);
  });

  it("has gradients that match finite differences, in training and in eval", () => {
    const rm = sample([3], 5);
    const rv = sample([3], 6, true);
    rm.requiresGrad = false;
    rv.requiresGrad = false;
    gradcheck((x, w, b) => batchNorm(x!, null, null, w, b, true), [sample([4, 3, 2]), sample([3], 2), sample([3], 3)]);
    gradcheck((x, w, b) => batchNorm(x!, rm, rv, w, b, false), [sample([2, 3, 2, 2]), sample([3], 2), sample([3], 3)]);
  });
});
