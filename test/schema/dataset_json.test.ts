import { describe, expect, it } from "vitest";
import { datasetFromJson, JsonDataset, readJsonDataset, type DatasetLimits } from "../../src/schema/index.js";
import { answerOf, expectSameAnswers, type ReaderAnswer } from "../helpers/reader_answers.js";

const limits: DatasetLimits = { maxSamples: 4 };

/** What the API shows of a dataset read from a body (its features' bit patterns, exactly). */
function facts({ dataset: d, name }: { dataset: ReturnType<typeof datasetFromJson>; name: string | undefined }): unknown {
  return {
    name,
    numSamples: d.numSamples,
    featureShape: d.featureShape,
    labelShape: d.labelShape,
    labelDtype: d.labelDtype,
    numClasses: d.numClasses,
    features: [d.features.shape, Array.from(new Uint32Array(d.features.data.buffer, d.features.data.byteOffset, d.features.data.length))],
    labels: [d.labels.shape, d.labels.dtype, Array.from(d.labels.data as ArrayLike<number | bigint>, String)],
  };
}

/** JSON.parse, then the JsonDataset schema, then datasetFromJson: what the API did before the reader. */
const standard = (text: string): ReaderAnswer =>
  answerOf(() => {
    const body = JsonDataset.parse(JSON.parse(text.replace(/^\uFEFF/, "")));
    return { dataset: datasetFromJson(body, limits), name: body.name };
  }, facts);

const read = (text: string): ReaderAnswer => answerOf(() => readJsonDataset(Buffer.from(text), limits), facts);

describe("readJsonDataset", () => {
  it("answers what JSON.parse + JsonDataset + datasetFromJson answer", () => {
    const bodies = [
      // valid: any key order, whitespace, escapes, nesting, every kind of label
      '{"features": [[1, 2], [3, 4]], "labels": [0, 1]}',
      ' { "labels" : [ 0.5 , 1 ] , "name":"a\\u00e9\\n", "features" : [ [ 1e2 , -0 ] , [ 3.25E-1 , 4 ] ] } ',
      '{"features": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], "labels": [3, 4]}',
      '{"features": [[[[[1, 2]], [[3, 4]]]]], "labels": [0]}',
      '{"features": [[1], [2]], "labels": [[1, 2], [3, 4]]}',
      '{"features": [[1], [2]], "labels": [-1, 1]}',
      '{"features": [[1], [2]], "labels": [0, 9007199254740993]}',
      '{"features": [[0.1, 0.30000000000000004, 123456789012345678, 1.5e-45, 1e-46, 3.4028235e38, 0.000001]], "labels": [0.1]}',
      '{"features": [[1]], "labels": [0], "features": [[2], [3]], "labels": [1, 2]}',
      "\uFEFF{\"features\": [[1]], \"labels\": [0]}",
      // shapes and values that do not fit (422)
      '{"features": [[1, 2], [3]], "labels": [0, 1]}',
      '{"features": [[1, 2], [3, 4, 5]], "labels": [0, 1]}',
      '{"features": [[1, 2], [[3], [4]]], "labels": [0, 1]}',
      '{"features": [[[1, 2], [3, 4]], [[5, 6], [7]]], "labels": [3, 4]}',
      '{"features": [[]], "labels": [0]}',
      '{"features": [[[1], []]], "labels": [0]}',
      '{"features": [[1, 1e39]], "labels": [0]}',
      '{"features": [[1, 2]], "labels": [1e39]}',
      '{"features": [[1], [2]], "labels": [[1, 2], [3]]}',
      '{"features": [[1], [2]], "labels": [[], []]}',
      '{"features": [[1], [2]], "labels": [0, 1, 1]}',
      '{"features": [[1], [2]], "labels": []}',
      '{"features": [[1], [2], [3]], "labels": [0, 1e40]}',
      // what the schema refuses (400)
      '{"features": [[1, 2], [1, [2]]], "labels": [0, 1]}',
      '{"features": [[[[[[1]]]]]], "labels": [0]}',
      '{"features": [1, 2], "labels": [0, 1]}',
      '{"features": [], "labels": []}',
      '{"features": [[1]]}',
      '{"labels": [0]}',
      '{"features": [[1]], "labels": [0], "weights": [1], "x": {"a": [1]}}',
      '{"features": [[1]], "labels": [0], "__proto__": {"a": 1}}',
      '{"features": [[1], [2]], "labels": [0, [1]]}',
      '{"features": [[1]], "labels": [0], "name": 5}',
      '{"features": [[1]], "labels": [0], "name": ""}',
      '{"features": [[1]], "labels": [0], "name": "a\\u0000b"}',
      '{"features": "x", "labels": {}}',
      "[1]",
      '"x"',
      "null",
      // not JSON
      "",
      "{",
      '{"features": [[1, 2], [3',
      '{"features": [[1, Infinity]], "labels": [0]}',
      '{"features": [[1, 2], [3, "x]], "labels": [0, 1]}',
      '{"a": 1,}',
      '{"features": [[1]], "labels": [0]} x',
    ];
    expectSameAnswers(bodies, read, standard);
  });

  it("names the element that is not a number, where the schema names its whole sample", () => {
    const paths = (text: string) => (read(text) as { paths: string[] }).paths;
    expect(paths('{"features": [[1, 2], [3, "x"]], "labels": [0, 1]}')).toEqual(["features[1][1]"]);
    expect(paths('{"features": [[[1, 2]], [[3, null]]], "labels": [0, 1]}')).toEqual(["features[1][0][1]"]);
    expect(paths('{"features": [[1, 2], [true, 4]], "labels": [0, 1]}')).toEqual(["features[1][0]"]);
    expect(paths('{"features": [[1, 2]], "labels": [1e309]}')).toEqual(["labels[0]"]);
    expect(paths('{"features": [[1], [2], [3]], "labels": [0, 1, "2"]}')).toEqual(["labels[2]"]);
    expect(paths('{"features": [[1], [2]], "labels": [[0, 1], [1, "2"]]}')).toEqual(["labels[1][1]"]);
  });

  it("stops at the first sample or label past the limit", () => {
    const over = { status: 422, message: "more than the limit of 4 samples" };
    expect(read('{"features": [[1], [2], [3], [4], [5]], "labels": [0, 1, 0, 1, 0]}')).toMatchObject({ ...over, path: "features" });
    expect(read('{"features": [[1], [2]], "labels": [0, 1, 0, 1, 0]}')).toMatchObject({ ...over, path: "labels" });
    expect(read('{"labels": [0, 1, 0, 1, 0, "x"], "features": [[1]]}')).toMatchObject({ ...over, path: "labels" });
    // what lies past the limit is not read at all
    expect(read('{"features": [[1], [2], [3], [4], [5], not json at all')).toMatchObject({ ...over, path: "features" });
    // a type error before the limit still answers 400
    expect(read('{"features": [[1], ["x"], [3], [4], [5]], "labels": []}')).toEqual({ status: 400, paths: ["features[1][0]"] });
    expect(read('{"features": [[1], [2], [3], [4]], "labels": [0, 1, 0, 1]}')).toMatchObject({ status: "read" });
  });

  it("reads a large dataset into float32 features and int64 labels", () => {
    const n = 100_000;
    const text = `{"features": [${Array.from({ length: n }, (_, i) => `[${i}, ${i / 8}, -${i % 5}]`).join(",")}], "labels": [${Array.from({ length: n }, (_, i) => i % 10).join(",")}]}`;
    const { dataset, name } = readJsonDataset(Buffer.from(text), { maxSamples: n });
    expect([dataset.numSamples, dataset.featureShape, dataset.labelDtype, dataset.numClasses, name]).toEqual([n, [3], "int64", 10, undefined]);
    const f = dataset.features.data as Float32Array;
    expect([f[3 * 77_777], f[3 * 77_777 + 1], f[3 * 77_777 + 2]]).toEqual([77_777, Math.fround(77_777 / 8), -2]);
    expect((dataset.labels.data as BigInt64Array)[n - 1]).toBe(9n);
    expect(f.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});
