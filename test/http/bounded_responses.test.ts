/**
 * Every response has a bound known before it is built (issue 13's probe, case 1): a 1.4 KB request
 * asking for 200 million predicted numbers, or weights as JSON of a 10M-parameter model, gets a 422
 * naming the limit and what to do instead, at once; answers within the limits stream without
 * holding up the event loop.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { safetensors } from "../../src/tensor/index.js";
import { eventLoopDelayDuring } from "../helpers/responsiveness.js";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";

/** The longest the event loop may stall here for one request (generous: a busy 2-core machine). */
const STALL_BOUND_MS = 1500;

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const post = (url: string, body: unknown) => t.app.inject({ method: "POST", url, payload: body as object });

async function createModel(spec: object): Promise<{ id: string; num_params: number }> {
  const res = await post("/v1/models", spec);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; num_params: number };
}

describe("predictions", () => {
  let wide: { id: string };
  beforeAll(async () => {
    // 2M parameters, within KILN_MAX_PARAMS: one output of a million numbers per sample (of shape
    // [1, 1M]: not class scores, which would come with as many probabilities)
    wide = await createModel({ input_shape: [1, 1], layers: [{ type: "Linear", out_features: 1_000_000 }], seed: 1 });
  });

  it("answers 200 samples × 1M outputs with 422 naming inputs and the most samples that fit, at once", async () => {
    const { result: res, maxMs } = await eventLoopDelayDuring(() => post(`/v1/models/${wide.id}/predict`, { inputs: Array.from({ length: 200 }, () => [[0.5]]) }));
    expect(res.statusCode, res.body).toBe(422);
    const error = errorOf(res);
    expect(error.code).toBe("unprocessable");
    expect(error.message).toBe(
      "200 samples of 1000000 outputs each are 200000000 numbers, above this service's limit of 1000000 numbers per response; send at most 1 per request",
    );
    expect(error.details?.map((d) => d.path)).toEqual(["inputs"]);
    expect(maxMs).toBeLessThan(STALL_BOUND_MS);
  });

  it("streams an answer of a million numbers, each the model's output", async () => {
    const { result: res, maxMs } = await eventLoopDelayDuring(() => post(`/v1/models/${wide.id}/predict`, { inputs: [[[0.5]]] }));
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    const body = res.json() as { outputs: number[][][]; predictions?: number[] };
    expect(body.predictions).toBeUndefined();
    const outputs = body.outputs.map((o) => o[0]!);
    expect(outputs[0]!.length).toBe(1_000_000);
    const weights = await t.app.inject({ method: "GET", url: `/v1/models/${wide.id}/weights`, headers: { accept: "application/octet-stream" } });
    const { "layers.0.weight": w, "layers.0.bias": b } = safetensors.parse(weights.rawPayload).tensors;
    const wd = w!.data as Float32Array;
    const bd = b!.data as Float32Array;
    for (const i of [0, 1, 12_345, 999_999]) expect(outputs[0]![i]).toBe(Math.fround(Math.fround(wd[i]! * 0.5) + bd[i]!));
    expect(maxMs).toBeLessThan(STALL_BOUND_MS);
  });

  it("answers a prediction past the work limit with 422 naming the most samples that fit", async () => {
    // 10M parameters: 100 samples are ~1e9 multiply-adds, seconds of the API thread once
    const big = await createModel({ input_shape: [1, 1000], layers: [{ type: "Linear", out_features: 9990 }] });
    const sample = [new Array(1000).fill(0.25)];
    const res = await post(`/v1/models/${big.id}/predict`, { inputs: Array.from({ length: 100 }, () => sample) });
    expect(res.statusCode, res.body).toBe(422);
    expect(errorOf(res).message).toBe(
      "predicting 100 samples takes about 1001098000 operations (9999990 multiply-adds and 10990 activation values per sample), " +
        "above this service's limit of 200000000 per request; send at most 19 per request",
    );
    const ok = await post(`/v1/models/${big.id}/predict`, { inputs: Array.from({ length: 19 }, () => sample) });
    expect(ok.statusCode, ok.body.slice(0, 200)).toBe(200);
    expect((ok.json() as { outputs: number[][] }).outputs.length).toBe(19);
  });

  it("counts a classifier's probabilities with its outputs", async () => {
    const classifier = await createModel({ input_shape: [1], layers: [{ type: "Linear", out_features: 100_000 }] });
    const res = await post(`/v1/models/${classifier.id}/predict`, { inputs: Array.from({ length: 6 }, () => [0.5]) });
    expect(res.statusCode, res.body).toBe(422);
    expect(errorOf(res).message).toBe(
      "6 samples of 100000 outputs and 100000 probabilities each are 1200000 numbers, above this service's limit of 1000000 numbers per response; send at most 5 per request",
    );
    const ok = await post(`/v1/models/${classifier.id}/predict`, { inputs: Array.from({ length: 5 }, () => [0.5]) });
    expect(ok.statusCode).toBe(200);
    const body = ok.json() as { outputs: number[][]; probabilities: number[][] };
    expect(body.probabilities.map((p) => p.length)).toEqual([100_000, 100_000, 100_000, 100_000, 100_000]);
  });
});

describe("weights as JSON", () => {
  it("answers a 10M-parameter model's weights as JSON with 422 pointing to safetensors, which serves them", async () => {
    const big = await createModel({ input_shape: [1000], layers: [{ type: "Linear", out_features: 9990 }] });
    const url = `/v1/models/${big.id}/weights`;
    const { result: res, maxMs } = await eventLoopDelayDuring(() => t.app.inject({ method: "GET", url }));
    expect(res.statusCode).toBe(422);
    expect(errorOf(res)).toEqual({
      code: "unprocessable",
      message: "the model's 9999990 weights are more than this service's limit of 1000000 numbers per JSON response; download them as safetensors",
      details: [{ path: "headers.accept", message: "send Accept: application/octet-stream for a safetensors file" }],
    });
    expect(maxMs).toBeLessThan(STALL_BOUND_MS);
    const file = await t.app.inject({ method: "GET", url, headers: { accept: "application/octet-stream" } });
    expect(file.statusCode).toBe(200);
    expect(safetensors.parse(file.rawPayload).tensors["layers.0.weight"]!.shape).toEqual([9990, 1000]);
  });

  it("streams weights within the limit, equal to the safetensors file's", async () => {
    const model = await createModel({ input_shape: [1000], layers: [{ type: "Linear", out_features: 900 }], seed: 7 });
    expect(model.num_params).toBe(900_900);
    const url = `/v1/models/${model.id}/weights`;
    const { result: res, maxMs } = await eventLoopDelayDuring(() => t.app.inject({ method: "GET", url }));
    expect(res.statusCode).toBe(200);
    const json = (res.json() as { tensors: Record<string, { shape: number[]; dtype: string; data: number[] }> }).tensors;
    const file = safetensors.parse((await t.app.inject({ method: "GET", url, headers: { accept: "application/octet-stream" } })).rawPayload).tensors;
    expect(Object.keys(json)).toEqual(["layers.0.weight", "layers.0.bias"]);
    for (const [key, tensor] of Object.entries(file)) {
      expect(json[key]!.shape).toEqual(tensor.shape);
      expect(json[key]!.dtype).toBe("float32");
      expect(json[key]!.data).toEqual(Array.from(tensor.data as Float32Array));
    }
    expect(maxMs).toBeLessThan(STALL_BOUND_MS);
  });
});
