/**
 * Adadelta's API: defaults, PyTorch's argument messages, state dict layout. Its numbers against
 * PyTorch (bit for bit in float32, every backend) are the Adadelta cases of reference.test.ts.
 */
import { describe, expect, it } from "vitest";
import { fromTypedArray, type Tensor } from "../../src/tensor/index.js";
import * as optim from "../../src/optim/index.js";

function params(): Tensor[] {
  return [
    fromTypedArray(Float32Array.from([0.5, -1, 2, 0.25]), [2, 2]).requiresGrad_(),
    fromTypedArray(Float32Array.from([1, -0.5]), [2]).requiresGrad_(),
  ];
}

function setGrads(ps: Tensor[]): void {
  ps.forEach((p) => (p.grad = fromTypedArray(Float32Array.from(p.data as Float32Array, (x) => x * 0.3 - 0.1), [...p.shape])));
}

describe("Adadelta", () => {
  it("has PyTorch's defaults", () => {
    const opt = new optim.Adadelta(params());
    const { params: _p, ...group } = opt.paramGroups[0]!;
    expect(group).toEqual({ lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false });
  });

  it("checks its arguments with PyTorch's messages", () => {
    expect(() => new optim.Adadelta(params(), { lr: -1 })).toThrow("Invalid learning rate: -1");
    expect(() => new optim.Adadelta(params(), { rho: 1.5 })).toThrow("Invalid rho value: 1.5");
    expect(() => new optim.Adadelta(params(), { rho: -0.1 })).toThrow("Invalid rho value: -0.1");
    expect(() => new optim.Adadelta(params(), { eps: -1e-6 })).toThrow("Invalid epsilon value: -1e-06");
    expect(() => new optim.Adadelta(params(), { weightDecay: -0.5 })).toThrow("Invalid weight_decay value: -0.5");
    expect(() => new optim.Adadelta([{ params: params(), rho: Number.NaN }])).toThrow("Invalid rho value: nan");
  });

  it("keeps step, square_avg and acc_delta per parameter, as PyTorch's state dict", () => {
    const ps = params();
    const opt = new optim.Adadelta(ps, { lr: 0.5 });
    setGrads(ps);
    opt.step();
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.state[0]!).sort()).toEqual(["acc_delta", "square_avg", "step"]);
    expect(sd.state[0]!.step).toBe(2);
    expect(sd.param_groups[0]).toEqual({ lr: 0.5, rho: 0.9, eps: 1e-6, weight_decay: 0, maximize: false, params: [0, 1] });
  });

  it("resumes from its state dict exactly", () => {
    const a = params();
    const b = params();
    const first = new optim.Adadelta(a, { weightDecay: 0.1 });
    setGrads(a);
    first.step();
    const second = new optim.Adadelta(b, { weightDecay: 0.1 });
    b.forEach((p, i) => (p.data as Float32Array).set(a[i]!.data as Float32Array));
    second.loadStateDict(optim.stateDictFromJSON(JSON.parse(JSON.stringify(optim.stateDictToJSON(first.stateDict())))));
    for (const ps of [a, b]) setGrads(ps);
    first.step();
    second.step();
    a.forEach((p, i) => expect(Array.from(b[i]!.data as Float32Array)).toEqual(Array.from(p.data as Float32Array)));
  });

  it("refuses a state entry without acc_delta or with a foreign buffer", () => {
    const ps = params();
    const opt = new optim.Adadelta(ps);
    setGrads(ps);
    opt.step();
    const sd = opt.stateDict();
    const { acc_delta: _a, ...missing } = sd.state[0]!;
    expect(() => opt.loadStateDict({ ...sd, state: { 0: missing } })).toThrow("missing acc_delta");
    expect(() => opt.loadStateDict({ ...sd, state: { 0: { ...sd.state[0]!, exp_avg: sd.state[0]!.acc_delta as Tensor } } })).toThrow(
      'unexpected key "exp_avg" for Adadelta',
    );
  });
});
