import { expect } from "vitest";
import { grad } from "../../src/autograd/index.js";
import { noGrad } from "../../src/autograd/index.js";
import { Tensor, type FloatStorage } from "../../src/tensor/index.js";

/** A deterministic pseudo-random float64 tensor (no dependence on the generator under test). */
export function sample(shape: readonly number[], seed = 1, positive = false): Tensor {
  const t = Tensor.empty(shape, "float64");
  const d = t.data as Float64Array;
  let s = seed * 9301 + 49297;
  for (let i = 0; i < d.length; i++) {
    s = (s * 9301 + 49297) % 233280;
    const u = s / 233280;
    d[i] = positive ? 0.5 + u * 1.5 : u * 4 - 2;
  }
  t.requiresGrad = true;
  return t;
}

/**
 * Compares autograd's gradients of Σ(f(inputs) · w) with central finite differences in float64,
 * where w is a fixed random weighting so every output element matters.
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], eps = 1e-6, tol = 1e-6): void {
  const out = f(...inputs);
  const w = sample(out.shape, 99);
  w.requiresGrad = false;
  const weights = w.data as Float64Array;
  const analytic = grad(out, inputs.filter((x) => x.requiresGrad), { gradOutputs: [w] });
  const objective = (): number =>
    noGrad(() => {
      const y = f(...inputs).data as FloatStorage;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i]! * weights[i]!;
      return s;
    });
  let k = 0;
  for (const x of inputs) {
    if (!x.requiresGrad) continue;
    const g = analytic[k++]!;
    const d = x.data as Float64Array;
    for (let i = 0; i < d.length; i++) {
      const orig = d[i]!;
      d[i] = orig + eps;
      const up = objective();
      d[i] = orig - eps;
      const down = objective();
      d[i] = orig;
      const numeric = (up - down) / (2 * eps);
      const a = (g.data as Float64Array)[i]!;
      if (Math.abs(a - numeric) > tol * Math.max(1, Math.abs(numeric))) {
        expect.fail(`input ${k - 1} element ${i}: autograd ${a}, finite difference ${numeric}`);
      }
    }
  }
}
