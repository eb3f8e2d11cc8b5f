/**
 * Fashion-MNIST through the HTTP API, as a user would train it: reads the original IDX files (Debian's
 * `dataset-fashion-mnist` package), uploads the 60,000 training images as uint8 safetensors, trains
 * pytorch/examples' MNIST `Net` behind ConvertImageDtype + Normalize, scores the 10,000 test images
 * through /predict, and prints the test accuracy and the time per epoch. Its PyTorch twin is
 * examples/fashion_mnist.py (same model, optimizer, batches and seed).
 *
 *     npm start                                  # in another terminal (or KILN_URL of a running Kiln)
 *     npx tsx examples/fashion-mnist.ts [epochs] [batch_size]     # 1, 32
 *
 * KILN_URL (default http://127.0.0.1:3000), KILN_API_KEY (when the service has keys), FASHION_MNIST_DIR
 * (default /usr/share/datasets/fashion-mnist).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { fromTypedArray, safetensors } from "../src/tensor/index.js";

const BASE = process.env.KILN_URL ?? "http://127.0.0.1:3000";
const KEY = process.env.KILN_API_KEY;
const DIR = process.env.FASHION_MNIST_DIR ?? "/usr/share/datasets/fashion-mnist";
const EPOCHS = Number(process.argv[2] ?? 1);
const BATCH_SIZE = Number(process.argv[3] ?? 32);
/** Test images per /predict request: within KILN_MAX_PREDICT_WORK (200M) for this model's ~12.2M multiply-adds and values per sample. */
const PREDICT_BATCH = 16;

/** The Fashion-MNIST images, or labels, of one IDX file (big-endian header, then one byte per value). */
function readIdx(name: string): { data: Uint8Array; shape: number[] } {
  const bytes = gunzipSync(readFileSync(join(DIR, name)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = view.getUint8(3);
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
  return { data: bytes.subarray(4 + 4 * dims), shape };
}

async function call<T>(method: string, path: string, body?: Uint8Array | object, contentType = "application/json"): Promise<T> {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { ...(KEY ? { authorization: `Bearer ${KEY}` } : {}), ...(body === undefined ? {} : { "content-type": contentType }) },
    ...(body === undefined ? {} : { body: body instanceof Uint8Array ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

const images = readIdx("train-images-idx3-ubyte.gz");
const labels = readIdx("train-labels-idx1-ubyte.gz");
const n = images.shape[0]!;
const body = safetensors.serialize({
  features: fromTypedArray(images.data, [n, 1, 28, 28], { dtype: "uint8" }),
  labels: fromTypedArray(BigInt64Array.from(labels.data, (v) => BigInt(v)), [n]),
});
console.log(`uploading ${n} training images (${(body.byteLength / 2 ** 20).toFixed(1)} MiB as uint8 safetensors)`);
const dataset = await call<{ id: string }>("POST", "/v1/datasets?name=fashion-mnist-train", body, "application/octet-stream");

// pytorch/examples' MNIST Net, on raw pixels: Fashion-MNIST's mean and std (0.2860, 0.3530)
const model = await call<{ id: string; num_params: number }>("POST", "/v1/models", {
  name: "fashion-mnist-net",
  input_shape: [1, 28, 28],
  seed: 1,
  layers: [
    { type: "ConvertImageDtype" },
    { type: "Normalize", mean: [0.286], std: [0.353] },
    { type: "Conv2d", out_channels: 32, kernel_size: 3 },
    { type: "ReLU" },
    { type: "Conv2d", out_channels: 64, kernel_size: 3 },
    { type: "ReLU" },
    { type: "MaxPool2d", kernel_size: 2 },
    { type: "Dropout", p: 0.25 },
    { type: "Flatten" },
    { type: "Linear", out_features: 128 },
    { type: "ReLU" },
    { type: "Dropout", p: 0.5 },
    { type: "Linear", out_features: 10 },
  ],
});
console.log(`model ${model.id}: ${model.num_params} parameters`);

const started = Date.now();
const job = await call<{ id: string }>("POST", "/v1/jobs", {
  model_id: model.id,
  dataset_id: dataset.id,
  loss: "cross_entropy",
  optimizer: { type: "Adam", lr: 1e-3 },
  epochs: EPOCHS,
  batch_size: BATCH_SIZE,
  shuffle: true,
});
interface JobView {
  status: string;
  error: { message: string } | null;
  progress: { epoch: number; step: number; total_steps: number };
  metrics: { epochs: { epoch: number; train_loss: number }[] };
}
let seenEpochs = 0;
let lastEpochAt = started;
for (;;) {
  const state = await call<JobView>("GET", `/v1/jobs/${job.id}`);
  for (const epoch of state.metrics.epochs.slice(seenEpochs)) {
    const now = Date.now();
    console.log(`\nepoch ${epoch.epoch}: train loss ${epoch.train_loss.toFixed(4)}, ${((now - lastEpochAt) / 1000).toFixed(1)} s`);
    lastEpochAt = now;
  }
  seenEpochs = state.metrics.epochs.length;
  if (state.status === "failed" || state.status === "cancelled") throw new Error(`job ${state.status}: ${state.error?.message ?? ""}`);
  if (state.status === "succeeded") break;
  process.stdout.write(`\rstep ${state.progress.step}/${state.progress.total_steps}`);
  await new Promise((r) => setTimeout(r, 1000));
}
const trainSeconds = (Date.now() - started) / 1000;

const testImages = readIdx("t10k-images-idx3-ubyte.gz");
const testLabels = readIdx("t10k-labels-idx1-ubyte.gz");
const pixels = 28 * 28;
let correct = 0;
for (let start = 0; start < testImages.shape[0]!; start += PREDICT_BATCH) {
  const count = Math.min(PREDICT_BATCH, testImages.shape[0]! - start);
  const inputs = Array.from({ length: count }, (_, i) => [chunk(testImages.data.subarray((start + i) * pixels, (start + i + 1) * pixels))]);
  const { predictions } = await call<{ predictions: number[] }>("POST", `/v1/models/${model.id}/predict`, { inputs });
  predictions.forEach((p, i) => (correct += p === testLabels.data[start + i] ? 1 : 0));
}
console.log(`\ntest accuracy ${(correct / testImages.shape[0]!).toFixed(4)} after ${EPOCHS} epoch(s); ${(trainSeconds / EPOCHS).toFixed(1)} s per epoch`);

/** One 28×28 image as rows of pixel values. */
function chunk(image: Uint8Array): number[][] {
  return Array.from({ length: 28 }, (_, row) => Array.from(image.subarray(row * 28, row * 28 + 28)));
}
