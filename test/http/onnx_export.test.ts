/**
 * GET /v1/models/{id}/weights with Accept: application/onnx, for every layer type: the file run in
 * ONNX Runtime gives /predict's outputs (eval mode) within 1e-5 for a batch of any size, and
 * python3-onnx's checker accepts it where installed.
 */
import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAYER_TYPES, type LayerSpecInput } from "../../src/schema/index.js";
import type { ModelView } from "../../src/services/index.js";
import { onnxCheckerComplaint, onnxCheckerMissing } from "../helpers/onnx_checker.js";
import { buildTestApp, type TestApp } from "./helper.js";

interface WeightsJson {
  tensors: Record<string, { shape: number[]; dtype: string; data: number[] }>;
}

interface Case {
  name: string;
  input_shape: number[];
  layers: LayerSpecInput[];
}

const CASES: Case[] = [
  {
    name: "an MLP: Linear (with and without bias), the activations, Dropout, Identity, LayerNorm, BatchNorm1d on [C], Softmax",
    input_shape: [6],
    layers: [
      { type: "Linear", out_features: 8 },
      { type: "BatchNorm1d" },
      { type: "ReLU" },
      { type: "Linear", out_features: 8, bias: false },
      { type: "LeakyReLU", negative_slope: 0.2 },
      { type: "LayerNorm" },
      { type: "Sigmoid" },
      { type: "Dropout", p: 0.3 },
      { type: "Linear", out_features: 7 },
      { type: "Tanh" },
      { type: "GELU" },
      { type: "LayerNorm", elementwise_affine: false, eps: 1e-3 },
      { type: "GELU", approximate: "tanh" },
      { type: "Identity" },
      { type: "BatchNorm1d", track_running_stats: false, affine: false },
      { type: "Linear", out_features: 4 },
      { type: "Softmax" },
    ],
  },
  {
    name: "samples of two dims: Linear over the last, LogSoftmax and Softmax along a dim, Flatten of part of a sample",
    input_shape: [3, 5],
    layers: [
      { type: "Linear", out_features: 4 },
      { type: "LogSoftmax", dim: 1 },
      { type: "Linear", out_features: 6, bias: false },
      { type: "Softmax", dim: -1 },
      { type: "Flatten", start_dim: 1, end_dim: 2 },
      { type: "Linear", out_features: 3 },
      { type: "LogSoftmax" },
    ],
  },
  {
    name: 'Conv1d ("same" with dilation, groups, stride, "valid"), BatchNorm1d on [C, L], MaxPool1d (padding, ceil_mode, dilation)',
    input_shape: [2, 9],
    layers: [
      { type: "Conv1d", out_channels: 4, kernel_size: 4, padding: "same", dilation: 2 },
      { type: "BatchNorm1d" },
      // ceil_mode's last window would start in the padding: PyTorch drops it (9 → 5, not 6)
      { type: "MaxPool1d", kernel_size: 2, stride: 2, padding: 1, ceil_mode: true },
      { type: "Conv1d", out_channels: 6, kernel_size: [1], groups: 2, stride: 2, padding: "valid", bias: false },
      { type: "BatchNorm1d", track_running_stats: false },
      { type: "MaxPool1d", kernel_size: 2, dilation: 2, stride: 1 },
      { type: "Flatten" },
      { type: "Linear", out_features: 3 },
    ],
  },
  {
    name: "images of bytes: ConvertImageDtype, Normalize, Conv2d (stride, padding), BatchNorm2d, Dropout2d, MaxPool2d (ceil_mode), AvgPool2d, AdaptiveAvgPool2d",
    input_shape: [1, 9, 9],
    layers: [
      { type: "ConvertImageDtype" },
      { type: "Normalize", mean: [0.5], std: [0.25] },
      { type: "Conv2d", out_channels: 4, kernel_size: 3, stride: 2, padding: 1 },
      { type: "BatchNorm2d" },
      { type: "ReLU" },
      { type: "Dropout2d" },
      { type: "MaxPool2d", kernel_size: 2, stride: 2, ceil_mode: true },
      { type: "AvgPool2d", kernel_size: 2, stride: 1 },
      { type: "AdaptiveAvgPool2d", output_size: [1, null] },
      { type: "Flatten" },
      { type: "Linear", out_features: 5 },
    ],
  },
  {
    name: 'Conv2d ("same" with an even kernel and dilation, groups, per-dim padding), AvgPool2d (ceil_mode, count_include_pad, divisor_override), AdaptiveAvgPool2d of uneven windows, MaxPool2d (padding, dilation)',
    input_shape: [3, 10, 9],
    layers: [
      { type: "Normalize", mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2] },
      { type: "ConvertImageDtype" },
      { type: "Conv2d", out_channels: 6, kernel_size: [4, 3], padding: "same", dilation: [1, 2], groups: 3 },
      { type: "BatchNorm2d", track_running_stats: false, affine: false },
      { type: "AvgPool2d", kernel_size: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false },
      { type: "Conv2d", out_channels: 4, kernel_size: [2, 3], stride: [2, 1], padding: [1, 2], bias: false },
      { type: "AvgPool2d", kernel_size: [2, 3], stride: [2, 2], padding: [1, 1], ceil_mode: true, divisor_override: 4 },
      { type: "MaxPool2d", kernel_size: 2, stride: 1, padding: 1, dilation: [1, 2] },
      { type: "AdaptiveAvgPool2d", output_size: [2, 3] },
      { type: "AvgPool2d", kernel_size: 2, padding: 1, ceil_mode: true },
      { type: "Flatten", start_dim: 2 },
      { type: "LogSoftmax", dim: 1 },
    ],
  },
  {
    name: "Normalize of samples without a channel dim, ConvertImageDtype of floats",
    input_shape: [4, 5],
    layers: [
      { type: "Normalize", mean: [0.5], std: [2] },
      { type: "ConvertImageDtype" },
      { type: "Softmax", dim: 1 },
    ],
  },
];

/** A seeded stream of numbers in [0, 1) (mulberry32). */
function uniform(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

/** A model of `c` with weights and running statistics far from their initial ones (a variance above 0.5). */
async function modelOf(c: Case, next: () => number): Promise<ModelView> {
  const created = await t.app.inject({ method: "POST", url: "/v1/models", payload: { input_shape: c.input_shape, layers: c.layers, seed: 7 } });
  expect(created.statusCode, created.body).toBe(201);
  const model = created.json() as ModelView;
  const weights = (await t.app.inject({ method: "GET", url: `/v1/models/${model.id}/weights` })).json() as WeightsJson;
  for (const [key, tensor] of Object.entries(weights.tensors)) {
    if (tensor.dtype !== "float32") continue;
    tensor.data = tensor.data.map(() => (key.endsWith("running_var") ? 0.5 + next() : next() - 0.5));
  }
  const put = await t.app.inject({ method: "PUT", url: `/v1/models/${model.id}/weights`, payload: weights as object });
  expect(put.statusCode, put.body).toBe(200);
  return model;
}

/** `count` samples of `shape`, as nested arrays and as one flat array: bytes 0-255 or floats in [-2, 2). */
function batchOf(count: number, shape: number[], bytes: boolean, next: () => number): { nested: unknown[]; flat: number[] } {
  const flat: number[] = [];
  const sample = (dims: number[]): unknown =>
    dims.length === 0 ? (flat.push(bytes ? Math.floor(next() * 256) : 4 * next() - 2), flat.at(-1)) : Array.from({ length: dims[0]! }, () => sample(dims.slice(1)));
  return { nested: Array.from({ length: count }, () => sample(shape)), flat };
}

const checkerMissing = onnxCheckerMissing();
const exported = new Map<string, Uint8Array>();

describe("GET /v1/models/{id}/weights as application/onnx", () => {
  it("the cases cover every layer type", () => {
    const covered = new Set(CASES.flatMap((c) => c.layers.map((l) => l.type)));
    expect(LAYER_TYPES.filter((type) => !covered.has(type))).toEqual([]);
  });

  CASES.forEach((c, i) => {
    it(`${c.name}: ONNX Runtime gives /predict's outputs within 1e-5 for batches of 3 and 5`, async () => {
      const next = uniform(1000 + i);
      const model = await modelOf(c, next);
      const res = await t.app.inject({ method: "GET", url: `/v1/models/${model.id}/weights`, headers: { accept: "application/onnx" } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers["content-type"]).toBe("application/onnx");
      expect(res.headers["content-disposition"]).toBe(`attachment; filename="${model.id}.onnx"`);
      const bytes = new Uint8Array(res.rawPayload);
      exported.set(c.name, bytes);

      const session = await InferenceSession.create(bytes, { executionProviders: ["cpu"] });
      expect(session.inputNames).toEqual(["inputs"]);
      expect(session.outputNames).toEqual(["outputs"]);
      const bytesIn = c.layers[0]!.type === "ConvertImageDtype";
      for (const count of [3, 5]) {
        const batch = batchOf(count, c.input_shape, bytesIn, next);
        const predicted = await t.app.inject({ method: "POST", url: `/v1/models/${model.id}/predict`, payload: { inputs: batch.nested } });
        expect(predicted.statusCode, predicted.body).toBe(200);
        const expected = [(predicted.json() as { outputs: unknown[] }).outputs].flat(Infinity) as number[];
        const dims = [count, ...c.input_shape];
        const input = bytesIn ? new OrtTensor("uint8", Uint8Array.from(batch.flat), dims) : new OrtTensor("float32", Float32Array.from(batch.flat), dims);
        const { outputs } = await session.run({ inputs: input });
        expect(outputs!.dims).toEqual([count, ...model.output_shape]);
        const actual = Array.from(outputs!.data as Float32Array);
        expect(actual).toHaveLength(expected.length);
        const worst = Math.max(...actual.map((v, j) => Math.abs(v - expected[j]!)));
        expect(worst, `largest difference from /predict, batch of ${count}`).toBeLessThanOrEqual(1e-5);
      }
      await session.release();
    });
  });

  const checkerTitle = checkerMissing ? `python3-onnx's checker (skipped: ${checkerMissing})` : "python3-onnx's checker (full_check) accepts every exported model";
  it.skipIf(checkerMissing !== null)(checkerTitle, () => {
    expect(exported.size).toBe(CASES.length);
    for (const [name, bytes] of exported) expect(onnxCheckerComplaint(bytes), name).toBeNull();
  });
});
