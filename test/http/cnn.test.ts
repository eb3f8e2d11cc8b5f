import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelView } from "../../src/services/index.js";
import { safetensors } from "../../src/tensor/index.js";
import { loadFixture, type RefTensor } from "../helpers/fixtures.js";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";

/** cnn_trajectory.json's `service` run: what the service trains for this model and training spec. */
interface ServiceRun {
  model: { input_shape: number[]; layers: object[]; seed: number };
  training: Record<string, unknown>;
  train_samples: number;
  losses: number[];
  val_losses: number[];
  final_state_dict: Record<string, RefTensor>;
  eval_outputs: RefTensor;
}
const cnn = loadFixture<{ X: RefTensor; y: RefTensor; service: ServiceRun }>("cnn_trajectory.json");
const run = cnn.service;

interface TensorJson {
  shape: number[];
  dtype: string;
  data: number[];
}
type WeightsJson = { tensors: Record<string, TensorJson> };

/** The fixture's images as nested JSON arrays [1][8][8], rows from..to. */
function images(from: number, to: number): number[][][][] {
  const [, c, h, w] = cnn.X.shape as [number, number, number, number];
  const values = cnn.X.data as number[];
  return Array.from({ length: to - from }, (_, n) =>
    Array.from({ length: c }, (_, k) => Array.from({ length: h }, (_, i) => values.slice(((from + n) * c + k) * h * w + i * w, ((from + n) * c + k) * h * w + (i + 1) * w))),
  );
}
const labels = (from: number, to: number): number[] => (cnn.y.data as number[]).slice(from, to);

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const inject = (method: "GET" | "POST" | "PUT", url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

async function created(res: { statusCode: number; body: string; json(): unknown }): Promise<string> {
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

async function waitForEnd(id: string): Promise<{ status: string; metrics: { epochs: { val_loss: number }[] } }> {
  // the event stream ends with the job: reading it to its end waits for it
  await inject("GET", `/v1/jobs/${id}/events`);
  return (await inject("GET", `/v1/jobs/${id}`)).json() as { status: string; metrics: { epochs: { val_loss: number }[] } };
}

const OCTET = { accept: "application/octet-stream" };

describe("a CNN over HTTP: Conv2d, BatchNorm2d, ReLU, Dropout2d, MaxPool2d, Dropout, Flatten, Linear on [1, 8, 8]", () => {
  let model: ModelView;
  let trained: WeightsJson;

  it("shows every layer resolved, with its output shape and parameter count (BatchNorm's buffers are not parameters)", async () => {
    model = (await inject("POST", "/v1/models", run.model)).json() as ModelView;
    expect(model.id).toBeDefined();
    expect(model.layers.map((l) => [l.type, l.output_shape, l.num_params])).toEqual([
      ["Conv2d", [4, 8, 8], 36],
      ["BatchNorm2d", [4, 8, 8], 8],
      ["ReLU", [4, 8, 8], 0],
      ["Dropout2d", [4, 8, 8], 0],
      ["MaxPool2d", [4, 4, 4], 0],
      ["Dropout", [4, 4, 4], 0],
      ["Flatten", [64], 0],
      ["Linear", [3], 195],
    ]);
    expect(model.num_params).toBe(239);
    expect(model.trainable_params).toBe(239);
    expect(model.output_shape).toEqual([3]);
    expect(model.layers[0]).toEqual({
      type: "Conv2d",
      in_channels: 1,
      out_channels: 4,
      kernel_size: 3,
      stride: 1,
      padding: 1,
      dilation: 1,
      groups: 1,
      bias: false,
      output_shape: [4, 8, 8],
      num_params: 36,
    });
    expect(model.layers[1]).toMatchObject({ num_features: 4, eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true });
    expect(model.summary.split("\n").slice(2, 6)).toEqual([
      "    (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)",
      "    (1): BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
      "    (2): ReLU()",
      "    (3): Dropout2d(p=0.25, inplace=False)",
    ]);
  });

  it("names the field at fault when a layer does not fit", async () => {
    const layers = [{ type: "MaxPool2d", kernel_size: 2 }, { type: "MaxPool2d", kernel_size: 2 }, { type: "Conv2d", out_channels: 2, kernel_size: 3 }];
    const res = await inject("POST", "/v1/models", { input_shape: [1, 8, 8], layers });
    expect(res.statusCode).toBe(422);
    expect(errorOf(res).details).toEqual([{ path: "layers[2].kernel_size", message: "kernel_size 3 does not fit a 2×2 input" }]);
  });

  it("trains as PyTorch does: every loss, validation in eval mode, and the running statistics", async () => {
    const datasetId = await created(await inject("POST", "/v1/datasets", { features: images(0, run.train_samples), labels: labels(0, run.train_samples) }));
    const total = cnn.X.shape[0]!;
    const validationId = await created(await inject("POST", "/v1/datasets", { features: images(run.train_samples, total), labels: labels(run.train_samples, total) }));
    const res = await inject("POST", "/v1/jobs", { model_id: model.id, dataset_id: datasetId, validation_dataset_id: validationId, ...run.training });
    expect(res.statusCode, res.body).toBe(202);
    const { id } = res.json() as { id: string };
    const job = await waitForEnd(id);
    expect(job.status).toBe("succeeded");
    const events = (await inject("GET", `/v1/jobs/${id}/events`)).body;
    const losses = [...events.matchAll(/event: progress\ndata: (.*)\n/g)].map((m) => (JSON.parse(m[1]!) as { loss: number }).loss);
    expect(losses).toHaveLength(run.losses.length);
    losses.forEach((l, i) => expect(Math.abs(l - run.losses[i]!), `step ${i}`).toBeLessThan(2e-4));
    job.metrics.epochs.forEach((e, i) => expect(Math.abs(e.val_loss - run.val_losses[i]!), `epoch ${i}`).toBeLessThan(2e-4));

    trained = (await inject("GET", `/v1/models/${model.id}/weights`)).json() as WeightsJson;
    expect(Object.keys(trained.tensors)).toEqual(Object.keys(run.final_state_dict));
    for (const [key, ref] of Object.entries(run.final_state_dict)) {
      const tensor = trained.tensors[key]!;
      expect([tensor.shape, tensor.dtype], key).toEqual([ref.shape, ref.dtype]);
      tensor.data.forEach((v, i) => expect(Math.abs(v - (ref.data[i] as number)), `${key}[${i}]`).toBeLessThan(1e-4 * Math.abs(ref.data[i] as number) + 1e-6));
    }
    expect(trained.tensors["layers.1.num_batches_tracked"]).toEqual({ shape: [], dtype: "int64", data: [run.losses.length] });
  });

  it("predicts in eval mode, with the running statistics", async () => {
    const total = cnn.X.shape[0]!;
    const res = await inject("POST", `/v1/models/${model.id}/predict`, { inputs: images(run.train_samples, total) });
    expect(res.statusCode, res.body).toBe(200);
    const { outputs, predictions } = res.json() as { outputs: number[][]; predictions: number[] };
    const expected = run.eval_outputs.data as number[];
    outputs.flat().forEach((v, i) => expect(Math.abs(v - expected[i]!), `output ${i}`).toBeLessThan(1e-4 * Math.abs(expected[i]!) + 1e-5));
    expect(predictions).toHaveLength(total - run.train_samples);
  });

  it("round-trips the weights and buffers as JSON", async () => {
    const changed = structuredClone(trained);
    changed.tensors["layers.1.num_batches_tracked"]!.data = [1000];
    changed.tensors["layers.1.running_var"]!.data = [1, 2, 3, 4];
    const res = await inject("PUT", `/v1/models/${model.id}/weights`, changed);
    expect(res.statusCode, res.body).toBe(200);
    expect((await inject("GET", `/v1/models/${model.id}/weights`)).json()).toEqual(changed);
    expect((await inject("PUT", `/v1/models/${model.id}/weights`, trained)).statusCode).toBe(200);
    expect((await inject("GET", `/v1/models/${model.id}/weights`)).json()).toEqual(trained);
  });

  it("refuses a buffer of the wrong dtype or a count that is not an integer, naming it", async () => {
    const asFloat = structuredClone(trained);
    asFloat.tensors["layers.1.num_batches_tracked"]!.dtype = "float32";
    let res = await inject("PUT", `/v1/models/${model.id}/weights`, asFloat);
    expect(res.statusCode).toBe(422);
    expect(errorOf(res).details).toEqual([{ path: 'tensors["layers.1.num_batches_tracked"].dtype', message: '"layers.1.num_batches_tracked" has dtype float32, expected int64' }]);
    const fractional = structuredClone(trained);
    fractional.tensors["layers.1.num_batches_tracked"]!.data = [2.5];
    res = await inject("PUT", `/v1/models/${model.id}/weights`, fractional);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).details!.map((d) => d.path)).toEqual(['tensors["layers.1.num_batches_tracked"].data[0]']);
  });

  it("round-trips the weights and buffers as safetensors, with PyTorch's dtypes", async () => {
    const file = await inject("GET", `/v1/models/${model.id}/weights`, undefined, OCTET);
    expect(file.statusCode).toBe(200);
    const { tensors } = safetensors.parse(file.rawPayload);
    expect(Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, v.dtype]))).toEqual(
      Object.fromEntries(Object.entries(run.final_state_dict).map(([k, v]) => [k, v.dtype])),
    );
    expect(Array.from(tensors["layers.1.num_batches_tracked"]!.data as BigInt64Array)).toEqual([BigInt(run.losses.length)]);
    (tensors["layers.1.num_batches_tracked"]!.data as BigInt64Array)[0] = 2n ** 62n;
    const res = await inject("PUT", `/v1/models/${model.id}/weights`, Buffer.from(safetensors.serialize(tensors)), { "content-type": "application/octet-stream" });
    expect(res.statusCode, res.body).toBe(200);
    const again = safetensors.parse((await inject("GET", `/v1/models/${model.id}/weights`, undefined, OCTET)).rawPayload).tensors;
    expect(Array.from(again["layers.1.num_batches_tracked"]!.data as BigInt64Array)).toEqual([2n ** 62n]);
    // JSON shows a count past 2^53 by its exact digits
    expect((await inject("GET", `/v1/models/${model.id}/weights`)).body).toContain('"layers.1.num_batches_tracked":{"shape":[],"dtype":"int64","data":[4611686018427387904]}');
  });
});

describe("a CNN's bounds", () => {
  it("count the buffers' values with the parameters in JSON weights, and a convolution's work at every position", async () => {
    // 239 parameters and 9 buffer values: 248 numbers, past a limit of 240
    const small = await buildTestApp({ config: { limits: { maxResponseValues: 240, maxPredictWork: 10_000 } } });
    try {
      const res = await small.app.inject({ method: "POST", url: "/v1/models", payload: run.model });
      const { id, num_params } = res.json() as ModelView;
      expect(num_params).toBe(239);
      const json = await small.app.inject({ method: "GET", url: `/v1/models/${id}/weights` });
      expect(json.statusCode).toBe(422);
      expect(errorOf(json).message).toMatch(/^the model's 248 weights are more than this service's limit of 240 numbers per JSON response/);
      expect((await small.app.inject({ method: "GET", url: `/v1/models/${id}/weights`, headers: OCTET })).statusCode).toBe(200);

      // per sample: the conv's 36 weights at 64 positions, BatchNorm's 8, the pool's 64 windows of 4, the Linear's 195;
      // and 1283 activation values
      const predict = (n: number) => small.app.inject({ method: "POST", url: `/v1/models/${id}/predict`, payload: { inputs: images(0, n) } });
      expect((await predict(2)).statusCode).toBe(200);
      const refused = await predict(3);
      expect(refused.statusCode).toBe(422);
      expect(errorOf(refused).message).toBe(
        "predicting 3 samples takes about 12138 operations (2763 multiply-adds and 1283 activation values per sample), " +
          "above this service's limit of 10000 per request; send at most 2 per request",
      );
    } finally {
      await small.close();
    }
  });
});
