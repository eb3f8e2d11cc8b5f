import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { data, F, manualSeed, nn, optim } from "../src/index.js";
import { setGemmBackend, type GemmBackend } from "../src/tensor/kernels/gemm.js";
import { NeuralNetwork } from "./helpers/layers_network.js";
import { expectClose, fromRef, loadFixture, type RefTensor } from "./helpers/fixtures.js";
import { FLOAT32_GEMM_BACKENDS } from "./helpers/gemm_backends.js";

interface LayerSpec {
  type: string;
  out_features?: number;
  negative_slope?: number;
}

function build(specs: LayerSpec[], inFeatures: number): nn.Module[] {
  let n = inFeatures;
  return specs.map((s) => {
    switch (s.type) {
      case "Linear": {
        const layer = new nn.Linear(n, s.out_features!);
        n = s.out_features!;
        return layer;
      }
      case "ReLU":
        return new nn.ReLU();
      case "Tanh":
        return new nn.Tanh();
      case "Sigmoid":
        return new nn.Sigmoid();
      case "GELU":
        return new nn.GELU();
      case "LeakyReLU":
        return new nn.LeakyReLU(s.negative_slope);
      default:
        throw new Error(`layer ${s.type} not in this test`);
    }
  });
}

interface Run {
  config: {
    name: string;
    in_features: number;
    layers: LayerSpec[];
    seed: number;
    loss: "cross_entropy" | "mse_loss";
    optimizer: { type: "SGD" | "Adam" | "AdamW" | "RMSprop"; lr: number; momentum?: number; weight_decay?: number };
    batch_size: number;
    shuffle: boolean;
    drop_last: boolean;
    epochs: number;
  };
  X: RefTensor;
  y: RefTensor;
  initial_state_dict: Record<string, RefTensor>;
  losses: number[];
  final_state_dict: Record<string, RefTensor>;
}

function makeOptimizer(params: nn.Parameter[], o: Run["config"]["optimizer"]) {
  const common = { lr: o.lr, weightDecay: o.weight_decay ?? 0 };
  switch (o.type) {
    case "SGD":
      return new optim.SGD(params, { ...common, momentum: o.momentum ?? 0 });
    case "Adam":
      return new optim.Adam(params, common);
    case "AdamW":
      return new optim.AdamW(params, { lr: o.lr, weightDecay: o.weight_decay ?? 1e-2 });
    case "RMSprop":
      return new optim.RMSprop(params, { ...common, momentum: o.momentum ?? 0 });
  }
}

describe.each(FLOAT32_GEMM_BACKENDS)("whole training runs match PyTorch step by step (%s product kernel)", (backend) => {
  let previous: GemmBackend;
  beforeAll(() => {
    previous = setGemmBackend(backend);
  });
  afterAll(() => {
    setGemmBackend(previous);
  });
  const runs = loadFixture<{ runs: Run[] }>("trajectories.json").runs;
  for (const run of runs) {
    it(run.config.name, () => {
      const c = run.config;
      const X = fromRef(run.X);
      const y = fromRef(run.y);
      manualSeed(c.seed);
      const model = new NeuralNetwork(build(c.layers, c.in_features));
      for (const [key, ref] of Object.entries(run.initial_state_dict)) {
        expect(Array.from(model.stateDict()[key]!.data as Float32Array), `initial ${key}`).toEqual(ref.data);
      }
      const opt = makeOptimizer(model.parameters(), c.optimizer);
      const loader = new data.DataLoader(new data.TensorDataset(X, y), { batchSize: c.batch_size, shuffle: c.shuffle, dropLast: c.drop_last });
      const lossFn = c.loss === "cross_entropy" ? F.crossEntropy : F.mseLoss;
      const losses: number[] = [];
      for (let epoch = 0; epoch < c.epochs; epoch++) {
        model.train();
        for (const [xb, yb] of loader) {
          const loss = lossFn(model.forward(xb), yb);
          opt.zeroGrad();
          loss.backward();
          opt.step();
          losses.push(loss.item());
        }
      }
      expect(losses.length).toBe(run.losses.length);
      losses.forEach((l, i) => expect(Math.abs(l - run.losses[i]!), `step ${i}: ${l} vs ${run.losses[i]}`).toBeLessThan(3e-5 * Math.abs(run.losses[i]!) + 1e-7));
      for (const [key, ref] of Object.entries(run.final_state_dict)) expectClose(model.stateDict()[key]!, ref, 1e-4, 1e-6);
    });
  }
});

describe("the seed's toy training (Appendix A.7)", () => {
  interface Toy {
    X_train: RefTensor;
    y_train: RefTensor;
    initial_state_dict: Record<string, RefTensor>;
    losses: number[];
    losses_printed: string[];
    final_state_dict: Record<string, RefTensor>;
    train_probas: RefTensor;
    train_predictions: RefTensor;
  }
  const toy = loadFixture<{ toy_training: Toy }>("appendix-a.json").toy_training;

  it("prints 0.75 0.65 0.44 0.13 0.03 0.00 and ends at PyTorch's weights", () => {
    const X = fromRef(toy.X_train);
    const y = fromRef(toy.y_train);
    manualSeed(123);
    const loader = new data.DataLoader(new data.TensorDataset(X, y), { batchSize: 2, shuffle: true, dropLast: true });
    manualSeed(123);
    const model = new NeuralNetwork(build([{ type: "Linear", out_features: 30 }, { type: "ReLU" }, { type: "Linear", out_features: 20 }, { type: "ReLU" }, { type: "Linear", out_features: 2 }], 2));
    const opt = new optim.SGD(model.parameters(), { lr: 0.5 });
    const losses: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const [xb, yb] of loader) {
        const loss = F.crossEntropy(model.forward(xb), yb);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        losses.push(loss.item());
      }
    }
    expect(losses.map((l) => l.toFixed(2))).toEqual(toy.losses_printed);
    losses.forEach((l, i) => expect(l).toBeCloseTo(toy.losses[i]!, 5));
    for (const [key, ref] of Object.entries(toy.final_state_dict)) expectClose(model.stateDict()[key]!, ref, 1e-4, 1e-6);
    model.eval();
    const probas = model.forward(X).softmax(1);
    expectClose(probas, toy.train_probas, 1e-4, 1e-6);
    expect(probas.argmax(1).tolist()).toEqual(toy.train_predictions.data);
  });
});
