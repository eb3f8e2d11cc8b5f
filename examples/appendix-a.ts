/**
 * Appendix A of the seed ("Introduction to PyTorch"), section by section, with Kiln.
 * Run: npx tsx examples/appendix-a.ts — it prints what the book prints.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { argmax, autograd, data, F, manualSeed, nn, noGrad, optim, rand, softmax, sum, tensor, type Tensor } from "../src/index.js";
import { safetensors } from "../src/tensor/index.js";

const section = (title: string): void => console.log(`\n=== ${title} ===`);
const size = (t: Tensor): string => `torch.Size([${t.shape.join(", ")}])`;

section("A.2 Understanding tensors");
const tensor0d = tensor(1);
const tensor1d = tensor([1, 2, 3]);
const tensor2d = tensor([[1, 2], [3, 4]]);
const tensor3d = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
console.log(String(tensor0d), String(tensor2d.shape.length), String(tensor3d.ndim));
console.log(`torch.${tensor1d.dtype}`);
// JavaScript cannot tell 1.0 from 1, so a float tensor of whole numbers names its dtype
const floatvec = tensor([1.0, 2.0, 3.0], { dtype: "float32" });
console.log(`torch.${floatvec.dtype}`);
console.log(`torch.${tensor1d.to("float32").dtype}`);
const t2 = tensor([[1, 2, 3], [4, 5, 6]]);
console.log(String(t2));
console.log(size(t2));
console.log(String(t2.reshape(3, 2)));
console.log(String(t2.view(3, 2)));
console.log(String(t2.T));
console.log(String(t2.matmul(t2.T)));

section("A.3 Seeing models as computation graphs");
const y = tensor([1.0], { dtype: "float32" });
const x1 = tensor([1.1]);
const w1 = tensor([2.2], { requiresGrad: true });
const b = tensor([0.0], { dtype: "float32", requiresGrad: true });
const z = x1.mul(w1).add(b);
const a = z.sigmoid();
const loss = F.binaryCrossEntropy(a, y);
console.log(String(loss.detach()));

section("A.4 Automatic differentiation made easy");
const [gradW1] = autograd.grad(loss, w1, { retainGraph: true });
const [gradB] = autograd.grad(loss, b, { retainGraph: true });
console.log(`(${gradW1},)`);
console.log(`(${gradB},)`);
loss.backward();
console.log(String(w1.grad));
console.log(String(b.grad));

section("A.5 Implementing multilayer neural networks");
class NeuralNetwork extends nn.Module {
  readonly layers: nn.Sequential;

  constructor(numInputs: number, numOutputs: number) {
    super();
    this.layers = this.registerModule(
      "layers",
      new nn.Sequential(
        // 1st hidden layer
        new nn.Linear(numInputs, 30),
        new nn.ReLU(),
        // 2nd hidden layer
        new nn.Linear(30, 20),
        new nn.ReLU(),
        // output layer
        new nn.Linear(20, numOutputs),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    return this.layers.forward(x);
  }
}

let model = new NeuralNetwork(50, 3);
console.log(String(model));
const numParams = model.parameters().filter((p) => p.requiresGrad).reduce((n, p) => n + p.numel(), 0);
console.log("Total number of trainable model parameters:", numParams);
const first = model.layers.at(0) as nn.Linear;
console.log(size(first.weight));
manualSeed(123);
model = new NeuralNetwork(50, 3);
manualSeed(123);
const X = rand([1, 50]);
console.log(String(model.forward(X)));
console.log(String(noGrad(() => model.forward(X))));
console.log(String(noGrad(() => softmax(model.forward(X), 1))));

section("A.6 Setting up efficient data loaders");
const XTrain = tensor([[-1.2, 3.1], [-0.9, 2.9], [-0.5, 2.6], [2.3, -1.1], [2.7, -1.5]]);
const yTrain = tensor([0, 0, 0, 1, 1]);
const XTest = tensor([[-0.8, 2.8], [2.6, -1.6]]);
const yTest = tensor([0, 1]);

class ToyDataset extends data.Dataset<[Tensor, Tensor]> {
  constructor(
    readonly features: Tensor,
    readonly labels: Tensor,
  ) {
    super();
  }

  getItem(index: number): [Tensor, Tensor] {
    return [this.features.index([index]).squeeze(0), this.labels.index([index]).squeeze(0)];
  }

  get length(): number {
    return this.labels.shape[0]!;
  }
}

const trainDs = new ToyDataset(XTrain, yTrain);
const testDs = new ToyDataset(XTest, yTest);
console.log(trainDs.length);
manualSeed(123);
const trainLoader = new data.DataLoader(trainDs, { batchSize: 2, shuffle: true, dropLast: true });
const testLoader = new data.DataLoader(testDs, { batchSize: 2, shuffle: false });
let idx = 0;
for (const [x, labels] of trainLoader) console.log(`Batch ${++idx}:`, String(x), String(labels));

section("A.7 A typical training loop");
manualSeed(123);
model = new NeuralNetwork(2, 2);
const optimizer = new optim.SGD(model.parameters(), { lr: 0.5 });
const numEpochs = 3;
const pad = (n: number): string => String(n).padStart(3, "0");
for (let epoch = 0; epoch < numEpochs; epoch++) {
  model.train();
  let batchIdx = 0;
  for (const [features, labels] of trainLoader) {
    const logits = model.forward(features);
    const batchLoss = F.crossEntropy(logits, labels);
    optimizer.zeroGrad();
    batchLoss.backward();
    optimizer.step();
    console.log(
      `Epoch: ${pad(epoch + 1)}/${pad(numEpochs)} | Batch ${pad(batchIdx)}/${pad(trainLoader.length)} | Train Loss: ${batchLoss.item().toFixed(2)}`,
    );
    batchIdx++;
  }
  model.eval();
}
const outputs = noGrad(() => model.forward(XTrain));
console.log(String(outputs));
const probas = softmax(outputs, 1);
console.log(String(probas));
const predictions = argmax(probas, 1);
console.log(String(predictions));
console.log(String(predictions.eq(yTrain)));
console.log(String(sum(predictions.eq(yTrain))));

function computeAccuracy(m: nn.Module, loader: data.DataLoader<[Tensor, Tensor]>): number {
  m.eval();
  let correct = 0;
  let total = 0;
  for (const [features, labels] of loader) {
    const preds = argmax(noGrad(() => m.forward(features)), 1);
    correct += sum(preds.eq(labels)).item();
    total += labels.numel();
  }
  return correct / total;
}
console.log(computeAccuracy(model, trainLoader).toFixed(1));
console.log(computeAccuracy(model, testLoader).toFixed(1));

section("A.8 Saving and loading models");
const file = join(mkdtempSync(join(tmpdir(), "kiln-")), "model.safetensors");
safetensors.saveFile(file, model.stateDict());
const restored = new NeuralNetwork(2, 2);
restored.loadStateDict(safetensors.loadFile(file));
console.log(String(noGrad(() => restored.forward(XTest)).argmax(1)));
