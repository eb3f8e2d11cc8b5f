import { describe, expect, it } from "vitest";
import { readJsonWeights, SpecError, WeightsJson } from "../../src/schema/index.js";
import { answerOf, expectSameAnswers, type ReaderAnswer } from "../helpers/reader_answers.js";

/** What the API shows of weights read from a body: each tensor's key, shape and float32 values. */
const facts = (tensors: Record<string, { shape: readonly number[]; data: ArrayLike<number | bigint> }>): unknown =>
  Object.entries(tensors).map(([k, t]) => [k, t.shape, Array.from(t.data, (v) => Math.fround(Number(v)))]);

/** JSON.parse, WeightsJson, then as many values as the shape holds: what the API did before the reader. */
const standard = (text: string): ReaderAnswer =>
  answerOf(() => {
    const body = WeightsJson.parse(JSON.parse(text));
    return Object.fromEntries(
      Object.entries(body.tensors).map(([key, t]) => {
        const expected = t.shape.reduce((p, q) => p * q, 1);
        if (t.data.length !== expected) {
          throw new SpecError(`"${key}" has ${t.data.length} values for shape [${t.shape.join(", ")}]: expected ${expected}`, ["tensors", key, "data"]);
        }
        return [key, { shape: t.shape, data: t.data }];
      }),
    );
  }, facts);

const read = (text: string): ReaderAnswer => answerOf(() => readJsonWeights(Buffer.from(text)), facts);

describe("readJsonWeights", () => {
  it("answers what JSON.parse + WeightsJson + the shape check answer", () => {
    const w = (data: string, shape = "[2, 2]", dtype = '"float32"') => `{"shape": ${shape}, "dtype": ${dtype}, "data": ${data}}`;
    const bodies = [
      `{"tensors": {"a.weight": ${w("[1, -2.5, 3e-3, 0.1]")}, "a.bias": ${w("[1e39]", "[1]")}}}`,
      `{ "tensors" : { "b" : { "data" : [ 1 , 2 ] , "dtype" : "float32" , "shape" : [ 2 ] } } }`,
      `{"tensors": {"x": ${w("[1, 2, 3]")}}}`,
      `{"tensors": {"x": ${w("[]", "[0]")}, "y": ${w("[5]", "[]")}}}`,
      `{"tensors": {"x": ${w("[1, 2]", "[2]")}, "x": ${w("[3]", "[1]")}}}`,
      `{"tensors": {"toString": ${w("[2]", "[1]")}, "constructor": ${w("[3]", "[1]")}}}`,
      `{"tensors": {"x": ${w('[1, "2", 3, 4]')}}}`,
      `{"tensors": {"x": ${w("[1, 2, 3, 1e309]")}}}`,
      `{"tensors": {"x": ${w("[1, 2, 3, [4]]")}}}`,
      `{"tensors": {"x": ${w('"data"')}}}`,
      `{"tensors": {"x": ${w("[1, 2, 3, 4]", "[-2, -2]")}}}`,
      `{"tensors": {"x": ${w("[1, 2, 3, 4]", "[2, 2]", '"float64"')}}}`,
      `{"tensors": {"x": {"shape": [1], "dtype": "float32", "data": [1], "grad": null}}}`,
      `{"tensors": {"x": {"shape": [1], "data": [1]}}}`,
      `{"tensors": {"x": 5}}`,
      `{"tensors": []}`,
      `{"tensors": {}, "version": 2}`,
      `{}`,
      `[]`,
      `{"tensors": {"x": ${w("[1, 2,")}}}`,
      `{"tensors": {"x": ${w("[1, 2, 3, 4]")}}`,
      `{"tensors": {"n": ${w("[7]", "[]", '"int64"')}, "m": ${w("[-3, 0, 9007199254740991, 4]", "[4]", '"int64"')}}}`,
      `{"tensors": {"n": {"data": [5], "shape": [], "dtype": "int64"}}}`,
      `{"tensors": {"n": ${w("[1.5]", "[]", '"int64"')}}}`,
      `{"tensors": {"n": ${w("[9007199254740992]", "[]", '"int64"')}}}`,
      `{"tensors": {"n": ${w("[null]", "[]", '"int64"')}}}`,
      `{"tensors": {"n": ${w("[1, 2]", "[]", '"int64"')}}}`,
      `{"tensors": {"n": ${w('"7"', "[]", '"int64"')}}}`,
      `{"tensors": {"n": {"data": [1], "shape": [], "dtype": "int64", "data": [2.5]}}}`,
      ``,
    ];
    expectSameAnswers(bodies, read, standard);
  });

  it("names the value that is not a number", () => {
    expect(read('{"tensors": {"l.bias": {"shape": [3], "dtype": "float32", "data": [1, null, 3]}}}')).toEqual({
      status: 400,
      paths: ['tensors["l.bias"].data[1]'],
    });
  });

  it("reads int64 tensors as exact integers, whichever field comes first", () => {
    const tensors = readJsonWeights(
      Buffer.from('{"tensors": {"n": {"data": [9007199254740991], "shape": [], "dtype": "int64"}, "w": {"shape": [1], "dtype": "float32", "data": [0.1]}}}'),
    );
    expect(tensors["n"]!.dtype).toBe("int64");
    expect(tensors["n"]!.shape).toEqual([]);
    expect(Array.from(tensors["n"]!.data as BigInt64Array)).toEqual([9007199254740991n]);
    expect(tensors["w"]!.dtype).toBe("float32");
    expect(read('{"tensors": {"n": {"shape": [2], "dtype": "int64", "data": [1, 0.5]}}}')).toEqual({ status: 400, paths: ["tensors.n.data[1]"] });
  });

  it("keeps a key __proto__ as a key (which Zod's record output drops)", () => {
    const tensors = readJsonWeights(Buffer.from('{"tensors": {"__proto__": {"shape": [1], "dtype": "float32", "data": [1]}}}'));
    expect(Object.keys(tensors)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(tensors)).toBeNull();
  });

  it("reads a million values into float32 storage", () => {
    const n = 1_000_000;
    const tensors = readJsonWeights(Buffer.from(`{"tensors": {"w": {"shape": [1000, 1000], "dtype": "float32", "data": [${"0.1,".repeat(n - 1)}-7]}}}`));
    const data = tensors["w"]!.data as Float32Array;
    expect([tensors["w"]!.shape, data.length, data[0], data[n - 1]]).toEqual([[1000, 1000], n, Math.fround(0.1), -7]);
    expect(data.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});
