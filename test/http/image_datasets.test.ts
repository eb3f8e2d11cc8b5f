import { randomFillSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noGrad } from "../../src/autograd/index.js";
import { buildModel, parseModelSpec, type ModelSpecInput } from "../../src/schema/index.js";
import type { DatasetView } from "../../src/services/index.js";
import { safetensors, tensor, Tensor } from "../../src/tensor/index.js";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const npz = (name: string): Buffer => readFileSync(new URL(`../fixtures/npz/${name}`, import.meta.url));
const st = (tensors: Record<string, Tensor>): Buffer => Buffer.from(safetensors.serialize(tensors));

function post(url: string, payload: Buffer | object, contentType = "application/json") {
  return t.app.inject({ method: "POST", url, headers: { "content-type": contentType }, payload: Buffer.isBuffer(payload) ? payload : JSON.stringify(payload) });
}

async function created<T>(url: string, payload: Buffer | object, contentType?: string): Promise<T> {
  const res = await post(url, payload, contentType);
  expect(res.statusCode, res.body).toBe(url === "/v1/jobs" ? 202 : 201);
  return res.json() as T;
}

async function waitForEnd(id: string): Promise<{ status: string; error: unknown }> {
  for (;;) {
    const job = (await t.app.inject({ method: "GET", url: `/v1/jobs/${id}` })).json() as { status: string; error: unknown };
    if (job.status !== "queued" && job.status !== "running") return job;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const weightsOf = async (id: string): Promise<unknown> => (await t.app.inject({ method: "GET", url: `/v1/models/${id}/weights` })).json();

/** 40 images of 1×6×6 pixels (0 and 255 included) and 3 classes. */
const N = 40;
const pixels = Array.from({ length: N * 36 }, (_, i) => (i === 0 ? 0 : i === 1 ? 255 : (i * 97 + (i >> 3)) % 256));
const classes = Array.from({ length: N }, (_, i) => i % 3);
const images = tensor(pixels, { dtype: "uint8" }).reshape([N, 1, 6, 6]);

const imageModel = (first: object[] = [{ type: "ConvertImageDtype" }]) => ({
  input_shape: [1, 6, 6],
  layers: [...first, { type: "Normalize", mean: [0.5], std: [0.25] }, { type: "Flatten" }, { type: "Linear", out_features: 3 }],
  seed: 7,
});
const job = (modelId: string, datasetId: string) => ({
  model_id: modelId,
  dataset_id: datasetId,
  loss: "cross_entropy",
  optimizer: { type: "SGD", lr: 0.1 },
  epochs: 1,
  batch_size: 8,
  shuffle: true,
  seed: 3,
});

describe("image datasets over HTTP", () => {
  it("stores U8 safetensors features as uint8 and shows their dtype", async () => {
    const ds = await created<DatasetView>("/v1/datasets", st({ features: images, labels: tensor(classes) }), "application/octet-stream");
    expect(ds).toMatchObject({ num_samples: N, feature_shape: [1, 6, 6], feature_dtype: "uint8", label_dtype: "int64", num_classes: 3 });
    expect(Array.from((await t.store.getDataset(ds.id))!.features)).toEqual(pixels);
    const view = (await t.app.inject({ method: "GET", url: `/v1/datasets/${ds.id}` })).json() as DatasetView;
    expect(view.feature_dtype).toBe("uint8");
    const json = await created<DatasetView>("/v1/datasets", { features: [[1, 2]], labels: [0] });
    expect(json.feature_dtype).toBe("float32");
  });

  it("takes .npz files as application/x-npz, and as octet-stream by their zip magic", async () => {
    const a = await created<DatasetView>("/v1/datasets", npz("images.npz"), "application/x-npz");
    expect(a).toMatchObject({ num_samples: 6, feature_shape: [1, 4, 4], feature_dtype: "uint8", num_classes: 10 });
    const b = await created<DatasetView>("/v1/datasets", npz("images_xy_compressed.npz"), "application/octet-stream");
    expect(b).toMatchObject({ num_samples: 6, feature_dtype: "uint8" });
    expect((await t.store.getDataset(b.id))!.features).toEqual((await t.store.getDataset(a.id))!.features);
    const ints = await created<DatasetView>("/v1/datasets", npz("ints.npz"), "application/x-npz");
    expect(ints).toMatchObject({ feature_shape: [2], feature_dtype: "float32" });
  });

  it("refuses a bad .npz with a 422 naming the array", async () => {
    const res = await post("/v1/datasets", npz("fortran.npz"), "application/x-npz");
    expect(res.statusCode).toBe(422);
    expect(errorOf(res).details?.[0]).toEqual({ path: "npz.features", message: "the array is in Fortran order; save it in C order (np.ascontiguousarray)" });
    const truncated = await post("/v1/datasets", npz("images.npz").subarray(0, 200), "application/x-npz");
    expect(truncated.statusCode).toBe(422);
    expect(errorOf(truncated).details?.[0]?.path).toBe("npz");
  });

  it("trains [ConvertImageDtype, Normalize, Flatten, Linear] on uint8 exactly as on the same images as float32 / 255", async () => {
    const bytes = await created<DatasetView>("/v1/datasets", st({ features: images, labels: tensor(classes) }), "application/octet-stream");
    // what ConvertImageDtype makes of them: float input passes through it unchanged
    const scaled = tensor(pixels.map((p) => Math.fround(p / 255)), { dtype: "float32" }).reshape([N, 1, 6, 6]);
    const floats = await created<DatasetView>("/v1/datasets", st({ features: scaled, labels: tensor(classes) }), "application/octet-stream");
    expect(floats.feature_dtype).toBe("float32");
    const onBytes = (await created<{ id: string }>("/v1/models", imageModel())).id;
    const onFloats = (await created<{ id: string }>("/v1/models", imageModel())).id;
    const before = await weightsOf(onBytes);
    const jobs = [await created<{ id: string }>("/v1/jobs", job(onBytes, bytes.id)), await created<{ id: string }>("/v1/jobs", job(onFloats, floats.id))];
    for (const j of jobs) expect(await waitForEnd(j.id)).toMatchObject({ status: "succeeded", error: null });
    const after = await weightsOf(onBytes);
    expect(after).not.toEqual(before);
    expect(after).toEqual(await weightsOf(onFloats));

    // predict takes pixels as JSON integers, fed as uint8: the outputs of the library's module on the uint8 image
    const sample = pixels.slice(0, 36);
    const asImage = (values: number[]) => [[0, 1, 2, 3, 4, 5].map((r) => values.slice(r * 6, r * 6 + 6))];
    const predicted = await post(`/v1/models/${onBytes}/predict`, { inputs: [asImage(sample)] });
    expect(predicted.statusCode, predicted.body).toBe(200);
    const file = await t.app.inject({ method: "GET", url: `/v1/models/${onBytes}/weights`, headers: { accept: "application/octet-stream" } });
    const module = buildModel(parseModelSpec(imageModel() as ModelSpecInput), { generator: null }).module;
    module.loadStateDict(safetensors.parse(file.rawPayload).tensors);
    module.eval();
    const expected = noGrad(() => module.forward(tensor(sample, { dtype: "uint8" }).reshape([1, 1, 6, 6])));
    expect((predicted.json() as { outputs: unknown }).outputs).toEqual(expected.tolist());

    const half = asImage(sample);
    half[0]![1]![2] = 12.5;
    const notInteger = await post(`/v1/models/${onBytes}/predict`, { inputs: [half] });
    expect(notInteger.statusCode).toBe(422);
    expect(errorOf(notInteger).details?.[0]).toEqual({
      path: "inputs[0][0][1][2]",
      message: "12.5 is not a pixel: this model starts with ConvertImageDtype and takes integers 0 to 255 (uint8)",
    });
    const over = asImage(sample);
    over[0]![5]![5] = 256;
    expect(errorOf(await post(`/v1/models/${onBytes}/predict`, { inputs: [over] })).details?.[0]?.path).toBe("inputs[0][0][5][5]");
  });

  it("refuses (422, dataset_id) a uint8 dataset for a model that does not start with ConvertImageDtype, since PyTorch's layers refuse Byte input", async () => {
    const ds = await created<DatasetView>("/v1/datasets", st({ features: images, labels: tensor(classes) }), "application/octet-stream");
    const model = (await created<{ id: string }>("/v1/models", imageModel([]))).id;
    const res = await post("/v1/jobs", job(model, ds.id));
    expect(res.statusCode).toBe(422);
    const detail = errorOf(res).details?.[0];
    expect(detail?.path).toBe("dataset_id");
    expect(detail?.message).toContain('the dataset\'s features are uint8 (images) but the model starts with Normalize: add {"type": "ConvertImageDtype"}');
  });

  it("uploads the whole Fashion-MNIST training set (60,000 × 1 × 28 × 28 U8) within the default body limit", async () => {
    expect(t.config.limits.maxBodyBytes).toBe(64 * 1024 * 1024);
    const n = 60_000;
    const pixelBytes = randomFillSync(new Uint8Array(n * 784));
    const labels = Array.from({ length: n }, (_, i) => i % 10);
    const file = safetensors.serialize({ features: new Tensor(pixelBytes, [n, 1, 28, 28], "uint8"), labels: tensor(labels) });
    expect(file.length).toBeLessThan(t.config.limits.maxBodyBytes);
    const ds = await created<DatasetView>("/v1/datasets", Buffer.from(file.buffer, file.byteOffset, file.byteLength), "application/octet-stream");
    expect(ds).toMatchObject({ num_samples: n, feature_shape: [1, 28, 28], feature_dtype: "uint8", num_classes: 10 });
    const stored = (await t.store.getDataset(ds.id))!;
    expect(stored.features.byteLength).toBe(n * 784);
    expect(Buffer.from(stored.features).equals(Buffer.from(pixelBytes))).toBe(true);
  }, 60_000);
});
