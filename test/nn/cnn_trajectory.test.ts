import { describe, expect, it } from "vitest";
import { data, F, Generator, manualSeed, nn, noGrad, optim } from "../../src/index.js";
import { NeuralNetwork } from "../helpers/layers_network.js";
import { expectClose, fromRef, loadFixture, type RefTensor } from "../helpers/fixtures.js";
import { FLOAT32_GEMM_BACKENDS, withGemmBackend } from "../helpers/gemm_backends.js";

interface LibraryRun {
  model_seed: number;
  loader_seed: number;
  batch_size: number;
  epochs: number;
  lr: number;
  step_size: number;
  gamma: number;
  losses: number[];
  lrs: number[];
  final_state_dict: Record<string, RefTensor>;
  eval_outputs: RefTensor;
}

const fixture = loadFixture<{ X: RefTensor; y: RefTensor; library: LibraryRun }>("cnn_trajectory.json");
const run = fixture.library;

describe.each(FLOAT32_GEMM_BACKENDS)("a CNN trained as in PyTorch (Adam, StepLR, a seeded DataLoader) on the %s product kernel", (backend) => {
  it("matches every step's loss, the lr schedule, the final weights and buffers, and eval outputs", () => withGemmBackend(backend, () => {
    const X = fromRef(fixture.X);
    const y = fromRef(fixture.y);
    manualSeed(run.model_seed);
    const model = new NeuralNetwork([
      new nn.Conv2d(1, 4, 3, { padding: 1, bias: false }),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.Dropout2d(0.25),
      new nn.MaxPool2d(2),
      new nn.Dropout(0.2),
      new nn.Flatten(),
      new nn.Linear(64, 3),
    ]);
    const opt = new optim.Adam(model.parameters(), { lr: run.lr });
    const scheduler = new optim.lrScheduler.StepLR(opt, run.step_size, { gamma: run.gamma });
    const loader = new data.DataLoader(new data.TensorDataset(X, y), {
      batchSize: run.batch_size,
      shuffle: true,
      generator: new Generator().manualSeed(run.loader_seed),
    });
    const losses: number[] = [];
    const lrs: number[] = [];
    for (let epoch = 0; epoch < run.epochs; epoch++) {
      model.train();
      lrs.push(opt.paramGroups[0]!.lr);
      for (const [xb, yb] of loader) {
        const loss = F.crossEntropy(model.forward(xb), yb);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        losses.push(loss.item());
      }
      scheduler.step();
    }

    expect(lrs).toEqual(run.lrs);
    expect(losses).toHaveLength(run.losses.length);
    losses.forEach((l, i) => expect(Math.abs(l - run.losses[i]!), `step ${i}: ${l} vs ${run.losses[i]}`).toBeLessThan(2e-4));
    const state = model.stateDict();
    expect(Object.keys(state)).toEqual(Object.keys(run.final_state_dict));
    for (const [key, ref] of Object.entries(run.final_state_dict)) {
      if (ref.dtype === "int64") expect(Array.from(state[key]!.data as BigInt64Array, Number), key).toEqual(ref.data);
      else expectClose(state[key]!, ref, 1e-4, 1e-6);
    }
    model.eval();
    expectClose(noGrad(() => model.forward(X)), run.eval_outputs, 1e-4, 1e-6);
  }));
});
