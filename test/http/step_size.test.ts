/**
 * What a training step must hold, checked before the job is stored: its memory, batch_size × the
 * activation values one sample makes (KILN_MAX_STEP_VALUES), so that a model with few parameters
 * but huge outputs (a convolution's padding, an upsampling pool) cannot take a worker's memory; and
 * more than one value per channel in every batch for a BatchNorm layer, which PyTorch requires.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";
import { dataset, jobSpec, MODEL } from "./support/training.js";

describe("KILN_MAX_STEP_VALUES", () => {
  let t: TestApp;
  let model: string;
  let data: string;
  beforeAll(async () => {
    t = await buildTestApp({ config: { limits: { maxStepValues: 10_000 } } });
    model = (await t.app.inject({ method: "POST", url: "/v1/models", payload: MODEL })).json().id;
    data = (await t.app.inject({ method: "POST", url: "/v1/datasets", payload: dataset(1024) })).json().id;
  });
  afterAll(() => t.close());

  it("refuses a batch past it with a 422 naming batch_size and the largest that fits, storing no job", async () => {
    // the seed-like model makes 5 + 12 + 12 + 8 + 8 + 4 = 49 values per sample
    const res = await t.app.inject({ method: "POST", url: "/v1/jobs", payload: jobSpec(model, data, 1, 512) });
    expect(res.statusCode).toBe(422);
    const error = errorOf(res);
    expect(error.details).toEqual([{ path: "batch_size", message: expect.stringContaining("25088 activation values in one step (49 per sample)") }]);
    expect(error.message).toContain("ask for a batch_size of at most 204");
    expect((await t.app.inject({ method: "GET", url: "/v1/jobs" })).json().items).toEqual([]);
    expect((await t.app.inject({ method: "POST", url: "/v1/jobs", payload: jobSpec(model, data, 1, 204) })).statusCode).toBe(202);
  });
});

describe("batches a BatchNorm layer can normalise", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  const create = async (url: string, payload: object): Promise<string> => (await t.app.inject({ method: "POST", url, payload })).json().id;
  const submit = (payload: object) => t.app.inject({ method: "POST", url: "/v1/jobs", payload });

  it("refuses a last batch of one sample (naming drop_last) or a batch_size of 1 (naming batch_size) for BatchNorm1d on features; takes them where a channel has several values", async () => {
    const flat = await create("/v1/models", { input_shape: [5], layers: [{ type: "Linear", out_features: 4 }, { type: "BatchNorm1d" }, { type: "Linear", out_features: 4 }] });
    const data = await create("/v1/datasets", dataset(17));
    const lastOfOne = await submit(jobSpec(flat, data, 1, 8));
    expect(lastOfOne.statusCode).toBe(422);
    expect(errorOf(lastOfOne).details).toEqual([{ path: "drop_last", message: expect.stringContaining("leave 1) gives layers[1] (BatchNorm1d) one value per channel") }]);
    expect((await submit({ ...jobSpec(flat, data, 1, 8), drop_last: true })).statusCode).toBe(202);
    const ofOne = await submit(jobSpec(flat, data, 1, 1));
    expect(errorOf(ofOne).details?.[0]?.path).toBe("batch_size");
    expect((await submit(jobSpec(flat, data, 1, 17))).statusCode).toBe(202);

    // BatchNorm2d over 1×2×2 images: one sample still gives 4 values per channel
    const images = await create("/v1/models", { input_shape: [1, 2, 2], layers: [{ type: "BatchNorm2d" }, { type: "Flatten" }, { type: "Linear", out_features: 4 }] });
    const pixels = await create("/v1/datasets", { features: dataset(17).features.map((row) => [[row.slice(0, 2), row.slice(2, 4)]]), labels: dataset(17).labels });
    expect((await submit(jobSpec(images, pixels, 1, 8))).statusCode).toBe(202);
  });
});
