/**
 * TensorFlow.js 4.22 (tfjs-core) on its `cpu` or `wasm` (XNNPACK, SIMD) backend, with the training loop
 * a tfjs user writes without tfjs-layers: variables, `tf.fused.matMul` with bias and ReLU (what a
 * tfjs-layers Dense layer runs; W6/W7's convolutions `tf.fused.conv2d`), `tf.losses.softmaxCrossEntropy` on one-hot labels, `tf.train.sgd` /
 * `tf.train.adam` `.minimize`, manual shuffled batching with `tf.gather`, `tf.tidy` around each step.
 * One backend per process: `host.ts` creates exactly one engine.
 */
import { register } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { readClassification, Rng } from "../data.js";
import type { CaseSpec, EngineInfo } from "../protocol.js";
import { now, Skip, type NodeEngine, type Runner } from "./types.js";

export type TfjsBackend = "cpu" | "wasm";

/** Why W6 trains on tfjs's cpu backend: its wasm backend registers no convolution gradient kernels. */
export const WASM_NO_CONV_GRADIENTS = "wasm backend has no Conv2DBackpropFilter kernel: see tfjs-cpu";

/**
 * tfjs-core's Node bundle (its package "main") registers no gradients: they live in
 * `dist/register_all_gradients.js`, an ES module with extensionless relative imports that only
 * bundlers resolve (the @tensorflow/tfjs union package bundles them into its own Node build). Rather
 * than add the union package (layers, converter, data, webgl), load tfjs-core's own gradient
 * definitions through a resolve hook that appends ".js". They register into tfjs's global gradient
 * registry and run the same ops on the same global engine, exactly as the union's copy would.
 */
const EXTENSIONLESS_HOOK = `
export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent !== undefined && parent.includes("/@tensorflow/tfjs-core/dist/") && specifier.startsWith(".") && !specifier.endsWith(".js")) {
    try { return await next(specifier + ".js", context); } catch { return next(specifier + "/index.js", context); }
  }
  return next(specifier, context);
}`;

async function registerGradients(): Promise<void> {
  if (tf.getGradient("RealDiv") !== undefined) return;
  register(`data:text/javascript,${encodeURIComponent(EXTENSIONLESS_HOOK)}`);
  await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
  if (tf.getGradient("RealDiv") === undefined) throw new Error("TensorFlow.js gradients did not register");
}

interface Layer {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
}

/** Weights [in, out] and biases uniform in ±1/√in, as PyTorch's nn.Linear (seeded, not bit-equal). */
function makeLayers(sizes: readonly number[], seed: number): Layer[] {
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const bound = 1 / Math.sqrt(sizes[i]!);
    layers.push({
      w: tf.variable(tf.randomUniform([sizes[i]!, sizes[i + 1]!], -bound, bound, "float32", seed + 2 * i)),
      b: tf.variable(tf.randomUniform([sizes[i + 1]!], -bound, bound, "float32", seed + 2 * i + 1)),
    });
  }
  return layers;
}

function forward(layers: readonly Layer[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  layers.forEach((l, i) => {
    h = tf.fused.matMul({ a: h, b: l.w, bias: l.b, activation: i + 1 < layers.length ? "relu" : "linear" }) as tf.Tensor2D;
  });
  return h;
}

function disposeLayers(layers: readonly Layer[]): void {
  for (const l of layers) {
    l.w.dispose();
    l.b.dispose();
  }
}

/** A model's variables and its forward pass from [b, features] rows to logits. */
interface Model {
  readonly vars: tf.Variable[];
  forward(x: tf.Tensor2D, training: boolean): tf.Tensor2D;
  dispose(): void;
}

function mlpModel(sizes: readonly number[], seed: number): Model {
  const layers = makeLayers(sizes, seed);
  return {
    vars: layers.flatMap((l) => [l.w, l.b]),
    forward: (x) => forward(layers, x),
    dispose: () => disposeLayers(layers),
  };
}

/** A conv layer's filter [kH, kW, in, out] (tfjs's layout, NHWC data) and bias, uniform in ±1/√fan_in. */
function convLayer(k: number, inC: number, outC: number, seed: number): Layer {
  const bound = 1 / Math.sqrt(inC * k * k);
  return {
    w: tf.variable(tf.randomUniform([k, k, inC, outC], -bound, bound, "float32", seed)),
    b: tf.variable(tf.randomUniform([outC], -bound, bound, "float32", seed + 1)),
  };
}

/**
 * protocol.ts's MNIST_CNN with what tfjs-layers' Conv2D runs (`tf.fused.conv2d` with bias and ReLU,
 * NHWC: tfjs's cpu and wasm backends compute convolutions in NHWC only), `tf.maxPool`, `tf.dropout`.
 */
function mnistCnnModel(seed: number): Model {
  const conv1 = convLayer(3, 1, 32, seed);
  const conv2 = convLayer(3, 32, 64, seed + 2);
  const dense = makeLayers([9216, 128, 10], seed + 4);
  const conv = (x: tf.Tensor4D, l: Layer) =>
    tf.fused.conv2d({ x, filter: l.w as tf.Tensor4D, strides: 1, pad: "valid", bias: l.b, activation: "relu" });
  return {
    vars: [conv1, conv2, ...dense].flatMap((l) => [l.w, l.b]),
    forward(x, training) {
      const b = x.shape[0];
      let h = conv(conv(tf.reshape(x, [b, 28, 28, 1]), conv1), conv2);
      h = tf.maxPool(h, 2, 2, "valid");
      if (training) h = tf.dropout(h, 0.25) as tf.Tensor4D;
      let f = tf.fused.matMul({ a: tf.reshape(h, [b, 9216]), b: dense[0]!.w, bias: dense[0]!.b, activation: "relu" }) as tf.Tensor2D;
      if (training) f = tf.dropout(f, 0.5) as tf.Tensor2D;
      return tf.fused.matMul({ a: f, b: dense[1]!.w, bias: dense[1]!.b }) as tf.Tensor2D;
    },
    dispose: () => disposeLayers([conv1, conv2, ...dense]),
  };
}

function buildModel(spec: CaseSpec & { kind: "train" | "train-cnn" | "infer" | "infer-cnn" }): Model {
  return spec.kind === "train" || spec.kind === "infer" ? mlpModel(spec.mlp.sizes, spec.seed) : mnistCnnModel(spec.seed);
}

function trainRunner(spec: CaseSpec & { kind: "train" | "train-cnn" }): Runner {
  const { x, y } = readClassification(spec.data);
  const { n, features, classes } = spec.data;
  const X = tf.tensor2d(x, [n, features]);
  const Y = tf.tensor1d(y, "int32");
  const model = buildModel(spec);
  const opt = spec.optimizer === "sgd" ? tf.train.sgd(spec.lr) : tf.train.adam(spec.lr);
  const rng = new Rng(spec.seed);
  const perm = new Int32Array(n);
  // "train": an iteration is an epoch; "train-cnn": one batch, the epochs running on across calls
  let cursor = n;
  let lossSum = 0;
  let samples = 0;
  const step = (): void => {
    if (cursor >= n) {
      rng.permutation(perm);
      cursor = 0;
    }
    const idx = perm.slice(cursor, Math.min(cursor + spec.batchSize, n));
    cursor += idx.length;
    const cost = tf.tidy(() => {
      const it = tf.tensor1d(idx, "int32");
      const xb = tf.gather(X, it) as tf.Tensor2D;
      const yb = tf.oneHot(tf.gather(Y, it) as tf.Tensor1D, classes);
      return opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, model.forward(xb, true)) as tf.Scalar, true, model.vars)!;
    });
    lossSum += cost.dataSync()[0]! * idx.length;
    samples += idx.length;
    cost.dispose();
  };
  return {
    run(iters) {
      lossSum = 0;
      samples = 0;
      const t0 = now();
      for (let i = 0; i < iters; i++) {
        do step();
        while (spec.kind === "train" && cursor < n);
      }
      const seconds = now() - t0;
      return { seconds, extra: { loss: lossSum / samples, tensors: tf.memory().numTensors } };
    },
    dispose() {
      X.dispose();
      Y.dispose();
      model.dispose();
      opt.dispose();
    },
  };
}

function matmulRunner(spec: CaseSpec & { kind: "matmul" }, backend: TfjsBackend): Runner {
  if (spec.threads === "all") {
    throw new Skip(backend === "cpu" ? "single-threaded backend" : "no threaded wasm in Node");
  }
  const a = tf.randomNormal([spec.n, spec.n], 0, 1, "float32", spec.seed) as tf.Tensor2D;
  const b = tf.randomNormal([spec.n, spec.n], 0, 1, "float32", spec.seed + 1) as tf.Tensor2D;
  return {
    run(iters) {
      const t0 = now();
      for (let i = 0; i < iters; i++) tf.matMul(a, b).dispose();
      return { seconds: now() - t0 };
    },
    dispose() {
      a.dispose();
      b.dispose();
    },
  };
}

function inferRunner(spec: CaseSpec & { kind: "infer" | "infer-cnn" }): Runner {
  const { x } = readClassification(spec.data);
  const f = spec.data.features;
  const b = spec.batchSize;
  const blocks = Math.floor(spec.data.n / b);
  const model = buildModel(spec);
  let call = 0;
  return {
    run(iters) {
      let sink = 0;
      const t0 = now();
      for (let i = 0; i < iters; i++) {
        const start = (call++ % blocks) * b * f;
        const out = tf.tidy(() => model.forward(tf.tensor2d(x.subarray(start, start + b * f), [b, f]), false));
        sink += (out.dataSync() as Float32Array)[0]!;
        out.dispose();
      }
      const seconds = now() - t0;
      return { seconds, extra: { checksum: sink } };
    },
    dispose() {
      model.dispose();
    },
  };
}

export async function createTfjs(backend: TfjsBackend): Promise<NodeEngine> {
  // One thread: tfjs's threaded wasm build needs browser workers; say so explicitly rather than rely on detection.
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  await registerGradients();
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js backend ${backend} failed to initialise`);
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`TensorFlow.js runs on ${tf.getBackend()}, not ${backend}`);
  const flags = tf.env().getFlags();
  const simd = flags["WASM_HAS_SIMD_SUPPORT"] === true;
  return {
    info(): EngineInfo {
      const warnings: string[] = [];
      if (backend === "wasm" && !simd) warnings.push("TensorFlow.js wasm runs without SIMD (WASM_HAS_SIMD_SUPPORT is false)");
      return {
        engine: backend === "wasm" ? "tfjs-wasm" : "tfjs-cpu",
        description:
          backend === "wasm"
            ? `TensorFlow.js ${tf.version_core} wasm (XNNPACK${simd ? ", SIMD" : ", no SIMD"}, 1 thread)`
            : `TensorFlow.js ${tf.version_core} cpu (plain JS, 1 thread)`,
        details: { version: tf.version_core, backend: tf.getBackend(), flags },
        warnings,
      };
    },
    prepare(spec) {
      switch (spec.kind) {
        case "train":
          return trainRunner(spec);
        case "train-cnn":
          if (backend === "wasm") throw new Skip(WASM_NO_CONV_GRADIENTS);
          return trainRunner(spec);
        case "matmul":
          return matmulRunner(spec, backend);
        case "infer":
        case "infer-cnn":
          return inferRunner(spec);
      }
    },
  };
}
