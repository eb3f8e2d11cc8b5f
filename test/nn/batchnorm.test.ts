import { describe, expect, it } from "vitest";
import { grad } from "../../src/autograd/index.js";
import { F, nn, type Tensor } from "../../src/index.js";
import { expectClose, fromRef, loadFixture, type RefTensor } from "../helpers/fixtures.js";

interface ModuleCase {
  name: string;
  repr: string;
  state_dict_keys: string[];
  steps: {
    input: RefTensor;
    output: RefTensor;
    running_mean: RefTensor | null;
    running_var: RefTensor | null;
    num_batches_tracked: number | null;
  }[];
  eval_input: RefTensor;
  eval_output: RefTensor;
}

const cases = loadFixture<{ modules: ModuleCase[] }>("batchnorm.json").modules;

/** The module each fixture case names, built with Kiln's options. */
const MODULES: Record<string, () => nn.Module & { runningMean: Tensor | null; runningVar: Tensor | null; numBatchesTracked: Tensor | null }> = {
  "BatchNorm1d(3) 2d": () => new nn.BatchNorm1d(3),
  "BatchNorm1d(3) 3d": () => new nn.BatchNorm1d(3),
  "BatchNorm1d(3, momentum=None)": () => new nn.BatchNorm1d(3, { momentum: null }),
  "BatchNorm2d(2)": () => new nn.BatchNorm2d(2),
  "BatchNorm2d(2, momentum=None)": () => new nn.BatchNorm2d(2, { momentum: null }),
  "BatchNorm2d(2, affine=False)": () => new nn.BatchNorm2d(2, { affine: false }),
  "BatchNorm2d(2, track_running_stats=False)": () => new nn.BatchNorm2d(2, { trackRunningStats: false }),
  "BatchNorm1d(3, eps=0.001, momentum=0.5)": () => new nn.BatchNorm1d(3, { eps: 1e-3, momentum: 0.5 }),
};

describe("nn.BatchNorm1d / nn.BatchNorm2d match PyTorch over 3 training steps and an eval step", () => {
  it("covers every module case of batchnorm.json", () => {
    expect(Object.keys(MODULES).sort()).toEqual(cases.map((c) => c.name).sort());
  });

  for (const c of cases) {
    it(c.name, () => {
      const m = MODULES[c.name]!();
      expect(String(m)).toBe(c.repr);
      expect(Object.keys(m.stateDict())).toEqual(c.state_dict_keys);
      for (const step of c.steps) {
        expectClose(m.forward(fromRef(step.input, { dtype: "float32" })), step.output, 1e-5, 1e-6);
        if (step.running_mean) expectClose(m.runningMean!, step.running_mean, 1e-6, 1e-7);
        if (step.running_var) expectClose(m.runningVar!, step.running_var, 1e-6, 1e-7);
        expect(m.numBatchesTracked === null ? null : m.numBatchesTracked.item()).toBe(step.num_batches_tracked);
      }
      m.eval();
      expectClose(m.forward(fromRef(c.eval_input, { dtype: "float32" })), c.eval_output, 1e-5, 1e-6);
    });
  }
});

describe("nn.BatchNorm", () => {
  it("keeps its running statistics as buffers: in the state dict, not among the parameters", () => {
    const bn = new nn.BatchNorm2d(4);
    expect(bn.parameters()).toEqual([bn.weight, bn.bias]);
    expect(bn.namedBuffers().map(([k]) => k)).toEqual(["running_mean", "running_var", "num_batches_tracked"]);
    expect(bn.numBatchesTracked!.dtype).toBe("int64");
    expect(bn.runningVar!.tolist()).toEqual([1, 1, 1, 1]);
    expect(String(bn)).toBe("BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
    expect(String(new nn.BatchNorm2d(32))).toBe("BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  });

  it("honours train() and eval(): eval neither uses nor moves the batch's statistics", () => {
    const bn = new nn.BatchNorm1d(2);
    const x = fromRef({ shape: [3, 2], dtype: "float32", data: [1, 10, 2, 20, 6, 60] });
    bn.eval();
    expect(bn.forward(x).tolist()).toEqual(F.batchNorm(x, bn.runningMean, bn.runningVar, bn.weight, bn.bias, false).tolist());
    expect(bn.runningMean!.tolist()).toEqual([0, 0]);
    expect(bn.numBatchesTracked!.item()).toBe(0);
    bn.train();
    bn.forward(x);
    expect(bn.runningMean!.tolist()).toEqual([Math.fround(0.3), Math.fround(3)]);
    expect(bn.numBatchesTracked!.item()).toBe(1);
  });

  it("passes gradients to the input, weight and bias", () => {
    const bn = new nn.BatchNorm1d(2);
    const x = fromRef({ shape: [3, 2], dtype: "float32", data: [1, 10, 2, 20, 6, 60] }, { requiresGrad: true });
    const [gx, gw, gb] = grad(bn.forward(x).sum(), [x, bn.weight!, bn.bias!]);
    // in training a channel's outputs sum to N·bias whatever the input: only the bias gets a gradient
    expect(gb!.tolist()).toEqual([3, 3]);
    expectClose(gw!, { shape: [2], dtype: "float32", data: [0, 0] }, 0, 1e-6);
    expectClose(gx!, { shape: [3, 2], dtype: "float32", data: [0, 0, 0, 0, 0, 0] }, 0, 1e-6);
  });

  it("checks the input's rank with PyTorch's messages", () => {
    expect(() => new nn.BatchNorm1d(3).forward(fromRef({ shape: [1, 3, 1, 1], dtype: "float32", data: [1, 2, 3] }))).toThrow(
      "expected 2D or 3D input (got 4D input)",
    );
    expect(() => new nn.BatchNorm2d(3).forward(fromRef({ shape: [2, 3], dtype: "float32", data: [1, 2, 3, 4, 5, 6] }))).toThrow(
      "expected 4D input (got 2D input)",
    );
    expect(() => new nn.BatchNorm1d(3).forward(fromRef({ shape: [1, 3], dtype: "float32", data: [1, 2, 3] }))).toThrow(
      "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])",
    );
  });
});
