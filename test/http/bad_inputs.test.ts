/**
 * The battery of bad inputs (issue 3): each gets its 4xx with `{ error: { code, message, details? } }`,
 * `details[].path` naming the field, and the service keeps working with nothing lost.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromTypedArray, safetensors, type Tensor } from "../../src/tensor/index.js";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";
import { SEED_MODEL } from "../helpers/seed.js";


const TOY = {
  features: [
    [-1.2, 3.1],
    [-0.9, 2.9],
    [-0.5, 2.6],
    [2.3, -1.1],
    [2.7, -1.5],
  ],
  labels: [0, 0, 0, 1, 1],
};

const TOY_MODEL = {
  input_shape: [2],
  layers: [
    { type: "Linear", out_features: 30 },
    { type: "ReLU" },
    { type: "Linear", out_features: 20 },
    { type: "ReLU" },
    { type: "Linear", out_features: 2 },
  ],
  seed: 123,
};

const JOB = { loss: "cross_entropy", optimizer: { type: "SGD", lr: 0.5 }, epochs: 3, batch_size: 2 };

type Method = "GET" | "POST" | "PUT" | "DELETE";
interface Res {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
  json(): unknown;
}

let t: TestApp;
/** What was stored before the battery; it must all be there afterwards. */
let model: { id: string; version: number };
let toyModel: { id: string };
let dataset: { id: string };
let weightsBefore: string;

const send = (method: Method, url: string, payload?: string | Buffer | object, headers: Record<string, string> = {}, app = t): Promise<Res> =>
  app.app.inject({
    method,
    url,
    headers: { ...(payload !== undefined && !("content-type" in headers) ? { "content-type": "application/json" } : {}), ...headers },
    ...(payload === undefined ? {} : { payload: typeof payload === "string" || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload) }),
  });

async function create<T = { id: string }>(url: string, body: object, app = t): Promise<T> {
  const res = await send("POST", url, body, {}, app);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as T;
}

/** Asserts the status, the error body's shape and code, and (if given) the first detail's path. */
function expectError(res: Res, status: number, code: string, path?: string | RegExp): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  const body = res.json() as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(["error"]);
  const error = errorOf(res);
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe("string");
  expect(error.message.length).toBeGreaterThan(0);
  if (error.details !== undefined) {
    expect(Array.isArray(error.details)).toBe(true);
    for (const d of error.details) {
      expect(typeof d.path).toBe("string");
      expect(typeof d.message).toBe("string");
    }
  }
  if (path !== undefined) {
    const paths = (error.details ?? []).map((d) => d.path);
    if (typeof path === "string") expect(paths, res.body).toContain(path);
    else expect(paths.some((p) => path.test(p)), res.body).toBe(true);
  }
}

const model400 = (body: unknown) => send("POST", "/v1/models", body as object);
const weightsOf = (id: string) => send("GET", `/v1/models/${id}/weights`);
const st = (tensors: Record<string, Tensor>) => Buffer.from(safetensors.serialize(tensors));

async function waitWhileActive(id: string, app = t): Promise<string> {
  for (let i = 0; i < 1000; i++) {
    const job = (await send("GET", `/v1/jobs/${id}`, undefined, {}, app)).json() as { status: string };
    if (job.status !== "queued" && job.status !== "running") return job.status;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`job ${id} still active`);
}

beforeAll(async () => {
  t = await buildTestApp();
  model = await create("/v1/models", SEED_MODEL);
  toyModel = await create("/v1/models", TOY_MODEL);
  dataset = await create("/v1/datasets", TOY);
  weightsBefore = (await weightsOf(model.id)).body;
});
afterAll(async () => t.close());

describe("malformed and oversized bodies", () => {
  it("answers malformed JSON with 400 malformed_json", async () => {
    for (const text of ['{"input_shape": [50], ', "{", "not json", "{'a': 1}", '{"a": 1,}', "[1, 2"]) {
      expectError(await send("POST", "/v1/models", text), 400, "malformed_json");
    }
    expectError(await send("POST", "/v1/datasets", '{"features": [[1, 2], [3'), 400, "malformed_json");
    expectError(await send("PUT", `/v1/models/${model.id}/weights`, '{"tensors": {'), 400, "malformed_json");
    expectError(await send("POST", "/v1/jobs", "}{"), 400, "malformed_json");
  });

  it("answers an empty JSON body with 400", async () => {
    const res = await send("POST", "/v1/models", "");
    expect(res.statusCode).toBe(400);
    expect(["malformed_json", "validation_error"]).toContain(errorOf(res).code);
  });

  it("answers NaN and Infinity, which JSON cannot carry, with 400", async () => {
    // as raw text they are not JSON
    expectError(await send("POST", "/v1/models/" + model.id + "/predict", `{"inputs": [[NaN${", 0".repeat(49)}]]}`), 400, "malformed_json");
    expectError(await send("POST", "/v1/datasets", '{"features": [[1, Infinity]], "labels": [0]}'), 400, "malformed_json");
    expectError(await send("POST", "/v1/datasets", '{"features": [[1, -Infinity]], "labels": [0]}'), 400, "malformed_json");
    expectError(await send("POST", "/v1/models", '{"input_shape": [NaN], "layers": [{"type": "ReLU"}]}'), 400, "malformed_json");
    // as strings they are the wrong type
    expectError(await send("POST", "/v1/datasets", { features: [[1, "NaN"]], labels: [0] }), 400, "validation_error", /^features\[0\]/);
    expectError(await send("POST", "/v1/datasets", { features: [[1, 2]], labels: ["Infinity"] }), 400, "validation_error", /^labels/);
    expectError(
      await send("POST", `/v1/models/${model.id}/predict`, { inputs: [["NaN", ...new Array(49).fill(0)]] }),
      400,
      "validation_error",
      "inputs[0][0]",
    );
    expectError(
      await send("POST", "/v1/jobs", { ...JOB, model_id: toyModel.id, dataset_id: dataset.id, optimizer: { type: "SGD", lr: "NaN" } }),
      400,
      "validation_error",
      /^optimizer/,
    );
    // numbers beyond float32 become infinite: refused as well
    expectError(await send("POST", "/v1/datasets", '{"features": [[1, 1e39]], "labels": [0]}'), 422, "unprocessable", "features[0][1]");
    expectError(await send("POST", `/v1/models/${model.id}/predict`, `{"inputs": [[0, 1e39${", 0".repeat(48)}]]}`), 422, "unprocessable", "inputs[0][1]");
    // JSON.parse reads 1e309 as Infinity, which the schemas refuse
    expectError(await send("POST", "/v1/datasets", '{"features": [[1, 2]], "labels": [1e309]}'), 400, "validation_error", /^labels/);
    expectError(await send("POST", `/v1/models/${model.id}/predict`, `{"inputs": [[-1e309${", 0".repeat(49)}]]}`), 400, "validation_error", "inputs[0][0]");
  });

  it("answers a deeply nested body with 400 before parsing it", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expectError(await send("POST", "/v1/models", `{"input_shape": ${deep}}`), 400, "malformed_json");
    expectError(await send("POST", "/v1/datasets", `{"features": ${deep}, "labels": [0]}`), 400, "malformed_json");
    // 65 levels: over the limit, even though it is small
    const nested65 = "[".repeat(65) + "1" + "]".repeat(65);
    expectError(await send("POST", `/v1/models/${model.id}/predict`, `{"inputs": ${nested65}}`), 400, "malformed_json");
    // a sample nested deeper than a model's inputs can be, within the JSON limit
    expectError(await send("POST", `/v1/models/${model.id}/predict`, { inputs: [[[[[[1]]]]]] }), 400, "validation_error", /^inputs\[0\]/);
  });

  it("answers a wrong content type with 415", async () => {
    const body = JSON.stringify(SEED_MODEL);
    expectError(await send("POST", "/v1/models", body, { "content-type": "text/plain" }), 415, "unsupported_media_type");
    expectError(await send("POST", "/v1/models", body, { "content-type": "application/xml" }), 415, "unsupported_media_type");
    expectError(await send("POST", "/v1/models", body, { "content-type": "text/csv" }), 415, "unsupported_media_type");
    expectError(await send("POST", "/v1/models", Buffer.from(body), { "content-type": "application/octet-stream" }), 415, "unsupported_media_type");
    expectError(await send("POST", "/v1/datasets", "features,labels\n1,0\n", { "content-type": "text/plain" }), 415, "unsupported_media_type");
    expectError(await send("POST", "/v1/datasets", "<a/>", { "content-type": "application/xml" }), 415, "unsupported_media_type");
    expectError(await send("PUT", `/v1/models/${model.id}/weights`, "a,b\n", { "content-type": "text/csv" }), 415, "unsupported_media_type");
    expectError(await send("POST", "/v1/jobs", "a,b\n", { "content-type": "text/csv" }), 415, "unsupported_media_type");
  });
});

describe("models: wrong types, unknown fields, bad sizes", () => {
  const layers = SEED_MODEL.layers;
  const withLayer = (i: number, layer: object) => ({ ...SEED_MODEL, layers: layers.map((l, j) => (j === i ? layer : l)) });

  it("answers wrong types with 400 validation_error naming the field", async () => {
    expectError(await model400(withLayer(2, { type: "Linear", out_features: "20" })), 400, "validation_error", "layers[2].out_features");
    expectError(await model400(withLayer(2, { type: "Linear", out_features: null })), 400, "validation_error", "layers[2].out_features");
    expectError(await model400(withLayer(0, { type: "Linear", out_features: 30, bias: "yes" })), 400, "validation_error", "layers[0].bias");
    expectError(await model400({ ...SEED_MODEL, input_shape: "50" }), 400, "validation_error", "input_shape");
    expectError(await model400({ ...SEED_MODEL, input_shape: ["50"] }), 400, "validation_error", "input_shape[0]");
    expectError(await model400({ ...SEED_MODEL, layers: "Linear" }), 400, "validation_error", "layers");
    expectError(await model400({ ...SEED_MODEL, layers: [null] }), 400, "validation_error", /^layers\[0\]/);
    expectError(await model400({ ...SEED_MODEL, name: 5 }), 400, "validation_error", "name");
    expectError(await model400([SEED_MODEL]), 400, "validation_error");
    expectError(await model400('"a string"'), 400, "validation_error");
    expectError(await model400("42"), 400, "validation_error");
    expectError(await model400(null), 400, "validation_error");
    expectError(await model400({}), 400, "validation_error", "input_shape");
  });

  it("answers an unknown layer type with 400 naming the layer", async () => {
    const res = await model400(withLayer(1, { type: "Conv3d", out_channels: 3 }));
    expectError(res, 400, "validation_error", /^layers\[1\]/);
    expect(errorOf(res).details!.find((d) => d.path.startsWith("layers[1]"))!.message).toMatch(/Conv3d/);
    expectError(await model400(withLayer(1, { type: "relu" })), 400, "validation_error", /^layers\[1\]/);
    expectError(await model400(withLayer(1, {})), 400, "validation_error", /^layers\[1\]/);
    expectError(await model400(withLayer(1, { type: 3 })), 400, "validation_error", /^layers\[1\]/);
  });

  it("answers unknown fields with 400", async () => {
    // each unknown field is named by its own path
    expectError(await model400({ ...SEED_MODEL, in_features: 50 }), 400, "validation_error", "in_features");
    const two = await model400({ ...SEED_MODEL, in_features: 50, "odd key": 1 });
    expect(errorOf(two).details!.map((d) => d.path)).toEqual(["in_features", '["odd key"]']);
    expectError(await model400(withLayer(1, { type: "ReLU", inplace: true })), 400, "validation_error", "layers[1].inplace");
    expectError(await model400(withLayer(0, { type: "Linear", out_features: 30, out_feature: 3 })), 400, "validation_error", "layers[0].out_feature");
    expectError(await send("POST", "/v1/datasets", { ...TOY, weights: [1] }), 400, "validation_error", "weights");
  });

  it("answers negative, zero and fractional sizes with 400", async () => {
    for (const v of [-1, 0, 2.5]) {
      expectError(await model400(withLayer(2, { type: "Linear", out_features: v })), 400, "validation_error", "layers[2].out_features");
      expectError(await model400({ ...SEED_MODEL, input_shape: [v] }), 400, "validation_error", "input_shape[0]");
      expectError(await model400(withLayer(2, { type: "Linear", in_features: v, out_features: 20 })), 400, "validation_error", "layers[2].in_features");
    }
    expectError(await model400({ ...SEED_MODEL, input_shape: [] }), 400, "validation_error", "input_shape");
    expectError(await model400({ ...SEED_MODEL, input_shape: [1, 2, 3, 4, 5] }), 400, "validation_error", "input_shape");
    expectError(await model400(withLayer(1, { type: "Dropout", p: 1.5 })), 400, "validation_error", "layers[1].p");
    expectError(await model400(withLayer(1, { type: "LayerNorm", eps: 0 })), 400, "validation_error", "layers[1].eps");
    expectError(await model400(withLayer(1, { type: "GELU", approximate: "fast" })), 400, "validation_error", "layers[1].approximate");
  });

  it("answers an empty layers list with 400", async () => {
    expectError(await model400({ ...SEED_MODEL, layers: [] }), 400, "validation_error", "layers");
  });

  it("answers a seed that is not a non-negative integer with 400", async () => {
    for (const seed of [1.5, -1, "123", 2 ** 64, null, true]) {
      expectError(await model400({ ...SEED_MODEL, seed }), 400, "validation_error", "seed");
    }
  });

  it("answers layers that do not fit together with 422 naming the field", async () => {
    const res = await model400(withLayer(2, { type: "Linear", in_features: 31, out_features: 20 }));
    expectError(res, 422, "unprocessable", "layers[2].in_features");
    expect(errorOf(res).message).toMatch(/31/);
    expectError(await model400({ ...SEED_MODEL, input_shape: [49], layers: [{ type: "Linear", in_features: 50, out_features: 3 }] }), 422, "unprocessable", "layers[0].in_features");
    expectError(await model400({ input_shape: [50], layers: [{ type: "Softmax", dim: 0 }] }), 422, "unprocessable", "layers[0].dim");
    expectError(await model400({ input_shape: [50], layers: [{ type: "Softmax", dim: 2 }] }), 422, "unprocessable", "layers[0].dim");
    expectError(await model400({ input_shape: [2, 3], layers: [{ type: "Flatten", start_dim: 2, end_dim: 1 }] }), 422, "unprocessable", "layers[0].start_dim");
  });

  it("answers a model over the default parameter limit with 422", async () => {
    const res = await model400({ input_shape: [100_000], layers: [{ type: "Linear", out_features: 1000 }] });
    expectError(res, 422, "unprocessable", "layers");
  });
});

describe("unknown ids", () => {
  it("answers 404 not_found for every route with an id", async () => {
    const cases: [Method, string, object?][] = [
      ["GET", "/v1/models/mdl_nope"],
      ["DELETE", "/v1/models/mdl_nope"],
      ["GET", "/v1/models/mdl_nope/weights"],
      ["PUT", "/v1/models/mdl_nope/weights", { tensors: {} }],
      ["POST", "/v1/models/mdl_nope/predict", { inputs: [[1, 2]] }],
      ["GET", "/v1/datasets/ds_nope"],
      ["DELETE", "/v1/datasets/ds_nope"],
      ["GET", "/v1/jobs/job_nope"],
      ["POST", "/v1/jobs/job_nope/cancel"],
      ["GET", "/v1/jobs/job_nope/events"],
      ["GET", "/v1/nothing"],
    ];
    for (const [method, url, body] of cases) expectError(await send(method, url, body), 404, "not_found");
  });

  it("answers a job for an unknown model or dataset with 404 naming the field", async () => {
    expectError(await send("POST", "/v1/jobs", { ...JOB, model_id: "mdl_nope", dataset_id: dataset.id }), 404, "not_found", "model_id");
    expectError(await send("POST", "/v1/jobs", { ...JOB, model_id: toyModel.id, dataset_id: "ds_nope" }), 404, "not_found", "dataset_id");
    expectError(
      await send("POST", "/v1/jobs", { ...JOB, model_id: toyModel.id, dataset_id: dataset.id, validation_dataset_id: "ds_nope" }),
      404,
      "not_found",
      "validation_dataset_id",
    );
  });

  it("answers an id over 100 characters with 400", async () => {
    // Fastify's own limit on a path parameter (maxParamLength, 100) answers first
    expectError(await send("GET", `/v1/models/${"x".repeat(101)}`), 400, "bad_request");
    expectError(await send("DELETE", `/v1/datasets/${"x".repeat(500)}`), 400, "bad_request");
  });
});

describe("the NUL character, which Postgres text cannot store", () => {
  it("answers it in a name, an id or a cursor with 400 naming the field", async () => {
    expectError(await model400({ ...TOY_MODEL, name: "a\u0000b" }), 400, "validation_error", "name");
    expectError(await send("POST", "/v1/datasets", { ...TOY, name: "\u0000" }), 400, "validation_error", "name");
    expectError(await send("POST", "/v1/jobs", { ...JOB, model_id: "mdl_\u0000", dataset_id: dataset.id }), 400, "validation_error", "model_id");
    expectError(await send("GET", "/v1/models/mdl_%00"), 400, "validation_error", "params.id");
    expectError(await send("GET", "/v1/jobs?after=job_%00"), 400, "validation_error", "query.after");
  });
});

describe("datasets: ragged rows, mismatched labels, bad values", () => {
  const ds = (body: unknown) => send("POST", "/v1/datasets", body as object);

  it("answers ragged rows with 422 naming the row", async () => {
    const res = await ds({ features: [[1, 2], [3, 4], [5]], labels: [0, 1, 0] });
    expectError(res, 422, "unprocessable", "features[2]");
    expectError(await ds({ features: [[1, 2], [3, 4, 5]], labels: [0, 1] }), 422, "unprocessable", "features[1]");
    expectError(await ds({ features: [[[1, 2]], [[3, 4], [5, 6]]], labels: [0, 1] }), 422, "unprocessable", "features[1]");
    // a row of another depth
    const depth = await ds({ features: [[1, 2], [[3], [4]]], labels: [0, 1] });
    expect([400, 422]).toContain(depth.statusCode);
    expect(errorOf(depth).details?.some((d) => d.path.startsWith("features[1]"))).toBe(true);
    expectError(await ds({ features: [[], []], labels: [0, 1] }), 422, "unprocessable", /^features\[0\]/);
  });

  it("answers a labels count that does not match the samples with 422", async () => {
    expectError(await ds({ features: [[1], [2], [3]], labels: [0, 1] }), 422, "unprocessable", "labels");
    expectError(await ds({ features: [[1], [2]], labels: [0, 1, 1] }), 422, "unprocessable", "labels");
    expectError(await ds({ features: [[1], [2]], labels: [] }), 422, "unprocessable", "labels");
    expectError(await ds({ features: [[1], [2]], labels: [[1, 2], [3]] }), 422, "unprocessable", "labels[1]");
  });

  it("answers missing, empty, unknown and mistyped fields with 400", async () => {
    expectError(await ds({ features: [[1]] }), 400, "validation_error", "labels");
    expectError(await ds({ labels: [0] }), 400, "validation_error", "features");
    expectError(await ds({ features: [], labels: [] }), 400, "validation_error", "features");
    expectError(await ds({ ...TOY, weights: [1] }), 400, "validation_error", "weights");
    expectError(await ds({ features: [[1, true]], labels: [0] }), 400, "validation_error", /^features\[0\]/);
    expectError(await ds({ features: [1, 2], labels: [0, 1] }), 400, "validation_error", /^features\[0\]/);
    expectError(await ds({ features: [[[[[[1]]]]]], labels: [0] }), 400, "validation_error", /^features\[0\]/);
  });

  it("answers bad CSV with 4xx naming the row", async () => {
    const csv = (text: string, query = "") => send("POST", `/v1/datasets${query}`, text, { "content-type": "text/csv" });
    expectError(await csv("a,b,y\n1,2,0\n3,0\n"), 422, "unprocessable", "csv.row[3]");
    expectError(await csv("a,y\n1,0\nNaN,1\n"), 422, "unprocessable", "csv.row[3].column.a");
    expectError(await csv("a,y\n1,0\nInfinity,1\n"), 422, "unprocessable", "csv.row[3].column.a");
    expectError(await csv("a,y\n"), 422, "unprocessable", "csv");
    expectError(await csv('a,y\n"1,0\n'), 422, "unprocessable", /^csv\.row/);
    expectError(await csv("a,y\n1,0\n", "?label_column=nope"), 422, "unprocessable", "label_column");
    expectError(await csv("a,y\n1,0\n", "?label_column="), 400, "validation_error", "query.label_column");
  });

  it("answers corrupt safetensors with 422, not 500", async () => {
    const good = st({
      features: fromTypedArray(Float32Array.from([1, 2, 3, 4]), [2, 2]),
      labels: fromTypedArray(BigInt64Array.from([0n, 1n]), [2]),
    });
    const header = Buffer.from('{"features":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}');
    const lengthPrefix = (n: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(n);
      return b;
    };
    const withHeader = (json: string, dataBytes: number) =>
      Buffer.concat([lengthPrefix(BigInt(Buffer.byteLength(json))), Buffer.from(json), Buffer.alloc(dataBytes)]);
    const corrupt: [string, Buffer][] = [
      ["empty", Buffer.alloc(0)],
      ["too short", Buffer.from([1, 2, 3])],
      ["random bytes", Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) % 256))],
      ["header length past the end", Buffer.concat([lengthPrefix(1n << 40n), Buffer.from("{}")])],
      ["huge header length", Buffer.concat([lengthPrefix(0xffffffffffffffffn), Buffer.from("{}")])],
      ["header not JSON", Buffer.concat([lengthPrefix(5n), Buffer.from("{nope")])],
      ["header an array", Buffer.concat([lengthPrefix(2n), Buffer.from("[]")])],
      ["truncated data", good.subarray(0, good.length - 4)],
      ["data missing", Buffer.concat([lengthPrefix(BigInt(header.length)), header])],
      ["bad dtype", withHeader('{"features":{"dtype":"Q8","shape":[1],"data_offsets":[0,4]}}', 4)],
      ["negative shape", withHeader('{"features":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', 4)],
      ["overlapping tensors", withHeader('{"features":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"labels":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4)],
      // issue 13's probe: a null entry was read as an object (500, "reading 'dtype'")
      ["a null entry", withHeader('{"features":null,"labels":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', 8)],
      ["a number entry", withHeader('{"features":7}', 0)],
      ["an array entry", withHeader('{"features":[1,2]}', 0)],
      ["metadata an array", withHeader('{"__metadata__":["pt"]}', 0)],
    ];
    for (const [what, bytes] of corrupt) {
      const res = await send("POST", "/v1/datasets", bytes, { "content-type": "application/octet-stream" });
      expect(res.statusCode, `${what}: ${res.body}`).toBe(422);
      expectError(res, 422, "unprocessable", "safetensors");
      // and the same file as a model's weights
      const put = await send("PUT", `/v1/models/${model.id}/weights`, bytes, { "content-type": "application/octet-stream" });
      expect(put.statusCode, `${what} (weights): ${put.body}`).toBe(422);
      expectError(put, 422, "unprocessable");
    }
    // valid file, wrong contents
    const noisy = st({ features: fromTypedArray(Float32Array.from([1, NaN]), [2, 1]), labels: fromTypedArray(BigInt64Array.from([0n, 1n]), [2]) });
    expectError(await send("POST", "/v1/datasets", noisy, { "content-type": "application/octet-stream" }), 422, "unprocessable", "safetensors.features");
    const mismatch = st({ features: fromTypedArray(Float32Array.from([1, 2, 3]), [3, 1]), labels: fromTypedArray(BigInt64Array.from([0n, 1n]), [2]) });
    expectError(await send("POST", "/v1/datasets", mismatch, { "content-type": "application/octet-stream" }), 422, "unprocessable", "safetensors.labels");
  });
});

describe("weights PUT: corrupt files, missing and extra keys, wrong shapes", () => {
  let tensors: Record<string, { shape: number[]; dtype: string; data: number[] }>;
  beforeAll(async () => {
    tensors = (JSON.parse(weightsBefore) as { tensors: typeof tensors }).tensors;
  });
  const put = (body: string | Buffer | object, contentType = "application/json") =>
    send("PUT", `/v1/models/${model.id}/weights`, body, { "content-type": contentType });
  const asTensors = () => Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, fromTypedArray(Float32Array.from(v.data), v.shape)]));

  it("answers a corrupt safetensors file with 422, not 500", async () => {
    const good = st(asTensors());
    for (const [what, bytes] of [
      ["empty", Buffer.alloc(0)],
      ["too short", Buffer.from([0, 1])],
      ["garbage", Buffer.from("this is not a safetensors file at all")],
      ["truncated", good.subarray(0, good.length - 100)],
      ["header cut", good.subarray(0, 40)],
    ] as [string, Buffer][]) {
      const res = await put(bytes, "application/octet-stream");
      expect(res.statusCode, `${what}: ${res.body}`).toBe(422);
      expectError(res, 422, "unprocessable");
    }
  });

  it("answers a missing key, an extra key or a wrong shape with 422 naming the key", async () => {
    const { ["layers.2.bias"]: _dropped, ...missing } = tensors;
    expectError(await put({ tensors: missing }), 422, "unprocessable", 'tensors["layers.2.bias"]');
    const extra = { ...tensors, "layers.5.weight": { shape: [1], dtype: "float32", data: [0] } };
    expectError(await put({ tensors: extra }), 422, "unprocessable", 'tensors["layers.5.weight"]');
    const w = tensors["layers.4.weight"]!;
    const reshaped = { ...tensors, "layers.4.weight": { ...w, shape: [20, 3] } };
    expectError(await put({ tensors: reshaped }), 422, "unprocessable", /^tensors\["layers\.4\.weight"\]/);
    const short = { ...tensors, "layers.4.weight": { ...w, data: w.data.slice(1) } };
    expectError(await put({ tensors: short }), 422, "unprocessable", /^tensors\["layers\.4\.weight"\]/);
    // the same through safetensors
    const parts = asTensors();
    const { ["layers.0.weight"]: _w0, ...stMissing } = parts;
    expectError(await put(st(stMissing), "application/octet-stream"), 422, "unprocessable", 'tensors["layers.0.weight"]');
    expectError(await put(st({ ...parts, extra: parts["layers.0.bias"]! }), "application/octet-stream"), 422, "unprocessable", 'tensors.extra');
    // keys that every object inherits are not the model's keys either
    for (const key of ["toString", "constructor", "hasOwnProperty"]) {
      const res = await put({ tensors: { ...tensors, [key]: { shape: [1], dtype: "float32", data: [0] } } });
      expectError(res, 422, "unprocessable", `tensors.${key}`);
    }
    const f64 = { ...parts, "layers.0.bias": fromTypedArray(Float64Array.from(tensors["layers.0.bias"]!.data), [30]) };
    expectError(await put(st(f64), "application/octet-stream"), 422, "unprocessable", /^tensors\["layers\.0\.bias"\]/);
    const wrongShape = { ...parts, "layers.0.bias": fromTypedArray(Float32Array.from(tensors["layers.0.bias"]!.data), [5, 6]) };
    expectError(await put(st(wrongShape), "application/octet-stream"), 422, "unprocessable", /^tensors\["layers\.0\.bias"\]/);
  });

  it("answers bad JSON weights with 4xx", async () => {
    expectError(await put({}), 400, "validation_error", "tensors");
    expectError(await put({ tensors, version: 2 }), 400, "validation_error", "version");
    const b = tensors["layers.0.bias"]!;
    expectError(await put({ tensors: { ...tensors, "layers.0.bias": { ...b, dtype: "float64" } } }), 400, "validation_error", /^tensors\["layers\.0\.bias"\]\.dtype/);
    expectError(await put({ tensors: { ...tensors, "layers.0.bias": { ...b, data: ["x", ...b.data.slice(1)] } } }), 400, "validation_error", /^tensors\["layers\.0\.bias"\]\.data/);
    const big = { ...tensors, "layers.0.bias": { ...b, data: [1e39, ...b.data.slice(1)] } };
    expectError(await put({ tensors: big }), 422, "unprocessable", /^tensors\["layers\.0\.bias"\]/);
    const negShape = { ...tensors, "layers.0.bias": { ...b, shape: [-30] } };
    expectError(await put({ tensors: negShape }), 400, "validation_error", /^tensors\["layers\.0\.bias"\]\.shape/);
  });

  it("left the weights as they were", async () => {
    const res = await weightsOf(model.id);
    expect(res.body).toBe(weightsBefore);
    expect(((await send("GET", `/v1/models/${model.id}`)).json() as { version: number }).version).toBe(model.version);
  });
});

describe("predict: wrong widths and shapes", () => {
  const predict = (inputs: unknown) => send("POST", `/v1/models/${model.id}/predict`, { inputs });
  const row = (n: number) => new Array(n).fill(0.5);

  it("answers features of the wrong width with 422 naming the sample", async () => {
    expectError(await predict([row(49)]), 422, "unprocessable", "inputs[0]");
    expectError(await predict([row(50), row(51)]), 422, "unprocessable", "inputs[1]");
    expectError(await predict([row(50), [row(50)]]), 422, "unprocessable", "inputs[1]");
  });

  it("answers a wrong sample for a model with a huge input_shape with 422, without allocating that batch", async () => {
    // 10^20 values per sample: no request can carry one, and a wrong one must not be allocated
    const huge = await create("/v1/models", { input_shape: [100_000, 100_000, 100_000, 100_000], layers: [{ type: "ReLU" }] });
    expectError(await send("POST", `/v1/models/${huge.id}/predict`, { inputs: [[1, 2]] }), 422, "unprocessable", "inputs[0]");
    const big = await create("/v1/models", { input_shape: [20_000, 20_000], layers: [{ type: "Identity" }] });
    expectError(await send("POST", `/v1/models/${big.id}/predict`, { inputs: [[[1]], [[2]]] }), 422, "unprocessable", "inputs[0]");
    expect((await send("DELETE", `/v1/models/${huge.id}`)).statusCode).toBe(204);
    expect((await send("DELETE", `/v1/models/${big.id}`)).statusCode).toBe(204);
  });

  it("answers a missing, empty or mistyped batch with 400", async () => {
    expectError(await predict([]), 400, "validation_error", "inputs");
    expectError(await send("POST", `/v1/models/${model.id}/predict`, {}), 400, "validation_error", "inputs");
    expectError(await predict(row(50)), 400, "validation_error", /^inputs\[0\]/);
    expectError(await predict([[...row(49), null]]), 400, "validation_error", "inputs[0][49]");
    expectError(await predict([row(50), [...row(3), "0.5", ...row(46)]]), 400, "validation_error", "inputs[1][3]");
    expectError(await predict([[row(50), [1, [2]]]]), 400, "validation_error", "inputs[0][1][1]");
    expectError(await send("POST", `/v1/models/${model.id}/predict`, { inputs: [row(50)], extra: 1 }), 400, "validation_error", "extra");
  });
});

describe("jobs: bad specs", () => {
  const job = (body: object) => send("POST", "/v1/jobs", { ...JOB, model_id: toyModel.id, dataset_id: dataset.id, ...body });

  it("answers labels out of range for the model's outputs with 422", async () => {
    const fiveClasses = await create("/v1/datasets", { features: TOY.features, labels: [0, 1, 2, 3, 4] });
    expectError(await job({ dataset_id: fiveClasses.id }), 422, "unprocessable", "dataset_id");
    const floats = await create("/v1/datasets", { features: TOY.features, labels: [0.5, 1, 2, 3, 4] });
    expectError(await job({ dataset_id: floats.id }), 422, "unprocessable", "dataset_id");
    // features of another width than the model's input
    expectError(await job({ model_id: model.id }), 422, "unprocessable", "dataset_id");
    expectError(await job({ validation_dataset_id: fiveClasses.id }), 422, "unprocessable", "validation_dataset_id");
  });

  it("answers validation_dataset_id with validation_split with 4xx", async () => {
    const res = await job({ validation_dataset_id: dataset.id, validation_split: 0.2 });
    expect([400, 422]).toContain(res.statusCode);
    expect(errorOf(res).details?.some((d) => /^validation_(split|dataset_id)$/.test(d.path))).toBe(true);
  });

  it("answers epochs over the limit, and other bad numbers, with 4xx naming the field", async () => {
    const res = await job({ epochs: 10_001 });
    expect([400, 422]).toContain(res.statusCode);
    expect(errorOf(res).details?.map((d) => d.path)).toContain("epochs");
    expectError(await job({ epochs: 0 }), 400, "validation_error", "epochs");
    expectError(await job({ epochs: 1.5 }), 400, "validation_error", "epochs");
    expectError(await job({ batch_size: -2 }), 400, "validation_error", "batch_size");
    expectError(await job({ validation_split: 1 }), 400, "validation_error", "validation_split");
    expectError(await job({ optimizer: { type: "SGD", lr: 0 } }), 400, "validation_error", "optimizer.lr");
    expectError(await job({ optimizer: { type: "LBFGS", lr: 1 } }), 400, "validation_error", /^optimizer/);
    expectError(await job({ loss: "hinge" }), 400, "validation_error", "loss");
    expectError(await job({ seed: -1 }), 400, "validation_error", "seed");
    expectError(await job({ priority: 1 }), 400, "validation_error", "priority");
    expectError(await job({ optimizer: { type: "Adam", momentum: 0.9 } }), 400, "validation_error", "optimizer.momentum");
    expectError(await job({ batch_size: 10, drop_last: true }), 422, "unprocessable", "batch_size");
    expectError(await job({ optimizer: { type: "SGD", lr: 0.1, nesterov: true } }), 422, "unprocessable", "optimizer.nesterov");
  });

  it("answers a validation_split that leaves no validation sample with 422 (it used to train without validation)", async () => {
    // 5 samples × 0.1 = 0.5, rounded down to 0 rows
    const res = await job({ validation_split: 0.1 });
    expectError(res, 422, "unprocessable", "validation_split");
    expect(errorOf(res).message).toMatch(/leaves no validation sample/);
    const ok = await job({ validation_split: 0.2 });
    expect(ok.statusCode, ok.body).toBe(202);
    expect(await waitWhileActive((ok.json() as { id: string }).id)).toBe("succeeded");
  });
});

describe("limits", () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await buildTestApp({ config: { limits: { maxBodyBytes: 2048, maxParams: 100, maxSamples: 4, maxEpochs: 5, maxJobSteps: 10, maxPredictBodyBytes: 1024 } } });
  });
  afterAll(async () => small.close());

  it("answers a body over maxBodyBytes with 413, for JSON, CSV and bytes", async () => {
    const features = Array.from({ length: 3 }, () => new Array(200).fill(0.123456));
    expectError(await send("POST", "/v1/datasets", { features, labels: [0, 1, 0] }, {}, small), 413, "payload_too_large");
    expectError(await send("POST", "/v1/datasets", "a,y\n" + "0.123456,1\n".repeat(300), { "content-type": "text/csv" }, small), 413, "payload_too_large");
    expectError(await send("POST", "/v1/datasets", Buffer.alloc(4096), { "content-type": "application/octet-stream" }, small), 413, "payload_too_large");
    expectError(await send("POST", "/v1/models", { ...SEED_MODEL, name: "x".repeat(3000) }, {}, small), 413, "payload_too_large");
    // a body within the limit still works
    await create("/v1/datasets", { features: [[1], [2]], labels: [0, 1] }, small);
  });

  it("answers a prediction body over maxPredictBodyBytes with 413 naming the limit (it is read on the API thread)", async () => {
    const m = await create<{ id: string }>("/v1/models", { input_shape: [10], layers: [{ type: "Linear", out_features: 2 }] }, small);
    const inputs = Array.from({ length: 40 }, () => new Array(10).fill(0.123456));
    const res = await send("POST", `/v1/models/${m.id}/predict`, { inputs }, {}, small);
    expectError(res, 413, "payload_too_large");
    expect(errorOf(res).message).toBe("The request body is larger than the 1024 bytes this route takes");
    // other routes keep the app's limit, named the same way
    const big = await send("POST", "/v1/models", { ...SEED_MODEL, name: "x".repeat(3000) }, {}, small);
    expect(errorOf(big).message).toBe("The request body is larger than the 2048 bytes this route takes");
    const ok = await send("POST", `/v1/models/${m.id}/predict`, { inputs: inputs.slice(0, 5) }, {}, small);
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it("answers a model over maxParams with 422", async () => {
    const res = await send("POST", "/v1/models", { input_shape: [10], layers: [{ type: "Linear", out_features: 10 }] }, {}, small);
    expectError(res, 422, "unprocessable", "layers");
    expect(errorOf(res).message).toMatch(/100/);
    await create("/v1/models", { input_shape: [9], layers: [{ type: "Linear", out_features: 10 }] }, small); // 100 parameters: at the limit
  });

  it("answers a dataset over maxSamples with 422, as JSON, CSV and safetensors", async () => {
    const features = [[1], [2], [3], [4], [5]];
    expectError(await send("POST", "/v1/datasets", { features, labels: [0, 1, 0, 1, 0] }, {}, small), 422, "unprocessable", "features");
    expectError(await send("POST", "/v1/datasets", "a,y\n1,0\n2,1\n3,0\n4,1\n5,0\n", { "content-type": "text/csv" }, small), 422, "unprocessable", "csv");
    const bytes = st({ features: fromTypedArray(Float32Array.from([1, 2, 3, 4, 5]), [5, 1]), labels: fromTypedArray(BigInt64Array.from([0n, 1n, 0n, 1n, 0n]), [5]) });
    expectError(await send("POST", "/v1/datasets", bytes, { "content-type": "application/octet-stream" }, small), 422, "unprocessable", "safetensors.features");
    await create("/v1/datasets", { features: features.slice(0, 4), labels: [0, 1, 0, 1] }, small);
  });

  it("answers a job of more optimizer steps than maxJobSteps with 422 naming epochs, before storing it", async () => {
    // issue 13's probe: epochs 10000 × batch_size 1 on 1M samples was accepted as 10^10 steps
    const m = await create("/v1/models", { input_shape: [1], layers: [{ type: "Linear", out_features: 2 }] }, small);
    const d = await create("/v1/datasets", { features: [[1], [2], [3]], labels: [0, 1, 0] }, small);
    const before = await small.store.countJobs(["queued", "running", "succeeded", "failed", "cancelled"]);
    const res = await send("POST", "/v1/jobs", { ...JOB, model_id: m.id, dataset_id: d.id, epochs: 4, batch_size: 1 }, {}, small);
    expectError(res, 422, "unprocessable", "epochs");
    expect(errorOf(res).message).toBe(
      "4 epochs of 3 batches are 12 optimizer steps, above this service's limit of 10; ask for fewer epochs or a larger batch_size",
    );
    expect(await small.store.countJobs(["queued", "running", "succeeded", "failed", "cancelled"])).toBe(before);
    const ok = await send("POST", "/v1/jobs", { ...JOB, model_id: m.id, dataset_id: d.id, epochs: 5, batch_size: 2 }, {}, small);
    expect(ok.statusCode, ok.body).toBe(202);
    expect((ok.json() as { progress: { total_steps: number } }).progress.total_steps).toBe(10);
    expect(await waitWhileActive((ok.json() as { id: string }).id, small)).toBe("succeeded");
  });

  it("answers epochs over maxEpochs with 422 naming epochs", async () => {
    const m = await create("/v1/models", { input_shape: [1], layers: [{ type: "Linear", out_features: 2 }] }, small);
    const d = await create("/v1/datasets", { features: [[1], [2]], labels: [0, 1] }, small);
    const body = { ...JOB, model_id: m.id, dataset_id: d.id, epochs: 6 };
    expectError(await send("POST", "/v1/jobs", body, {}, small), 422, "unprocessable", "epochs");
    const ok = await send("POST", "/v1/jobs", { ...body, epochs: 5 }, {}, small);
    expect(ok.statusCode, ok.body).toBe(202);
    expect(await waitWhileActive((ok.json() as { id: string }).id, small)).toBe("succeeded");
  });
});

describe("resources in use", () => {
  it("answers DELETE of a model or dataset used by a queued or running job with 409", async () => {
    const m = await create("/v1/models", TOY_MODEL);
    const d = await create("/v1/datasets", TOY);
    const res = await send("POST", "/v1/jobs", { ...JOB, model_id: m.id, dataset_id: d.id, epochs: 10_000, batch_size: 1 });
    expect(res.statusCode, res.body).toBe(202);
    const job = res.json() as { id: string; status: string };
    try {
      expect(["queued", "running"]).toContain(job.status);
      expectError(await send("DELETE", `/v1/models/${m.id}`), 409, "model_in_use");
      expectError(await send("DELETE", `/v1/datasets/${d.id}`), 409, "dataset_in_use");
      // both still there
      expect((await send("GET", `/v1/models/${m.id}`)).statusCode).toBe(200);
      expect((await send("GET", `/v1/datasets/${d.id}`)).statusCode).toBe(200);
    } finally {
      const cancel = await send("POST", `/v1/jobs/${job.id}/cancel`);
      expect(cancel.statusCode, cancel.body).toBe(202);
      expect(await waitWhileActive(job.id)).toBe("cancelled");
    }
    // no longer in use: deletable
    expect((await send("DELETE", `/v1/models/${m.id}`)).statusCode).toBe(204);
    expect((await send("DELETE", `/v1/datasets/${d.id}`)).statusCode).toBe(204);
    // cancelling again is a conflict
    expectError(await send("POST", `/v1/jobs/${job.id}/cancel`), 409, "job_not_active");
  });
});

describe("after the battery", () => {
  it("still serves, with everything stored before still there", async () => {
    expect((await send("GET", "/healthz")).statusCode).toBe(200);
    expect((await send("GET", "/readyz")).statusCode).toBe(200);
    const got = await send("GET", `/v1/models/${model.id}`);
    expect(got.statusCode).toBe(200);
    expect((got.json() as { version: number }).version).toBe(model.version);
    expect((await weightsOf(model.id)).body).toBe(weightsBefore);
    const ds = await send("GET", `/v1/datasets/${dataset.id}`);
    expect(ds.statusCode).toBe(200);
    expect(ds.json()).toMatchObject({ num_samples: 5, feature_shape: [2], label_dtype: "int64", num_classes: 2 });
    const models = (await send("GET", "/v1/models?limit=500")).json() as { items: { id: string }[] };
    expect(models.items.map((m) => m.id)).toEqual(expect.arrayContaining([model.id, toyModel.id]));
    const datasets = (await send("GET", "/v1/datasets?limit=500")).json() as { items: { id: string }[] };
    expect(datasets.items.map((d) => d.id)).toContain(dataset.id);

    // normal requests succeed: create, predict, train
    const fresh = await create<{ num_params: number }>("/v1/models", SEED_MODEL);
    expect(fresh.num_params).toBe(2213);
    const pred = await send("POST", `/v1/models/${model.id}/predict`, { inputs: [new Array(50).fill(0)] });
    expect(pred.statusCode, pred.body).toBe(200);
    const res = await send("POST", "/v1/jobs", { ...JOB, model_id: toyModel.id, dataset_id: dataset.id });
    expect(res.statusCode, res.body).toBe(202);
    expect(await waitWhileActive((res.json() as { id: string }).id)).toBe("succeeded");
  });
});
