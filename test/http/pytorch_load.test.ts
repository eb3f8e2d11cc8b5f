import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFixture, type RefTensor } from "../helpers/fixtures.js";
import { buildTestApp, type TestApp } from "./helper.js";
import { SEED_MODEL } from "../helpers/seed.js";

const PYTHON = "/usr/bin/python3";
const hasTorch = spawnSync(PYTHON, ["-c", "import torch"]).status === 0;

interface Loaded {
  metadata: Record<string, string>;
  dtypes: Record<string, string>;
  module_dtypes: Record<string, string>;
  int64_values: Record<string, number>;
  outputs: number[][];
}

/** Loads the safetensors file at `path` into PyTorch's modules for `layers` (strict) and runs them in eval mode on `inputs`. */
function loadInPyTorch(path: string, layers: unknown, inputShape: number[], inputs: unknown): Loaded {
  const script = new URL("./support/load_safetensors.py", import.meta.url).pathname;
  const args = [script, path, JSON.stringify(layers), JSON.stringify(inputShape), JSON.stringify(inputs)];
  return JSON.parse(execFileSync(PYTHON, args, { encoding: "utf8" })) as Loaded;
}

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

describe.skipIf(!hasTorch)("PyTorch loads the weights Kiln serves", () => {
  it("the seed's NeuralNetwork(50, 3) loads the safetensors file and computes Kiln's outputs", async () => {
    const mlp = loadFixture<{ mlp: { X: RefTensor } }>("appendix-a.json").mlp;
    const { layers } = SEED_MODEL;
    const created = await t.app.inject({ method: "POST", url: "/v1/models", payload: SEED_MODEL });
    const { id } = created.json() as { id: string };
    const file = await t.app.inject({ method: "GET", url: `/v1/models/${id}/weights`, headers: { accept: "application/octet-stream" } });
    expect(file.headers["content-type"]).toBe("application/octet-stream");
    const path = join(t.dataDir, "model.safetensors");
    writeFileSync(path, file.rawPayload);
    const inputs = [mlp.X.data as number[]];
    const result = loadInPyTorch(path, layers, SEED_MODEL.input_shape, inputs);
    expect(result.metadata).toEqual({ format: "pt" });
    expect(new Set(Object.values(result.dtypes))).toEqual(new Set(["torch.float32"]));
    const ours = (await t.app.inject({ method: "POST", url: `/v1/models/${id}/predict`, payload: { inputs } })).json() as { outputs: number[][] };
    result.outputs[0]!.forEach((v, i) => expect(v).toBeCloseTo(ours.outputs[0]![i]!, 6));
  });

  it("a CNN with BatchNorm2d loads with its buffers, as PyTorch's state dict has them, and computes Kiln's outputs", async () => {
    const spec = {
      input_shape: [2, 6, 6],
      seed: 4,
      layers: [
        { type: "Conv2d", out_channels: 3, kernel_size: 3, padding: "same" },
        { type: "BatchNorm2d" },
        { type: "ReLU" },
        { type: "MaxPool2d", kernel_size: 2 },
        { type: "Dropout2d", p: 0.3 },
        { type: "Flatten" },
        { type: "Linear", out_features: 4 },
        { type: "BatchNorm1d", momentum: null },
      ],
    };
    const created = await t.app.inject({ method: "POST", url: "/v1/models", payload: spec });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    // running statistics of their own (as after training), which eval mode then uses
    const url = `/v1/models/${id}/weights`;
    const weights = (await t.app.inject({ method: "GET", url })).json() as { tensors: Record<string, { data: number[] }> };
    weights.tensors["layers.1.running_mean"]!.data = [0.25, -0.5, 0.125];
    weights.tensors["layers.1.running_var"]!.data = [0.5, 2, 1.5];
    weights.tensors["layers.1.num_batches_tracked"]!.data = [17];
    weights.tensors["layers.7.running_mean"]!.data = [1, -1, 0.5, 0];
    weights.tensors["layers.7.num_batches_tracked"]!.data = [3];
    expect((await t.app.inject({ method: "PUT", url, payload: weights })).statusCode).toBe(200);

    const file = await t.app.inject({ method: "GET", url, headers: { accept: "application/octet-stream" } });
    const path = join(t.dataDir, "cnn.safetensors");
    writeFileSync(path, file.rawPayload);
    const inputs = [0, 1, 2].map((n) => [0, 1].map((c) => Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => Math.sin(n + 2 * c + i * 0.7 + j * 1.3)))));
    const result = loadInPyTorch(path, spec.layers, spec.input_shape, inputs);
    expect(result.metadata).toEqual({ format: "pt" });
    expect(result.dtypes).toEqual(result.module_dtypes);
    expect(result.dtypes["layers.1.num_batches_tracked"]).toBe("torch.int64");
    expect(Object.keys(result.dtypes)).toEqual([
      "layers.0.weight",
      "layers.0.bias",
      "layers.1.weight",
      "layers.1.bias",
      "layers.1.running_mean",
      "layers.1.running_var",
      "layers.1.num_batches_tracked",
      "layers.6.weight",
      "layers.6.bias",
      "layers.7.weight",
      "layers.7.bias",
      "layers.7.running_mean",
      "layers.7.running_var",
      "layers.7.num_batches_tracked",
    ]);
    expect(result.int64_values).toEqual({ "layers.1.num_batches_tracked": 17, "layers.7.num_batches_tracked": 3 });
    const ours = (await t.app.inject({ method: "POST", url: `/v1/models/${id}/predict`, payload: { inputs } })).json() as { outputs: number[][] };
    result.outputs.forEach((row, n) => row.forEach((v, i) => expect(v, `output ${n}, ${i}`).toBeCloseTo(ours.outputs[n]![i]!, 5)));
  });
});
