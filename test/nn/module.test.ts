import { describe, expect, it } from "vitest";
import * as nn from "../../src/nn/index.js";
import { manualSeed, rand, safetensors, Tensor, tensor } from "../../src/tensor/index.js";
import { noGrad } from "../../src/autograd/index.js";
import { expectClose } from "../helpers/fixtures.js";
import { seedMlp } from "../helpers/seed.js";

/** The seed's NeuralNetwork: a Sequential held as `self.layers`. */
class NeuralNetwork extends nn.Module {
  readonly layers: nn.Sequential;
  constructor(numInputs: number, numOutputs: number) {
    super();
    this.layers = this.registerModule(
      "layers",
      new nn.Sequential(new nn.Linear(numInputs, 30), new nn.ReLU(), new nn.Linear(30, 20), new nn.ReLU(), new nn.Linear(20, numOutputs)),
    );
  }
  forward(x: Tensor): Tensor {
    return this.layers.forward(x);
  }
}

const mlp = seedMlp();

describe("nn.Module and the seed's NeuralNetwork(50, 3)", () => {
  manualSeed(123);
  const model = new NeuralNetwork(50, 3);

  it("prints PyTorch's repr", () => {
    expect(model.toString()).toBe(mlp.repr);
  });

  it("has 2213 trainable parameters under PyTorch's keys", () => {
    expect(model.parameters().filter((p) => p.requiresGrad).reduce((n, p) => n + p.numel(), 0)).toBe(mlp.num_params);
    expect(Object.keys(model.stateDict())).toEqual(Object.keys(mlp.state_dict));
  });

  it("draws PyTorch's initial weights bit for bit after manualSeed(123)", () => {
    for (const [key, ref] of Object.entries(mlp.state_dict)) {
      expect(Array.from(model.stateDict()[key]!.data as Float32Array), key).toEqual(ref.data);
    }
  });

  it("computes the seed's logits and softmax", () => {
    manualSeed(123);
    const X = rand([1, 50]);
    expect(Array.from(X.data as Float32Array)).toEqual(mlp.X.data);
    const logits = model.forward(X);
    expect(logits.toString()).toBe("tensor([[-0.1262,  0.1080, -0.1792]], grad_fn=<AddmmBackward0>)");
    expectClose(logits, mlp.logits, 1e-5, 1e-7);
    expectClose(noGrad(() => model.forward(X).softmax(1)), mlp.softmax, 1e-5, 1e-7);
  });

  it("loads a state dict and names any missing, extra or mis-shaped key", () => {
    const other = new NeuralNetwork(50, 3);
    other.loadStateDict(model.stateDict());
    expect(other.layers.at(0).stateDict()["weight"]!.tolist()).toEqual(model.stateDict()["layers.0.weight"]!.tolist());
    const sd = model.stateDict();
    const { ["layers.4.bias"]: _dropped, ...missing } = sd;
    expect(() => other.loadStateDict(missing)).toThrow('Missing key(s) in state_dict: "layers.4.bias".');
    expect(() => other.loadStateDict({ ...sd, extra: tensor([1]) })).toThrow('Unexpected key(s) in state_dict: "extra".');
    expect(() => other.loadStateDict({ ...sd, "layers.4.bias": tensor([1.5, 2.5]) })).toThrow(
      "size mismatch for layers.4.bias: copying a param with shape [2] from checkpoint, the shape in current model is [3].",
    );
    expect(other.loadStateDict(missing, false).missingKeys).toEqual(["layers.4.bias"]);
  });

  it("switches train/eval on every descendant", () => {
    model.eval();
    expect([...model.modules()].every((m) => !m.training)).toBe(true);
    model.train();
    expect([...model.modules()].every((m) => m.training)).toBe(true);
  });

  it("lists children and named parameters", () => {
    expect([...model.namedChildren()].map(([n]) => n)).toEqual(["layers"]);
    expect(model.namedParameters().map(([n]) => n)).toEqual(Object.keys(mlp.state_dict));
  });
});

describe("layers", () => {
  it("print as PyTorch prints them", () => {
    const layers = new nn.Sequential(
      new nn.Linear(4, 2, { bias: false }),
      new nn.LeakyReLU(),
      new nn.LeakyReLU(0.2),
      new nn.Sigmoid(),
      new nn.Tanh(),
      new nn.GELU(),
      new nn.GELU("tanh"),
      new nn.Softmax(1),
      new nn.LogSoftmax(-1),
      new nn.Dropout(),
      new nn.Dropout(0.1),
      new nn.Flatten(),
      new nn.LayerNorm(30),
      new nn.LayerNorm([2, 3], { eps: 1e-6, elementwiseAffine: false }),
      new nn.Identity(),
    );
    expect(layers.toString()).toBe(
      [
        "Sequential(",
        "  (0): Linear(in_features=4, out_features=2, bias=False)",
        "  (1): LeakyReLU(negative_slope=0.01)",
        "  (2): LeakyReLU(negative_slope=0.2)",
        "  (3): Sigmoid()",
        "  (4): Tanh()",
        "  (5): GELU(approximate='none')",
        "  (6): GELU(approximate='tanh')",
        "  (7): Softmax(dim=1)",
        "  (8): LogSoftmax(dim=-1)",
        "  (9): Dropout(p=0.5, inplace=False)",
        "  (10): Dropout(p=0.1, inplace=False)",
        "  (11): Flatten(start_dim=1, end_dim=-1)",
        "  (12): LayerNorm((30,), eps=1e-05, elementwise_affine=True)",
        "  (13): LayerNorm((2, 3), eps=1e-06, elementwise_affine=False)",
        "  (14): Identity()",
        ")",
      ].join("\n"),
    );
  });

  it("dropout is the identity in eval mode and scales kept values in training", () => {
    const d = new nn.Dropout(0.5);
    const x = rand([1000]);
    const y = d.forward(x);
    const kept = (y.data as Float32Array).filter((v) => v !== 0).length;
    expect(kept).toBeGreaterThan(400);
    expect(kept).toBeLessThan(600);
    (y.data as Float32Array).forEach((v, i) => v !== 0 && expect(v).toBeCloseTo((x.data as Float32Array)[i]! * 2, 5));
    d.eval();
    expect(d.forward(x)).toBe(x);
  });

  it("flattens all but the batch dim and normalises layers", () => {
    expect(new nn.Flatten().forward(rand([2, 3, 4])).shape).toEqual([2, 12]);
    const y = new nn.LayerNorm(4).forward(rand([3, 4]));
    expect(Math.abs((y.sum(1).tolist() as number[])[0]!)).toBeLessThan(1e-5);
  });
});

/** A module holding a Sequential with a batch norm, as PyTorch names its state: `layers.1.running_mean`. */
class WithBatchNorm extends nn.Module {
  readonly layers = this.registerModule("layers", new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3), new nn.ReLU(), new nn.Linear(3, 2)));
  forward(x: Tensor): Tensor {
    return this.layers.forward(x);
  }
}

/** A module with a buffer of its own, registered as PyTorch's `register_buffer` does. */
class Counter extends nn.Module {
  readonly count = this.registerBuffer("count", Tensor.empty([], "int64"));
  readonly scale = this.registerParameter("scale", new nn.Parameter(tensor([2.5])));
  readonly absent = this.registerBuffer("absent", null);
  forward(x: Tensor): Tensor {
    return x.mul(this.scale);
  }
}

describe("buffers", () => {
  const batch = () => rand([5, 4]);

  it("are in the state dict under PyTorch's keys, after each module's parameters, and not among the parameters", () => {
    const model = new WithBatchNorm();
    expect(Object.keys(model.stateDict())).toEqual([
      "layers.0.weight",
      "layers.0.bias",
      "layers.1.weight",
      "layers.1.bias",
      "layers.1.running_mean",
      "layers.1.running_var",
      "layers.1.num_batches_tracked",
      "layers.3.weight",
      "layers.3.bias",
    ]);
    expect(model.namedParameters().map(([k]) => k)).not.toContain("layers.1.running_mean");
    expect(model.namedBuffers().map(([k]) => k)).toEqual(["layers.1.running_mean", "layers.1.running_var", "layers.1.num_batches_tracked"]);
    expect(model.buffers(false)).toEqual([]);
  });

  it("of a module's own: registered by name, null ones left out, shared with the state dict", () => {
    const m = new Counter();
    expect(Object.keys(m.stateDict())).toEqual(["scale", "count"]);
    expect(m.parameters()).toEqual([m.scale]);
    (m.count.data as BigInt64Array)[0] = 7n;
    expect(m.stateDict()["count"]!.item()).toBe(7);
  });

  it("load with the parameters, int64 included, and are reported when missing", () => {
    const trained = new WithBatchNorm();
    for (let i = 0; i < 3; i++) trained.forward(batch());
    const fresh = new WithBatchNorm();
    fresh.loadStateDict(trained.stateDict());
    const bn = fresh.layers.at(1) as nn.BatchNorm1d;
    expect(bn.numBatchesTracked!.dtype).toBe("int64");
    expect(bn.numBatchesTracked!.item()).toBe(3);
    expect(bn.runningVar!.tolist()).toEqual((trained.layers.at(1) as nn.BatchNorm1d).runningVar!.tolist());
    const { ["layers.1.num_batches_tracked"]: _dropped, ...missing } = trained.stateDict();
    expect(() => fresh.loadStateDict(missing)).toThrow('Missing key(s) in state_dict: "layers.1.num_batches_tracked".');
  });

  it("survive a safetensors round trip with their dtypes (num_batches_tracked as I64)", () => {
    const trained = new WithBatchNorm();
    for (let i = 0; i < 2; i++) trained.forward(batch());
    const file = safetensors.serialize(trained.stateDict());
    const header = JSON.parse(Buffer.from(file.subarray(8, 8 + Number(new DataView(file.buffer).getBigUint64(0, true)))).toString()) as Record<
      string,
      { dtype: string; shape: number[] }
    >;
    expect(header["layers.1.num_batches_tracked"]).toMatchObject({ dtype: "I64", shape: [] });
    const loaded = safetensors.parse(file).tensors;
    const fresh = new WithBatchNorm().eval();
    fresh.loadStateDict(loaded);
    expect((fresh.layers.at(1) as nn.BatchNorm1d).numBatchesTracked!.item()).toBe(2);
    const x = batch();
    trained.eval();
    expect(fresh.forward(x).tolist()).toEqual(trained.forward(x).tolist());
  });
});
