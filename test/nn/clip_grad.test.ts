/**
 * nn.utils.clipGradNorm_ / clipGradValue_ against PyTorch 1.13 (the `clips` of
 * test/fixtures/schedulers.json, from generate_schedulers.py): the returned total norm and the
 * clipped gradients. Kiln sums each norm in double where PyTorch sums float32 lanes, so float32
 * norms may differ in the last bits (1e-6 relative); float64 ones to 1e-14.
 */
import { describe, expect, it } from "vitest";
import { nn } from "../../src/index.js";
import { fromTypedArray, type Tensor } from "../../src/tensor/index.js";
import { expectClose, fromRef, loadFixture, type RefTensor } from "../helpers/fixtures.js";

interface ClipCase {
  name: string;
  fn: "norm" | "value";
  max: number;
  norm_type: number | string | null;
  grads: RefTensor[];
  total_norm: RefTensor | null;
  clipped: RefTensor[];
}

const fixture = loadFixture<{ torch: string; clips: ClipCase[] }>("schedulers.json");

function withGrads(grads: RefTensor[]): Tensor[] {
  return grads.map((g) => {
    const p = fromRef({ ...g, data: g.data.map(() => 0) }, { requiresGrad: true });
    p.grad = fromRef(g);
    return p;
  });
}

const param = (grad: number[] | null): Tensor => {
  const p = fromTypedArray(new Float32Array(Math.max(grad?.length ?? 1, 1)), [Math.max(grad?.length ?? 1, 1)]).requiresGrad_();
  if (grad !== null) p.grad = fromTypedArray(Float32Array.from(grad), [grad.length]);
  return p;
};

describe(`gradient clipping matches PyTorch ${fixture.torch}`, () => {
  it.each(fixture.clips.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const params = withGrads(c.grads);
    const tol = c.grads[0]!.dtype === "float64" ? 1e-14 : 1e-6;
    if (c.fn === "norm") {
      const normType = c.norm_type === "Infinity" ? Infinity : (c.norm_type as number);
      const total = nn.utils.clipGradNorm_(params, c.max, normType);
      expect(total.dtype).toBe(c.total_norm!.dtype);
      expectClose(total, c.total_norm!, tol, 0);
    } else {
      nn.utils.clipGradValue_(params, c.max);
    }
    params.forEach((p, i) => expectClose(p.grad!, c.clipped[i]!, tol, 0));
  });
});

describe("clipGradNorm_", () => {
  it("returns PyTorch's 0-d zero without gradients, and skips parameters without one", () => {
    expect(nn.utils.clipGradNorm_([param(null)], 1).item()).toBe(0);
    const a = param([3, 4]);
    const b = param(null);
    expect(nn.utils.clipGradNorm_([a, b], 1).item()).toBe(5);
    expect(b.grad).toBeNull();
    const coef = Math.fround(1 / Math.fround(5 + Math.fround(1e-6))); // max_norm / (total + 1e-6), in float32
    expect(Array.from(a.grad!.data as Float32Array)).toEqual([Math.fround(3 * coef), Math.fround(4 * coef)]);
  });

  it("takes one tensor or any iterable (read once), and leaves the old gradient tensors alone", () => {
    const a = param([6, 8]);
    const old = a.grad!;
    expect(nn.utils.clipGradNorm_(a, 5).item()).toBe(10);
    expect(Array.from(old.data as Float32Array)).toEqual([6, 8]);
    expect(a.grad).not.toBe(old);
    function* once(): Generator<Tensor> {
      yield param([1, 0]);
    }
    expect(nn.utils.clipGradNorm_(once(), 1).item()).toBe(1);
  });

  it("throws on a non-finite norm when asked, and otherwise scales by it as PyTorch does", () => {
    expect(() => nn.utils.clipGradNorm_([param([1, Infinity])], 1, 2, { errorIfNonfinite: true })).toThrow(
      "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped",
    );
    const p = param([1, Number.NaN]);
    expect(nn.utils.clipGradNorm_([p], 1)).toSatisfy((t: Tensor) => Number.isNaN(t.item()));
    expect(Array.from(p.grad!.data as Float32Array).every(Number.isNaN)).toBe(true);
  });
});

describe("clipGradValue_", () => {
  it("clamps into [-clipValue, clipValue], NaN staying NaN", () => {
    const p = param([-2, -0.5, 0.25, 3, Number.NaN]);
    nn.utils.clipGradValue_([p], 1);
    expect(Array.from(p.grad!.data as Float32Array)).toEqual([-1, -0.5, 0.25, 1, Number.NaN]);
  });
});
