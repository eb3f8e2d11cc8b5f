import { describe, expect, it } from "vitest";
import { grad, isGradEnabled, noGrad } from "../../src/autograd/index.js";
import { ones, tensor, Tensor } from "../../src/tensor/index.js";

const leaf = (values: number[]): Tensor => tensor(values, { dtype: "float32", requiresGrad: true });

describe("autograd", () => {
  it("accumulates into .grad across backward calls", () => {
    const x = leaf([1, 2, 3]);
    x.mul(x).sum().backward();
    expect(x.grad!.tolist()).toEqual([2, 4, 6]);
    x.mul(3).sum().backward();
    expect(x.grad!.tolist()).toEqual([5, 7, 9]);
  });

  it("sums the contributions of a value used twice", () => {
    const x = leaf([2]);
    const y = x.mul(x).add(x);
    y.backward();
    expect(x.grad!.item()).toBe(5);
  });

  it("needs a gradient for non-scalar outputs", () => {
    const x = leaf([1, 2]);
    expect(() => x.mul(2).backward()).toThrow("grad can be implicitly created only for scalar outputs");
    x.mul(2).backward(tensor([1, 0.5]));
    expect(x.grad!.tolist()).toEqual([2, 1]);
  });

  it("refuses to walk a freed graph twice, unless retainGraph", () => {
    const x = leaf([1, 2]);
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/backward through the graph a second time/);
    const z = x.exp().sum();
    z.backward(null, { retainGraph: true });
    z.backward();
    expect(x.grad).not.toBeNull();
  });

  it("autograd.grad returns gradients without touching .grad", () => {
    const w = leaf([2.2]);
    const b = leaf([0.5]);
    const loss = w.mul(1.1).add(b).sigmoid().sum();
    const [gw, gb] = grad(loss, [w, b], { retainGraph: true });
    expect(w.grad).toBeNull();
    expect(gw!.item()).toBeCloseTo(gb!.item() * 1.1, 6);
    expect(() => grad(loss, [leaf([1])], { retainGraph: true })).toThrow(/not have been used in the graph/);
    expect(grad(loss, [w, leaf([1])], { allowUnused: true })[1]).toBeNull();
  });

  it("gradients of intermediate tensors with autograd.grad", () => {
    const x = leaf([1, 2]);
    const h = x.mul(3);
    const y = h.pow(2).sum();
    const [gh] = grad(y, h);
    expect(gh!.tolist()).toEqual([6, 12]);
  });

  it("noGrad records nothing and restores the mode", () => {
    const x = leaf([1]);
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return x.mul(2);
    });
    expect(isGradEnabled()).toBe(true);
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(() => noGrad(() => { throw new Error("boom"); })).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
  });

  it("detach shares storage and leaves the graph", () => {
    const x = leaf([1, 2]);
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
  });

  it("names grad_fn as PyTorch does", () => {
    const x = tensor([[1.5, 2]], { requiresGrad: true });
    const w = tensor([[0.5, 1], [1, 2.5]], { requiresGrad: true });
    expect(x.matmul(w).gradFn!.name).toBe("MmBackward0");
    expect(x.add(1).gradFn!.name).toBe("AddBackward0");
    expect(x.sum().gradFn!.name).toBe("SumBackward0");
    expect(x.sum(1).gradFn!.name).toBe("SumBackward1");
    expect(x.reshape(2).gradFn!.name).toBe("ViewBackward0");
    expect(x.t().gradFn!.name).toBe("TBackward0");
    expect(x.relu().gradFn!.name).toBe("ReluBackward0");
    expect(x.toString()).toBe("tensor([[1.5000, 2.0000]], requires_grad=True)");
    expect(x.mul(2).toString()).toBe("tensor([[3., 4.]], grad_fn=<MulBackward0>)");
  });

  it("only float tensors can require gradients", () => {
    expect(() => tensor([1, 2], { requiresGrad: true })).toThrow(/floating point/);
  });

  it("gives float32 leaves float32 gradients through float64 ops", () => {
    const x = tensor([1.5], { requiresGrad: true });
    x.mul(ones([1], { dtype: "float64" })).sum().backward();
    expect(x.grad!.dtype).toBe("float32");
  });
});
