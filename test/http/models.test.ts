import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualSeed, rand } from "../../src/index.js";
import { fromTypedArray, safetensors } from "../../src/tensor/index.js";
import type { ModelView } from "../../src/services/index.js";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";
import { SEED_MODEL, seedMlp } from "../helpers/seed.js";

const mlp = seedMlp();


interface WeightsJson {
  tensors: Record<string, { shape: number[]; dtype: string; data: number[] }>;
}

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const inject = (method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

async function createModel(body: object = SEED_MODEL): Promise<ModelView> {
  const res = await inject("POST", "/v1/models", body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as ModelView;
}

/** Float32 values as the doubles JSON carries them. */
const f32 = (values: number[]): number[] => Array.from(Float32Array.from(values));

describe("POST /v1/models", () => {
  it("creates the seed's NeuralNetwork(50, 3): 2213 parameters, PyTorch's repr and shapes", async () => {
    const res = await inject("POST", "/v1/models", { ...SEED_MODEL, name: "seed mlp" });
    expect(res.statusCode, res.body).toBe(201);
    const model = res.json() as ModelView;
    expect(model.id).toMatch(/^mdl_[0-9a-f]{32}$/);
    expect(res.headers.location).toBe(`/v1/models/${model.id}`);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(model.name).toBe("seed mlp");
    expect(model.num_params).toBe(2213);
    expect(model.num_params).toBe(mlp.num_params);
    expect(model.trainable_params).toBe(2213);
    expect(model.summary).toBe(mlp.repr);
    expect(model.input_shape).toEqual([50]);
    expect(model.output_shape).toEqual([3]);
    expect(model.seed).toBe(123);
    expect(model.version).toBe(1);
    expect(new Date(model.created_at).toISOString()).toBe(model.created_at);
    expect(model.updated_at).toBe(model.created_at);
    expect(model.layers.map((l) => [l.type, l.output_shape, l.num_params])).toEqual([
      ["Linear", [30], 50 * 30 + 30],
      ["ReLU", [30], 0],
      ["Linear", [20], 30 * 20 + 20],
      ["ReLU", [20], 0],
      ["Linear", [3], 20 * 3 + 3],
    ]);
    // every argument resolved: in_features inferred, bias defaulted
    expect(model.layers[0]).toMatchObject({ in_features: 50, out_features: 30, bias: true });
    expect(model.layers[4]).toMatchObject({ in_features: 20, out_features: 3, bias: true });
  });

  it("builds LayerNorm, Dropout, GELU and Flatten over a [2, 3] input and reports their shapes", async () => {
    const model = await createModel({
      input_shape: [2, 3],
      layers: [
        { type: "LayerNorm" },
        { type: "Linear", out_features: 4, bias: false },
        { type: "GELU", approximate: "tanh" },
        { type: "Dropout", p: 0.2 },
        { type: "Flatten" },
        { type: "Linear", in_features: 8, out_features: 2 },
        { type: "LogSoftmax", dim: 1 },
      ],
      seed: 0,
    });
    expect(model.layers.map((l) => [l.type, l.output_shape, l.num_params])).toEqual([
      ["LayerNorm", [2, 3], 6],
      ["Linear", [2, 4], 12],
      ["GELU", [2, 4], 0],
      ["Dropout", [2, 4], 0],
      ["Flatten", [8], 0],
      ["Linear", [2], 18],
      ["LogSoftmax", [2], 0],
    ]);
    expect(model.output_shape).toEqual([2]);
    expect(model.num_params).toBe(36);
    expect(model.trainable_params).toBe(36);
    expect(model.layers[0]).toMatchObject({ eps: 1e-5, elementwise_affine: true });
    expect(model.layers[4]).toMatchObject({ start_dim: 1, end_dim: -1 });
    expect(model.summary).toBe(
      [
        "NeuralNetwork(",
        "  (layers): Sequential(",
        "    (0): LayerNorm((3,), eps=1e-05, elementwise_affine=True)",
        "    (1): Linear(in_features=3, out_features=4, bias=False)",
        "    (2): GELU(approximate='tanh')",
        "    (3): Dropout(p=0.2, inplace=False)",
        "    (4): Flatten(start_dim=1, end_dim=-1)",
        "    (5): Linear(in_features=8, out_features=2, bias=True)",
        "    (6): LogSoftmax(dim=1)",
        "  )",
        ")",
      ].join("\n"),
    );
    // predict runs in eval mode (no dropout): twice the same answer, log-probabilities summing to 1
    const inputs = [
      [
        [0.1, 0.2, 0.3],
        [1, -1, 0.5],
      ],
    ];
    const a = (await inject("POST", `/v1/models/${model.id}/predict`, { inputs })).json() as { outputs: number[][]; probabilities: number[][]; predictions: number[] };
    const b = (await inject("POST", `/v1/models/${model.id}/predict`, { inputs })).json() as { outputs: number[][] };
    expect(a.outputs).toEqual(b.outputs);
    expect(a.outputs[0]).toHaveLength(2);
    expect(Math.exp(a.outputs[0]![0]!) + Math.exp(a.outputs[0]![1]!)).toBeCloseTo(1, 5);
    // softmax of log-probabilities: the probabilities themselves
    a.probabilities[0]!.forEach((p, i) => expect(p).toBeCloseTo(Math.exp(a.outputs[0]![i]!), 6));
    expect(a.predictions).toHaveLength(1);
  });
});

describe("GET, list and DELETE /v1/models", () => {
  it("gets a model as it was created", async () => {
    const created = await createModel();
    const res = await inject("GET", `/v1/models/${created.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(created);
  });

  it("lists models oldest first, a page at a time", async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createModel({ ...SEED_MODEL, name: `page ${i}` })).id);
    const all: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res = await inject("GET", `/v1/models?limit=2${after ? `&after=${after}` : ""}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { items: ModelView[]; next_cursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      for (const item of page.items) expect(item.num_params).toBeGreaterThan(0);
      all.push(...page.items.map((m) => m.id));
      if (page.next_cursor !== null) expect(page.next_cursor).toBe(page.items[page.items.length - 1]!.id);
      after = page.next_cursor;
      pages++;
    } while (after !== null && pages < 100);
    expect(new Set(all).size).toBe(all.length);
    // the three newest come last, in creation order
    expect(all.slice(-3)).toEqual(ids);
    const whole = (await inject("GET", "/v1/models")).json() as { items: ModelView[]; next_cursor: string | null };
    expect(whole.items.map((m) => m.id)).toEqual(all);
    expect(whole.next_cursor).toBeNull();
  });

  it("rejects bad pagination parameters", async () => {
    for (const q of ["limit=0", "limit=501", "limit=abc", "limit=1.5"]) {
      const res = await inject("GET", `/v1/models?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(errorOf(res).code).toBe("validation_error");
      expect(errorOf(res).details?.[0]?.path).toBe("query.limit");
    }
    const res = await inject("GET", "/v1/models?after=mdl_never_was");
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toEqual({ code: "bad_request", message: "unknown cursor: mdl_never_was", details: [{ path: "query.after", message: "unknown cursor: mdl_never_was" }] });
  });

  it("deletes a model: 204, then 404 everywhere", async () => {
    const { id } = await createModel();
    const del = await inject("DELETE", `/v1/models/${id}`);
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe("");
    for (const [method, url, body] of [
      ["GET", `/v1/models/${id}`],
      ["DELETE", `/v1/models/${id}`],
      ["GET", `/v1/models/${id}/weights`],
      ["POST", `/v1/models/${id}/predict`, { inputs: [new Array(50).fill(0)] }],
    ] as const) {
      const res = await inject(method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(errorOf(res).code).toBe("not_found");
    }
    const listed = (await inject("GET", "/v1/models?limit=500")).json() as { items: ModelView[] };
    expect(listed.items.map((m) => m.id)).not.toContain(id);
  });
});

describe("weights", () => {
  it("downloads PyTorch's initial weights for seed 123 as JSON, bit for bit", async () => {
    const { id } = await createModel();
    const res = await inject("GET", `/v1/models/${id}/weights`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    const { tensors } = res.json() as WeightsJson;
    expect(Object.keys(tensors)).toEqual(Object.keys(mlp.state_dict));
    for (const [key, ref] of Object.entries(mlp.state_dict)) {
      expect(tensors[key]!.shape, key).toEqual(ref.shape);
      expect(tensors[key]!.dtype, key).toBe("float32");
      expect(tensors[key]!.data, key).toEqual(ref.data);
    }
  });

  it("downloads the weights as a safetensors file with Accept: application/octet-stream", async () => {
    const { id } = await createModel();
    const res = await inject("GET", `/v1/models/${id}/weights`, undefined, { accept: "application/octet-stream" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/octet-stream/);
    expect(res.headers["content-disposition"]).toContain(`${id}.safetensors`);
    const bytes = res.rawPayload;
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as Record<string, { dtype?: string }>;
    expect(header.__metadata__).toEqual({ format: "pt" });
    for (const key of Object.keys(mlp.state_dict)) expect(header[key]!.dtype, key).toBe("F32");
    const parsed = safetensors.parse(bytes);
    expect(parsed.metadata).toEqual({ format: "pt" });
    expect(Object.keys(parsed.tensors).sort()).toEqual(Object.keys(mlp.state_dict).sort());
    for (const [key, ref] of Object.entries(mlp.state_dict)) {
      const tensor = parsed.tensors[key]!;
      expect(tensor.dtype).toBe("float32");
      expect([...tensor.shape]).toEqual(ref.shape);
      expect(Array.from(tensor.data as Float32Array)).toEqual(ref.data);
    }
  });

  it("takes the weights back as JSON: the version bumps and the values change", async () => {
    const { id } = await createModel();
    const { tensors } = (await inject("GET", `/v1/models/${id}/weights`)).json() as WeightsJson;
    const halved = Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, { ...v, data: v.data.map((x) => x / 2) }]));
    const res = await inject("PUT", `/v1/models/${id}/weights`, { tensors: halved });
    expect(res.statusCode, res.body).toBe(200);
    const model = res.json() as ModelView;
    expect(model.version).toBe(2);
    expect(model.num_params).toBe(2213);
    const after = (await inject("GET", `/v1/models/${id}/weights`)).json() as WeightsJson;
    for (const [key, v] of Object.entries(halved)) expect(after.tensors[key]!.data, key).toEqual(f32(v.data));
    expect(after.tensors["layers.0.weight"]!.data).not.toEqual(tensors["layers.0.weight"]!.data);
    expect(((await inject("GET", `/v1/models/${id}`)).json() as ModelView).version).toBe(2);
  });

  it("takes the weights back as a safetensors file", async () => {
    const { id } = await createModel();
    const parsed = safetensors.parse((await inject("GET", `/v1/models/${id}/weights`, undefined, { accept: "application/octet-stream" })).rawPayload);
    const shifted = Object.fromEntries(
      Object.entries(parsed.tensors).map(([k, v]) => [k, fromTypedArray((v.data as Float32Array).map((x) => x + 1), [...v.shape])]),
    );
    const res = await inject("PUT", `/v1/models/${id}/weights`, Buffer.from(safetensors.serialize(shifted)), {
      "content-type": "application/octet-stream",
    });
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json() as ModelView).version).toBe(2);
    const after = (await inject("GET", `/v1/models/${id}/weights`)).json() as WeightsJson;
    for (const [key, v] of Object.entries(shifted)) expect(after.tensors[key]!.data, key).toEqual(Array.from(v.data as Float32Array));
    // and once more, from JSON: the version keeps counting
    const again = await inject("PUT", `/v1/models/${id}/weights`, after);
    expect(again.statusCode, again.body).toBe(200);
    expect((again.json() as ModelView).version).toBe(3);
  });
});

describe("POST /v1/models/:id/predict", () => {
  it("gives PyTorch's logits for rand((1, 50)) after manual_seed(123), and their argmax", async () => {
    manualSeed(123);
    const x = rand([1, 50]);
    expect(Array.from(x.data as Float32Array)).toEqual(mlp.X.data);
    const { id } = await createModel();
    const res = await inject("POST", `/v1/models/${id}/predict`, { inputs: [mlp.X.data] });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { outputs: number[][]; probabilities: number[][]; predictions: number[] };
    expect(body.outputs).toHaveLength(1);
    expect(body.outputs[0]).toHaveLength(3);
    body.outputs[0]!.forEach((v, i) => expect(Math.abs(v - (mlp.logits.data[i] as number))).toBeLessThan(1e-5));
    // softmax of the logits, in float32
    const exps = (mlp.logits.data as number[]).map(Math.exp);
    const sum = exps.reduce((s, e) => s + e, 0);
    body.probabilities[0]!.forEach((p, i) => {
      expect(p).toBe(Math.fround(p));
      expect(Math.abs(p - exps[i]! / sum)).toBeLessThan(1e-5);
    });
    const logits = mlp.logits.data as number[];
    expect(body.predictions).toEqual([logits.indexOf(Math.max(...logits))]);
    expect(body.predictions).toEqual([1]);
  });

  it("predicts a batch, one output per sample, following weight changes", async () => {
    const { id } = await createModel();
    const zeros = new Array(50).fill(0);
    const batch = [mlp.X.data as number[], zeros, zeros];
    const before = (await inject("POST", `/v1/models/${id}/predict`, { inputs: batch })).json() as { outputs: number[][]; predictions: number[] };
    expect(before.outputs).toHaveLength(3);
    expect(before.predictions).toHaveLength(3);
    expect(before.outputs[1]).toEqual(before.outputs[2]);
    // zero weights, bias 1 on class 2: every sample predicts class 2
    const { tensors } = (await inject("GET", `/v1/models/${id}/weights`)).json() as WeightsJson;
    const zeroed = Object.fromEntries(
      Object.entries(tensors).map(([k, v]) => [k, { ...v, data: v.data.map((_, i) => (k === "layers.4.bias" && i === 2 ? 1 : 0)) }]),
    );
    expect((await inject("PUT", `/v1/models/${id}/weights`, { tensors: zeroed })).statusCode).toBe(200);
    const after = (await inject("POST", `/v1/models/${id}/predict`, { inputs: batch })).json() as { outputs: number[][]; predictions: number[] };
    expect(after.outputs).toEqual([
      [0, 0, 1],
      [0, 0, 1],
      [0, 0, 1],
    ]);
    expect(after.predictions).toEqual([2, 2, 2]);
  });

  it("reads inputs as float32, whether predict's own reader or the standard JSON parser reads the body", async () => {
    const { id } = await createModel();
    // doubles of 17 significant digits, as a client computing in float64 sends them
    const row = (mlp.X.data as number[]).map((v, i) => v + (i % 7) * 1e-9);
    const body = JSON.stringify({ inputs: [row] });
    const post = (payload: string) => inject("POST", `/v1/models/${id}/predict`, payload, { "content-type": "application/json" });
    const read = await post(body);
    // an escaped key is the same JSON, but predict's reader leaves it to the standard parser
    const parsed = await post(body.replace('"inputs"', '"inp\\u0075ts"'));
    const rounded = await post(JSON.stringify({ inputs: [row.map(Math.fround)] }));
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toEqual(parsed.json());
    expect(read.json()).toEqual(rounded.json());
  });

  it("answers a model ending in Softmax with its outputs as the probabilities (not a softmax of them)", async () => {
    const { id } = await createModel({ input_shape: [2], layers: [{ type: "Linear", out_features: 3 }, { type: "Softmax" }], seed: 1 });
    const body = (await inject("POST", `/v1/models/${id}/predict`, { inputs: [[1, 2], [-3, 4]] })).json() as { outputs: number[][]; probabilities: number[][] };
    expect(body.probabilities).toEqual(body.outputs);
  });

  it("leaves out predictions and probabilities for a model with one output", async () => {
    const { id } = await createModel({ input_shape: [2], layers: [{ type: "Linear", out_features: 1 }], seed: 1 });
    const res = await inject("POST", `/v1/models/${id}/predict`, { inputs: [[1, 2], [3, 4]] });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { outputs: number[][]; probabilities?: number[][]; predictions?: number[] };
    expect(body.outputs).toHaveLength(2);
    expect(body.outputs[0]).toHaveLength(1);
    expect(body.predictions).toBeUndefined();
    expect(body.probabilities).toBeUndefined();
    expect(Object.keys(body)).toEqual(["outputs"]);
  });
});
