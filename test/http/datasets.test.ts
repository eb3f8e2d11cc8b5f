import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromTypedArray, safetensors, type Tensor } from "../../src/tensor/index.js";
import { loadFixture, type RefTensor } from "../helpers/fixtures.js";
import type { DatasetView } from "../../src/services/index.js";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";
import { rows } from "../helpers/seed.js";

const toy = loadFixture<{ toy_training: { X_train: RefTensor; y_train: RefTensor } }>("appendix-a.json").toy_training;


/** The seed's toy data: X_train [5, 2] and y_train [5] (0, 0, 0, 1, 1). */
const TOY = { features: rows(toy.X_train), labels: toy.y_train.data as number[] };

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

async function upload(payload: string | Buffer | object, contentType = "application/json", query = "") {
  return t.app.inject({
    method: "POST",
    url: `/v1/datasets${query}`,
    headers: { "content-type": contentType },
    payload: typeof payload === "string" || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
  });
}

async function created(payload: string | Buffer | object, contentType = "application/json", query = ""): Promise<DatasetView> {
  const res = await upload(payload, contentType, query);
  expect(res.statusCode, res.body).toBe(201);
  const dataset = res.json() as DatasetView;
  expect(res.headers.location).toBe(`/v1/datasets/${dataset.id}`);
  return dataset;
}

/** Stored little-endian float32 bytes as numbers (copied: the bytes may sit unaligned). */
const floats = (bytes: Uint8Array): number[] => Array.from(new Float32Array(Uint8Array.from(bytes).buffer));

const st = (tensors: Record<string, Tensor>) => Buffer.from(safetensors.serialize(tensors));

describe("POST /v1/datasets as JSON", () => {
  it("takes the seed's toy data: 5 samples of 2 features, int64 labels of 2 classes", async () => {
    const ds = await created({ name: "toy", ...TOY });
    expect(ds.id).toMatch(/^ds_[0-9a-f]{32}$/);
    expect(ds).toMatchObject({
      name: "toy",
      num_samples: 5,
      feature_shape: [2],
      label_shape: [],
      label_dtype: "int64",
      num_classes: 2,
    });
    expect(new Date(ds.created_at).toISOString()).toBe(ds.created_at);
    // the stored tensors are float32 features and int64 labels, as the seed's X_train and y_train
    const stored = await t.store.getDataset(ds.id);
    expect((floats(stored!.features))).toEqual(toy.X_train.data);
    expect(Array.from(new BigInt64Array(Uint8Array.from(stored!.labels).buffer), Number)).toEqual(toy.y_train.data);
  });

  it("takes float labels as float32 targets, and rows of targets as [k]", async () => {
    const scalar = await created({ features: [[1], [2], [3]], labels: [0.5, 1, 2] });
    expect(scalar).toMatchObject({ num_samples: 3, feature_shape: [1], label_shape: [], label_dtype: "float32", num_classes: null });
    const negative = await created({ features: [[1], [2]], labels: [-1, 1] });
    expect(negative).toMatchObject({ label_dtype: "float32", num_classes: null });
    const vectors = await created({ features: [[1, 2], [3, 4]], labels: [[0.1, 0.2, 0.3], [1, 2, 3]] });
    expect(vectors).toMatchObject({ label_shape: [3], label_dtype: "float32", num_classes: null });
    const images = await created({ features: [[[1, 2, 3], [4, 5, 6]]], labels: [4] });
    expect(images).toMatchObject({ num_samples: 1, feature_shape: [2, 3], label_dtype: "int64", num_classes: 5 });
    expect(images.name).toBeNull();
  });
});

describe("POST /v1/datasets as CSV", () => {
  it("takes a header row and uses the last column as the label by default", async () => {
    const csv = "x1,x2,y\n" + TOY.features.map((r, i) => `${r.join(",")},${TOY.labels[i]}`).join("\n") + "\n";
    const ds = await created(csv, "text/csv", "?name=toy%20csv");
    expect(ds).toMatchObject({
      name: "toy csv",
      num_samples: 5,
      feature_shape: [2],
      label_shape: [],
      label_dtype: "int64",
      num_classes: 2,
    });
    const stored = await t.store.getDataset(ds.id);
    expect((floats(stored!.features))).toEqual(toy.X_train.data);
  });

  it("takes ?label_column= naming another column, CRLF lines and a charset parameter", async () => {
    const csv = "label,a,b,c\r\n2,1.5,2,3\r\n0,4,5,6\r\n1,7,8,9\r\n";
    const ds = await created(csv, "text/csv; charset=utf-8", "?label_column=label");
    expect(ds).toMatchObject({ num_samples: 3, feature_shape: [3], label_dtype: "int64", num_classes: 3 });
    const stored = await t.store.getDataset(ds.id);
    expect((floats(stored!.features))).toEqual([1.5, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("takes float labels as float32", async () => {
    const ds = await created("x,y\n1,0.5\n2,1.25\n", "text/csv");
    expect(ds).toMatchObject({ num_samples: 2, feature_shape: [1], label_shape: [], label_dtype: "float32", num_classes: null });
  });

  it("names the row and column of a bad cell, and an unknown label column", async () => {
    const bad = await upload("x,y\n1,0\n2,abc\n", "text/csv");
    expect(bad.statusCode).toBe(422);
    expect(errorOf(bad).details?.[0]?.path).toBe("csv.row[3].column.y");
    const short = await upload("x,y\n1,0\n2\n", "text/csv");
    expect(short.statusCode).toBe(422);
    expect(errorOf(short).details?.[0]?.path).toBe("csv.row[3]");
    const column = await upload("x,y\n1,0\n", "text/csv", "?label_column=z");
    expect(column.statusCode).toBe(422);
    expect(errorOf(column).details?.[0]?.path).toBe("label_column");
    const empty = await upload("", "text/csv");
    expect(empty.statusCode).toBeGreaterThanOrEqual(400);
    expect(empty.statusCode).toBeLessThan(500);
  });
});

describe("POST /v1/datasets as safetensors", () => {
  it("takes a file with features and labels", async () => {
    const features = fromTypedArray(Float32Array.from(toy.X_train.data as number[]), toy.X_train.shape);
    const labels = fromTypedArray(BigInt64Array.from((toy.y_train.data as number[]).map(BigInt)), toy.y_train.shape);
    const ds = await created(st({ features, labels }), "application/octet-stream", "?name=toy%20st");
    expect(ds).toMatchObject({
      name: "toy st",
      num_samples: 5,
      feature_shape: [2],
      label_shape: [],
      label_dtype: "int64",
      num_classes: 2,
    });
    const stored = await t.store.getDataset(ds.id);
    expect((floats(stored!.features))).toEqual(toy.X_train.data);
  });

  it("takes F64 features and F32 targets", async () => {
    const features = fromTypedArray(Float64Array.from([1, 2, 3, 4, 5, 6]), [3, 2]);
    const labels = fromTypedArray(Float32Array.from([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]), [3, 2]);
    const ds = await created(st({ features, labels }), "application/octet-stream");
    expect(ds).toMatchObject({ num_samples: 3, feature_shape: [2], label_shape: [2], label_dtype: "float32", num_classes: null });
  });

  it("refuses a file without labels, or with other tensors", async () => {
    const features = fromTypedArray(Float32Array.from([1, 2]), [2, 1]);
    const noLabels = await upload(st({ features }), "application/octet-stream");
    expect(noLabels.statusCode).toBe(422);
    expect(errorOf(noLabels).details?.[0]?.path).toBe("safetensors.labels");
    const extra = await upload(st({ features, labels: fromTypedArray(BigInt64Array.from([0n, 1n]), [2]), other: features }), "application/octet-stream");
    expect(extra.statusCode).toBe(422);
    expect(errorOf(extra).details?.[0]?.path).toBe("safetensors.other");
  });
});

describe("GET, list and DELETE /v1/datasets", () => {
  it("gets one dataset, lists them a page at a time and deletes", async () => {
    const a = await created({ name: "a", ...TOY });
    const b = await created({ name: "b", ...TOY });
    const c = await created({ name: "c", ...TOY });

    const one = await t.app.inject({ method: "GET", url: `/v1/datasets/${b.id}` });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(b);

    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res = await t.app.inject({ method: "GET", url: `/v1/datasets?limit=2${after ? `&after=${after}` : ""}` });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { items: DatasetView[]; next_cursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((d) => d.id));
      after = page.next_cursor;
      pages++;
    } while (after !== null && pages < 100);
    expect(seen.slice(-3)).toEqual([a.id, b.id, c.id]);
    expect(new Set(seen).size).toBe(seen.length);

    const del = await t.app.inject({ method: "DELETE", url: `/v1/datasets/${b.id}` });
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe("");
    for (const method of ["GET", "DELETE"] as const) {
      const res = await t.app.inject({ method, url: `/v1/datasets/${b.id}` });
      expect(res.statusCode).toBe(404);
      expect(errorOf(res).code).toBe("not_found");
    }
    // a listing continuing after the deleted one still works
    const rest = await t.app.inject({ method: "GET", url: `/v1/datasets?after=${b.id}` });
    expect(rest.statusCode).toBe(200);
    expect((rest.json() as { items: DatasetView[] }).items.map((d) => d.id)).toEqual([c.id]);
    const listed = (await t.app.inject({ method: "GET", url: "/v1/datasets?limit=500" })).json() as { items: DatasetView[] };
    expect(listed.items.map((d) => d.id)).toContain(a.id);
    expect(listed.items.map((d) => d.id)).not.toContain(b.id);
  });
});
