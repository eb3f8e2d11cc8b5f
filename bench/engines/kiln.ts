/**
 * Kiln through its public API only (`src/index.ts`): nn.Module + nn.Sequential (Linear, or W6/W7's
 * Conv2d, MaxPool2d, Dropout, Flatten), DataLoader over a TensorDataset, F.crossEntropy, optim.SGD /
 * optim.Adam, noGrad, matmul.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { F, data, fromTypedArray, getNumThreads, manualSeed, matmul, nn, noGrad, optim, randn, setNumThreads, type Tensor } from "../../src/index.js";
import { wasmKernel } from "../../src/tensor/kernels/gemm.js";
import { readClassification } from "../data.js";
import type { CaseSpec, EngineInfo, Threads } from "../protocol.js";
import { now, type NodeEngine, type Runner } from "./types.js";

/** The seed's NeuralNetwork, generalised to any layer sizes. */
class Mlp extends nn.Module {
  readonly layers: nn.Sequential;
  constructor(sizes: readonly number[]) {
    super();
    const mods: nn.Module[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      if (i > 0) mods.push(new nn.ReLU());
      mods.push(new nn.Linear(sizes[i]!, sizes[i + 1]!));
    }
    this.layers = this.registerModule("layers", new nn.Sequential(...mods));
  }
  forward(x: Tensor): Tensor {
    return this.layers.forward(x);
  }
}

/** pytorch/examples' MNIST Net (protocol.ts's MNIST_CNN), as one Sequential. */
function mnistCnn(): nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(1, 32, 3),
    new nn.ReLU(),
    new nn.Conv2d(32, 64, 3),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Dropout(0.25),
    new nn.Flatten(1),
    new nn.Linear(9216, 128),
    new nn.ReLU(),
    new nn.Dropout(0.5),
    new nn.Linear(128, 10),
  );
}

type TrainSpec = CaseSpec & { kind: "train" | "train-cnn" };
type InferSpec = CaseSpec & { kind: "infer" | "infer-cnn" };

function buildModel(spec: TrainSpec | InferSpec): nn.Module {
  return spec.kind === "train" || spec.kind === "infer" ? new Mlp(spec.mlp.sizes) : mnistCnn();
}

/** The shape of a batch of `rows` samples: [rows, features], or [rows, 1, 28, 28] for the CNN. */
function sampleShape(spec: TrainSpec | InferSpec, rows: number): number[] {
  return spec.kind === "train-cnn" || spec.kind === "infer-cnn" ? [rows, 1, 28, 28] : [rows, spec.data.features];
}

/**
 * Every row sets Kiln's thread count (torch.set_num_threads): 1 for "1 thread" rows, whatever their
 * workload (Kiln's default is every core), the machine's cores for "N threads" rows.
 */
function useThreads(threads: Threads | undefined): void {
  setNumThreads(threads === "all" ? availableParallelism() : 1);
}

function loadTensors(ref: TrainSpec | InferSpec): { x: Tensor; y: Tensor; raw: Float32Array } {
  const { x, y } = readClassification(ref.data);
  const xt = fromTypedArray(x, sampleShape(ref, ref.data.n));
  const labels = new BigInt64Array(y.length);
  for (let i = 0; i < y.length; i++) labels[i] = BigInt(y[i]!);
  return { x: xt, y: fromTypedArray(labels, [ref.data.n]), raw: x };
}

function trainRunner(spec: TrainSpec): Runner {
  useThreads(spec.threads);
  const { x, y } = loadTensors(spec);
  manualSeed(spec.seed);
  const model = buildModel(spec);
  const opt =
    spec.optimizer === "sgd"
      ? new optim.SGD(model.parameters(), { lr: spec.lr })
      : new optim.Adam(model.parameters(), { lr: spec.lr });
  const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: spec.batchSize, shuffle: true });
  model.train();
  let lossSum = 0;
  let samples = 0;
  const step = (xb: Tensor, yb: Tensor): void => {
    const loss = F.crossEntropy(model.forward(xb), yb);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    const b = xb.shape[0]!;
    lossSum += loss.item() * b;
    samples += b;
  };
  // "train": an iteration is an epoch; "train-cnn": one batch, the epochs running on across calls
  let batches = loader[Symbol.iterator]();
  return {
    run(iters) {
      lossSum = 0;
      samples = 0;
      const t0 = now();
      for (let i = 0; i < iters; i++) {
        if (spec.kind === "train") {
          for (const [xb, yb] of loader) step(xb, yb);
          continue;
        }
        let next = batches.next();
        if (next.done === true) {
          batches = loader[Symbol.iterator]();
          next = batches.next();
        }
        const [xb, yb] = next.value as [Tensor, Tensor];
        step(xb, yb);
      }
      const seconds = now() - t0;
      return { seconds, extra: { loss: lossSum / samples } };
    },
    dispose() {},
  };
}

function matmulRunner(spec: CaseSpec & { kind: "matmul" }): Runner {
  useThreads(spec.threads);
  manualSeed(spec.seed);
  const a = randn([spec.n, spec.n]);
  const b = randn([spec.n, spec.n]);
  return {
    run(iters) {
      let sink = 0;
      const t0 = now();
      for (let i = 0; i < iters; i++) sink += matmul(a, b).data.length;
      const seconds = now() - t0;
      if (sink !== iters * spec.n * spec.n) throw new Error("matmul produced a wrong shape");
      return { seconds };
    },
    dispose() {},
  };
}

function inferRunner(spec: InferSpec): Runner {
  useThreads(spec.threads);
  const { raw } = loadTensors(spec);
  const f = spec.data.features;
  const b = spec.batchSize;
  const blocks = Math.floor(spec.data.n / b);
  manualSeed(spec.seed);
  const model = buildModel(spec);
  model.eval();
  let call = 0;
  return {
    run(iters) {
      let sink = 0;
      const t0 = now();
      for (let i = 0; i < iters; i++) {
        const start = (call++ % blocks) * b * f;
        const input = fromTypedArray(raw.subarray(start, start + b * f), sampleShape(spec, b));
        const out = noGrad(() => model.forward(input)).data as Float32Array;
        sink += out[0]!;
      }
      const seconds = now() - t0;
      return { seconds, extra: { checksum: sink } };
    },
    dispose() {},
  };
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "?";
  } catch {
    return "?";
  }
}

export function createKiln(): NodeEngine {
  return {
    info(): EngineInfo {
      return {
        engine: "kiln",
        description: `Kiln ${version()} (Node ${process.versions.node}; 1 thread, or up to ${getNumThreads()} in "N threads" rows)`,
        details: { version: version(), node: process.versions.node, v8: process.versions.v8, defaultThreads: getNumThreads() },
        warnings: [],
      };
    },
    async prepare(spec) {
      // from sources the helper thread takes up to a second or two to start (it loads tsx): an
      // "N threads" row is measured once it takes work, not while the caller still computes alone
      if (spec.threads === "all") await wasmKernel()?.startHelper();
      switch (spec.kind) {
        case "train":
        case "train-cnn":
          return trainRunner(spec);
        case "matmul":
          return matmulRunner(spec);
        case "infer":
        case "infer-cnn":
          return inferRunner(spec);
      }
    },
  };
}

