/**
 * A training step's memory is bounded before the job is stored: batch_size × the activation values
 * one sample makes (KILN_MAX_STEP_VALUES), so that a model with few parameters but huge outputs
 * (a convolution's padding, an upsampling pool) cannot take a worker's memory.
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
