/**
 * POST /v1/models/:id/predict with a safetensors body: one tensor `inputs` [B, ...input_shape] read
 * by datasets' dtype rules gives what the same batch as JSON gives; every bad file is a 4xx naming
 * the field; the body and work bounds hold as for JSON. Probabilities are torch.softmax's
 * (test/fixtures/generate_predict.py).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Generator, safetensors, tensor, Tensor } from "../../src/tensor/index.js";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";

const OCTET = "application/octet-stream";
const fixture = JSON.parse(readFileSync(new URL("../fixtures/predict.json", import.meta.url), "utf8")) as Record<"scores" | "softmax", { shape: [number, number]; data: number[] }>;

let t: TestApp;
beforeAll(async () => {
  // small body and work limits, for the 413 and the 422 (the defaults are 4 MiB and 200M)
  t = await buildTestApp({ config: { limits: { maxPredictBodyBytes: 64 * 1024, maxPredictWork: 1_000_000 } } });
});
afterAll(async () => t.close());

interface Answer {
  outputs: unknown[];
  probabilities?: number[][];
  predictions?: number[];
}

const predict = (id: string, payload: Buffer | object) =>
  t.app.inject({
    method: "POST",
    url: `/v1/models/${id}/predict`,
    headers: { "content-type": Buffer.isBuffer(payload) ? OCTET : "application/json" },
    payload: Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
  });

async function answer(id: string, payload: Buffer | object): Promise<Answer> {
  const res = await predict(id, payload);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Answer;
}

/** The error's message and its first detail's path. */
async function refusal(id: string, payload: Buffer, status = 422): Promise<{ message: string; path: string | undefined }> {
  const res = await predict(id, payload);
  expect(res.statusCode, res.body).toBe(status);
  const error = errorOf(res);
  return { message: error.message, path: error.details?.[0]?.path };
}

async function createModel(spec: object): Promise<string> {
  const res = await t.app.inject({ method: "POST", url: "/v1/models", payload: spec });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

const st = (tensors: Record<string, Tensor>): Buffer => Buffer.from(safetensors.serialize(tensors));

/** A safetensors file written by hand, for dtypes Kiln's tensors do not have and for lying headers. */
function rawFile(tensors: { name: string; dtype: string; shape: number[]; bytes: Uint8Array; offsets?: [number, number] }[]): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const { name, dtype, shape, bytes, offsets } of tensors) {
    header[name] = { dtype, shape, data_offsets: offsets ?? [offset, offset + bytes.length] };
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, Buffer.from(json), ...tensors.map((x) => x.bytes)]);
}

/** Values written by a DataView setter, little-endian, `size` bytes each. */
function bytesOf(values: number[], size: number, set: (v: DataView, at: number, x: number) => void): Uint8Array {
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((x, i) => set(view, i * size, x));
  return out;
}

/** Float32 values whose high halves are exact bfloat16 and halves: small multiples of 1/8. */
const eighths = (n: number): number[] => Array.from({ length: n }, (_, i) => ((i * 7) % 33) / 8 - 2);
const bf16 = (x: number): number => {
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, x);
  return v.getUint16(0);
};
/** A half's bits, for the values of `eighths` (normal, |x| < 4, or 0). */
const f16 = (x: number): number => {
  if (x === 0) return 0;
  const exponent = Math.floor(Math.log2(Math.abs(x)));
  return (x < 0 ? 0x8000 : 0) | ((exponent + 15) << 10) | Math.round((Math.abs(x) / 2 ** exponent - 1) * 1024);
};

const rows = <T>(values: T[], width: number): T[][] => Array.from({ length: values.length / width }, (_, i) => values.slice(i * width, (i + 1) * width));

describe("float batches", () => {
  let mlp: string;
  beforeAll(async () => {
    mlp = await createModel({ input_shape: [4], layers: [{ type: "Linear", out_features: 8 }, { type: "ReLU" }, { type: "Linear", out_features: 3 }], seed: 5 });
  });

  it("gives a float32 batch the outputs, probabilities and predictions of the same batch as JSON", async () => {
    const g = new Generator().manualSeed(11);
    const values = Float32Array.from({ length: 5 * 4 }, () => (g.random32() / 2 ** 32) * 4 - 2);
    const fromFile = await answer(mlp, st({ inputs: new Tensor(values, [5, 4], "float32") }));
    const fromJson = await answer(mlp, { inputs: rows(Array.from(values), 4) });
    expect(fromFile).toEqual(fromJson);
    expect(fromFile.outputs).toHaveLength(5);
    expect(fromFile.probabilities).toHaveLength(5);
    expect(fromFile.predictions).toHaveLength(5);
  });

  it("reads F64, I32, I16, F16 and BF16 as float32, exactly as datasets do", async () => {
    const values = eighths(3 * 4);
    const fromJson = await answer(mlp, { inputs: rows(values, 4) });
    const f64 = st({ inputs: new Tensor(Float64Array.from(values), [3, 4], "float64") });
    const half = rawFile([{ name: "inputs", dtype: "F16", shape: [3, 4], bytes: bytesOf(values, 2, (v, at, x) => v.setUint16(at, f16(x), true)) }]);
    const bfloat = rawFile([{ name: "inputs", dtype: "BF16", shape: [3, 4], bytes: bytesOf(values, 2, (v, at, x) => v.setUint16(at, bf16(x), true)) }]);
    for (const file of [f64, half, bfloat]) expect(await answer(mlp, file)).toEqual(fromJson);
    const ints = [-3, 0, 7, 1000, 2, -1, 5, 9, 4, 4, 0, -8];
    const fromIntJson = await answer(mlp, { inputs: rows(ints, 4) });
    const i32 = rawFile([{ name: "inputs", dtype: "I32", shape: [3, 4], bytes: bytesOf(ints, 4, (v, at, x) => v.setInt32(at, x, true)) }]);
    const i16 = rawFile([{ name: "inputs", dtype: "I16", shape: [3, 4], bytes: bytesOf(ints, 2, (v, at, x) => v.setInt16(at, x, true)) }]);
    for (const file of [i32, i16]) expect(await answer(mlp, file)).toEqual(fromIntJson);
  });
});

describe("image batches", () => {
  /** 3 images of 1×6×6 pixels, 0 and 255 included. */
  const pixels = Array.from({ length: 3 * 36 }, (_, i) => (i === 0 ? 0 : i === 1 ? 255 : (i * 97 + (i >> 3)) % 256));
  const asJson = rows(rows(pixels, 6), 6).map((image) => [image]);
  const spec = (first: object[]) => ({
    input_shape: [1, 6, 6],
    layers: [...first, { type: "Normalize", mean: [0.5], std: [0.25] }, { type: "Flatten" }, { type: "Linear", out_features: 3 }],
    seed: 7,
  });
  let images: string;
  let floats: string;
  beforeAll(async () => {
    images = await createModel(spec([{ type: "ConvertImageDtype" }]));
    floats = await createModel(spec([]));
  });

  it("feeds a U8 batch to a model starting with ConvertImageDtype as the JSON path feeds integers 0 to 255", async () => {
    const file = await answer(images, st({ inputs: tensor(pixels, { dtype: "uint8" }).reshape([3, 1, 6, 6]) }));
    expect(file).toEqual(await answer(images, { inputs: asJson }));
    expect(file.predictions).toHaveLength(3);
  });

  it("refuses floats for a ConvertImageDtype model, as the JSON path refuses non-pixels, and U8 for any other model", async () => {
    const scaled = new Tensor(Float32Array.from(pixels, (p) => p / 255), [3, 1, 6, 6], "float32");
    expect(await refusal(images, st({ inputs: scaled }))).toEqual({
      message:
        "this model starts with ConvertImageDtype and takes images of bytes: send inputs as U8 (integers 0 to 255, as its JSON inputs are), not floats",
      path: "inputs.dtype",
    });
    const bytes = st({ inputs: tensor(pixels, { dtype: "uint8" }).reshape([3, 1, 6, 6]) });
    const refused = await refusal(floats, bytes);
    expect(refused.path).toBe("inputs.dtype");
    expect(refused.message).toMatch(/^inputs are U8 \(images\) but the model starts with Normalize: add \{"type": "ConvertImageDtype"\} as its first layer/);
  });
});

describe("probabilities", () => {
  it("are torch.softmax of the outputs over the last dimension, in float32, summing to 1", async () => {
    // outputs = the fixture's scores exactly: a one-hot input picks a column of the weight
    const [n, k] = fixture.scores.shape;
    const id = await createModel({ input_shape: [n], layers: [{ type: "Linear", out_features: k }] });
    const weight = Array.from({ length: k * n }, (_, i) => fixture.scores.data[(i % n) * k + Math.floor(i / n)]!);
    const put = await t.app.inject({
      method: "PUT",
      url: `/v1/models/${id}/weights`,
      payload: { tensors: { "layers.0.weight": { shape: [k, n], dtype: "float32", data: weight }, "layers.0.bias": { shape: [k], dtype: "float32", data: new Array(k).fill(0) } } },
    });
    expect(put.statusCode, put.body).toBe(200);
    const oneHot = new Tensor(Float32Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)), [n, n], "float32");
    const { outputs, probabilities } = await answer(id, st({ inputs: oneHot }));
    expect((outputs as number[][]).flat()).toEqual(fixture.scores.data);
    const flat = probabilities!.flat();
    flat.forEach((p, i) => {
      expect(p).toBe(Math.fround(p));
      const want = fixture.softmax.data[i]!;
      expect(Math.abs(p - want), `probability ${i}: ${p} vs ${want}`).toBeLessThanOrEqual(1e-6 * want + 1e-30);
    });
    for (const row of probabilities!) expect(Math.abs(row.reduce((s, p) => s + p, 0) - 1)).toBeLessThan(1e-6);
  });
});

describe("bad bodies", () => {
  let id: string;
  const good = () => new Tensor(new Float32Array(2 * 5), [2, 5], "float32");
  beforeAll(async () => {
    id = await createModel({ input_shape: [5], layers: [{ type: "Linear", out_features: 3 }], seed: 1 });
  });

  it("refuses what is not a safetensors file, naming the file", async () => {
    for (const body of [Buffer.from('{"inputs": [[1, 2, 3, 4, 5]]}'), Buffer.alloc(0), Buffer.from([1, 2, 3]), Buffer.from("\x10\0\0\0\0\0\0\0not json at all!")]) {
      const { message, path } = await refusal(id, body);
      expect(path).toBe("safetensors");
      expect(message).toMatch(/^not a valid safetensors file: /);
    }
  });

  it("refuses headers claiming gigabytes, before reading anything", async () => {
    const claimsHeader = Buffer.alloc(16);
    claimsHeader.writeBigUInt64LE(8n * 2n ** 30n);
    expect(await refusal(id, claimsHeader)).toEqual({ message: "not a valid safetensors file: header length 8589934592 exceeds the file size 16", path: "safetensors" });
    const claimsData = rawFile([{ name: "inputs", dtype: "F32", shape: [1_000_000, 1000], bytes: new Uint8Array(8), offsets: [0, 4_000_000_000] }]);
    const refused = await refusal(id, claimsData);
    expect(refused.path).toBe("safetensors");
    expect(refused.message).toContain('tensor "inputs": data_offsets [0, 4000000000] lie outside the 8 data bytes');
  });

  it("wants exactly one tensor, inputs", async () => {
    expect(await refusal(id, st({ x: good() }))).toEqual({ message: 'unexpected tensor "x": the file must hold one tensor, "inputs"', path: "safetensors.x" });
    expect(await refusal(id, st({ inputs: good(), labels: good() }))).toEqual({
      message: 'unexpected tensor "labels": the file must hold one tensor, "inputs"',
      path: "safetensors.labels",
    });
    expect(await refusal(id, st({}))).toEqual({ message: 'the file has no tensor named "inputs"', path: "safetensors.inputs" });
  });

  it("names the dimension of a shape that does not fit the model", async () => {
    const of = (shape: number[]) => st({ inputs: new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, "float32") });
    expect(await refusal(id, of([2, 4]))).toEqual({
      message: "inputs has shape [2, 4]: dimension 1 is 4, but the model takes [B, 5] (B samples of the model's input_shape [5])",
      path: "inputs.shape[1]",
    });
    expect(await refusal(id, of([5]))).toEqual({
      message: "inputs has shape [5], 1 dimensions, but the model takes [B, 5] (B samples of the model's input_shape [5])",
      path: "inputs.shape",
    });
    expect((await refusal(id, of([0, 5]))).path).toBe("inputs.shape[0]");
  });

  it("refuses NaN, infinities and dtypes datasets do not take, naming inputs and the sample", async () => {
    const nan = good();
    (nan.data as Float32Array)[7] = NaN;
    expect(await refusal(id, st({ inputs: nan }))).toEqual({ message: "sample 1 holds NaN (float32), not a finite number", path: "inputs" });
    const infinity = rawFile([{ name: "inputs", dtype: "F16", shape: [1, 5], bytes: bytesOf([0, 0, 0x7c00, 0, 0], 2, (v, at, x) => v.setUint16(at, x, true)) }]);
    expect(await refusal(id, infinity)).toEqual({ message: "sample 0 holds Infinity (float32), not a finite number", path: "inputs" });
    const bool = rawFile([{ name: "inputs", dtype: "BOOL", shape: [1, 5], bytes: new Uint8Array(5) }]);
    expect((await refusal(id, bool)).path).toBe("inputs");
  });

  it("holds the body bound (413) and the work and response bounds (422 saying how many fit) as for JSON", async () => {
    const big = new Tensor(new Float32Array(20_000 * 5), [20_000, 5], "float32");
    expect((await predict(id, st({ inputs: big }))).statusCode).toBe(413);
    const wide = await createModel({ input_shape: [1000], layers: [{ type: "Linear", out_features: 100 }] });
    const samples = (n: number) => st({ inputs: new Tensor(new Float32Array(n * 1000), [n, 1000], "float32") });
    expect(await refusal(wide, samples(10))).toEqual({
      message:
        "predicting 10 samples takes about 1012000 operations (100100 multiply-adds and 1100 activation values per sample), " +
        "above this service's limit of 1000000 per request; send at most 9 per request",
      path: "inputs",
    });
    expect((await answer(wide, samples(9))).outputs).toHaveLength(9);
  });
});

it("documents both request content types and the probabilities in the OpenAPI document", () => {
  const doc = t.app.kiln.openapi as { paths: Record<string, Record<string, { requestBody: { content: Record<string, unknown> }; responses: Record<string, { content: Record<string, { schema: unknown }> }> }>> };
  const op = doc.paths["/v1/models/{id}/predict"]!.post!;
  expect(Object.keys(op.requestBody.content)).toEqual(["application/json", OCTET]);
  expect(JSON.stringify(op.responses["200"]!.content["application/json"]!.schema)).toContain("probabilities");
});
