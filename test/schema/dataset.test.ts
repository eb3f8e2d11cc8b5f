import { describe, expect, it } from "vitest";
import { fromTypedArray, safetensors, tensor, Tensor } from "../../src/tensor/index.js";
import {
  checkCompatibility,
  datasetFromCsv,
  datasetFromJson,
  datasetFromSafetensors,
  JsonDataset,
  targetShapeFor,
  type DatasetShapes,
  type DatasetTensors,
} from "../../src/schema/index.js";
import { specError } from "../helpers/spec_error.js";

/** A tensor's elements as numbers. */
function values(t: { data: ArrayLike<number> | BigInt64Array }): number[] {
  return Array.from(t.data as ArrayLike<number>, Number);
}

const limits = { maxSamples: 100 };
const json = (body: unknown) => datasetFromJson(body as JsonDataset, limits);
const facts = (d: DatasetTensors) => ({
  numSamples: d.numSamples,
  featureShape: d.featureShape,
  labelShape: d.labelShape,
  labelDtype: d.labelDtype,
  numClasses: d.numClasses,
  features: { shape: d.features.shape, dtype: d.features.dtype, data: values(d.features) },
  labels: { shape: d.labels.shape, dtype: d.labels.dtype, data: Array.from(d.labels.data, Number) },
});

describe("datasetFromJson", () => {
  it("takes flat rows with class labels (int64, numClasses = max + 1)", () => {
    const d = json({ features: [[-1.2, 3.1], [-0.9, 2.9], [2.3, -1.1]], labels: [0, 0, 2] });
    expect(facts(d)).toEqual({
      numSamples: 3,
      featureShape: [2],
      labelShape: [],
      labelDtype: "int64",
      numClasses: 3,
      features: { shape: [3, 2], dtype: "float32", data: [-1.2, 3.1, -0.9, 2.9, 2.3, -1.1].map(Math.fround) },
      labels: { shape: [3], dtype: "int64", data: [0, 0, 2] },
    });
    expect(d.labels.data).toBeInstanceOf(BigInt64Array);
  });

  it("makes float32 targets of anything but non-negative integers in a flat list", () => {
    let d = json({ features: [[1], [2]], labels: [0.5, 1] });
    expect([d.labelDtype, d.numClasses, d.labels.dtype, d.labelShape]).toEqual(["float32", null, "float32", []]);
    d = json({ features: [[1], [2]], labels: [-1, 1] });
    expect([d.labelDtype, d.numClasses]).toEqual(["float32", null]);
    d = json({ features: [[1], [2]], labels: [[1, 2], [3, 4]] });
    expect(facts(d).labels).toEqual({ shape: [2, 2], dtype: "float32", data: [1, 2, 3, 4] });
    expect([d.labelShape, d.labelDtype, d.numClasses]).toEqual([[2], "float32", null]);
  });

  it("takes nested samples up to four dimensions (as input_shape)", () => {
    let d = json({ features: [[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]], labels: [1, 0] });
    expect(d.featureShape).toEqual([2, 3]);
    expect(d.features.shape).toEqual([2, 2, 3]);
    expect(values(d.features)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    d = json({ features: [[[[1], [2]]]], labels: [0] });
    expect(d.featureShape).toEqual([1, 2, 1]);
    d = json({ features: [[[[[1, 2]], [[3, 4]]]]], labels: [0] });
    expect(d.featureShape).toEqual([1, 2, 1, 2]);
    const e = specError(() => json({ features: [[[[[[1]]]]]], labels: [0] }));
    expect(e.path).toEqual(["features", 0]);
    expect(e.message).toBe("a sample may have at most 4 dimensions");
  });

  it("names the sample and element at fault", () => {
    const cases: [unknown, (string | number)[], string][] = [
      [[[1, 2], [3, 4], [5]], ["features", 2], "expected 2 values, got 1 (every sample must have the shape of features[0], [2])"],
      [[[1, 2], [3, "x"]], ["features", 1, 1], 'expected a number, got the string "x"'],
      [[[1, 2], [3, null]], ["features", 1, 1], "expected a number, got null"],
      [[[1, 2], 3], ["features", 1], "each sample must be an array, got 3"],
      [[[[1, 2], [3, 4]], [[1, 2], [3]]], ["features", 1, 1], "expected 2 values, got 1 (every sample must have the shape of features[0], [2, 2])"],
      [[[[1, 2], [3, 4]], [[1, 2], 3]], ["features", 1, 1], "expected an array of 2 values, got 3"],
      [[[1, 2], [[1], 2]], ["features", 1, 0], "expected a number, got an array"],
      [[[1, 1e39]], ["features", 0, 1], "1e+39 is outside float32's range"],
      [[[1, Infinity]], ["features", 0, 1], "Infinity is not a finite number"],
      [[[]], ["features", 0], "empty array: every dimension of a sample needs at least one value"],
      [[[[1], []]], ["features", 0, 1], "expected 1 values, got 0 (every sample must have the shape of features[0], [2, 1])"],
      [[5, 6], ["features", 0], "each sample must be an array of numbers (nested up to 4 levels), got 5"],
    ];
    for (const [features, path, message] of cases) {
      const labels = Array((features as unknown[]).length).fill(0);
      const e = specError(() => json({ features, labels }));
      expect([e.path, e.message], JSON.stringify(features)).toEqual([path, message]);
    }
  });

  it("rejects an empty dataset and one over the limit", () => {
    let e = specError(() => json({ features: [], labels: [] }));
    expect([e.path, e.message]).toEqual([["features"], "the dataset is empty: give at least one sample"]);
    e = specError(() => datasetFromJson({ features: [[1], [2], [3]], labels: [0, 1, 2] }, { maxSamples: 2 }));
    expect([e.path, e.message]).toEqual([["features"], "3 samples is more than the limit of 2"]);
    expect(datasetFromJson({ features: [[1], [2]], labels: [0, 1] }, { maxSamples: 2 }).numSamples).toBe(2);
  });

  it("names the label at fault", () => {
    const cases: [unknown, (string | number)[], string][] = [
      [[0, 1], ["labels"], "2 labels for 3 samples: give one label per sample"],
      [[0, 1, 2, 3], ["labels"], "4 labels for 3 samples: give one label per sample"],
      ["abc", ["labels"], 'labels must be an array with one label per sample, got the string "abc"'],
      [[0, [1], 2], ["labels", 1], "expected a number (labels[0] is a number), got an array"],
      [[[0, 1], [1, 2], 3], ["labels", 2], "expected an array of 2 numbers (as labels[0]), got 3"],
      [[[0, 1], [1, 2], [3]], ["labels", 2], "expected 2 values (as labels[0]), got 1"],
      [[[0, 1], [1, "2"], [3, 4]], ["labels", 1, 1], 'expected a number, got the string "2"'],
      [[[], [], []], ["labels", 0], "empty array: a sample's targets need at least one value"],
      [[0, 1e40, 2], ["labels", 1], "1e+40 is outside float32's range"],
    ];
    for (const [labels, path, message] of cases) {
      const e = specError(() => json({ features: [[1], [2], [3]], labels }));
      expect([e.path, e.message], JSON.stringify(labels)).toEqual([path, message]);
    }
  });

  it("has a schema that rejects unknown fields and non-numbers", () => {
    expect(JsonDataset.safeParse({ features: [[1]], labels: [0], name: "toy" }).success).toBe(true);
    expect(JsonDataset.safeParse({ features: [[[1, 2]]], labels: [[0.5]] }).success).toBe(true);
    expect(JsonDataset.safeParse({ features: [[1]], labels: [0], extra: 1 }).error!.issues[0]!.code).toBe("unrecognized_keys");
    expect(JsonDataset.safeParse({ features: [[1, "a"]], labels: [0] }).error!.issues[0]!.path).toEqual(["features", 0]);
    expect(JsonDataset.safeParse({ features: [], labels: [] }).error!.issues[0]!.path).toEqual(["features"]);
    expect(JsonDataset.safeParse({ features: [[1]], labels: ["a"] }).error!.issues[0]!.path).toEqual(["labels"]);
  });
});

describe("datasetFromCsv", () => {
  const csv = ["x1,x2,x3,y", "1,2,3,0", "4.5,-5e-1,6,1", "7,8,9,2", ""].join("\n");

  it("takes every column but the label column as a feature", () => {
    const d = datasetFromCsv(csv, limits);
    expect(facts(d)).toEqual({
      numSamples: 3,
      featureShape: [3],
      labelShape: [],
      labelDtype: "int64",
      numClasses: 3,
      features: { shape: [3, 3], dtype: "float32", data: [1, 2, 3, 4.5, -0.5, 6, 7, 8, 9] },
      labels: { shape: [3], dtype: "int64", data: [0, 1, 2] },
    });
  });

  it("takes a named label column, float labels, CRLF, quotes, a BOM, spaces and blank lines", () => {
    const text = '\uFEFF"price, usd",x1, "x 2"\r\n1.5, 2 ,3\r\n\r\n"2.5",4,5\r\n';
    const d = datasetFromCsv(text, { labelColumn: "price, usd", maxSamples: 10 });
    expect(facts(d).features.data).toEqual([2, 3, 4, 5]);
    expect(facts(d).labels).toEqual({ shape: [2], dtype: "float32", data: [1.5, 2.5] });
    expect(d.numClasses).toBeNull();
    const e = specError(() => datasetFromCsv('a,"b ""q"""\n1,x', limits));
    expect(e.path).toEqual(["csv", "row", 2, "column", 'b "q"']);
  });

  it("names the row (the header is row 1) and the column at fault", () => {
    const cases: [string, (string | number)[], string][] = [
      ["x1,x2,y\n1,2,0\n3,4\n", ["csv", "row", 3], "row 3 has 2 cells but the header has 3"],
      ["x1,x2,y\n1,2,0\n3,4,5,6\n", ["csv", "row", 3], "row 3 has 4 cells but the header has 3"],
      ["x1,x2,y\n1,NaN,0\n", ["csv", "row", 2, "column", "x2"], '"NaN" is not a finite number (cells must hold plain decimal numbers)'],
      ["x1,x2,y\n1,2,0\n\n1,inf,0\n", ["csv", "row", 4, "column", "x2"], '"inf" is not a finite number (cells must hold plain decimal numbers)'],
      ["x1,x2,y\n1,-Infinity,0\n", ["csv", "row", 2, "column", "x2"], '"-Infinity" is not a finite number (cells must hold plain decimal numbers)'],
      ["x1,x2,y\n1,abc,0\n", ["csv", "row", 2, "column", "x2"], '"abc" is not a finite number (cells must hold plain decimal numbers)'],
      ["x1,x2,y\n1,0x10,0\n", ["csv", "row", 2, "column", "x2"], '"0x10" is not a finite number (cells must hold plain decimal numbers)'],
      ["x1,x2,y\n1,,0\n", ["csv", "row", 2, "column", "x2"], "empty cell (cells must hold plain decimal numbers)"],
      ["x1,x2,y\n1,2,cat\n", ["csv", "row", 2, "column", "y"], '"cat" is not a finite number (cells must hold plain decimal numbers)'],
      ["x1,x2,y\n1,1e39,0\n", ["csv", "row", 2, "column", "x2"], "1e+39 is outside float32's range"],
      ['x1,x2,y\n1,"2,0\n', ["csv", "row", 2], "a quoted cell is never closed"],
      ['x1,x2,y\n1,"2"3,0\n', ["csv", "row", 2], "unexpected text after a quoted cell"],
      ["x1,x2,y\n", ["csv"], "the CSV has a header but no data rows"],
      ["", ["csv"], "the CSV is empty: it needs a header row and at least one data row"],
      ["\n\n", ["csv"], "the CSV is empty: it needs a header row and at least one data row"],
      ["y\n1\n", ["csv", "header"], "the CSV needs at least two columns: features and a label"],
      ["x,x,y\n1,2,3\n", ["csv", "header"], 'column "x" appears twice in the header row'],
      ["x,,y\n1,2,3\n", ["csv", "header"], "column 2 has no name in the header row"],
    ];
    for (const [text, path, message] of cases) {
      const e = specError(() => datasetFromCsv(text, limits));
      expect([e.path, e.message], JSON.stringify(text)).toEqual([path, message]);
    }
  });

  it("rejects an unknown label column and too many rows", () => {
    let e = specError(() => datasetFromCsv(csv, { labelColumn: "label", maxSamples: 10 }));
    expect([e.path, e.message]).toEqual([["label_column"], 'no column "label" in the header (columns: x1, x2, x3, y)']);
    e = specError(() => datasetFromCsv(csv, { maxSamples: 2 }));
    expect([e.path, e.message]).toEqual([["csv"], "more than the limit of 2 samples"]);
    expect(datasetFromCsv(csv, { maxSamples: 3 }).numSamples).toBe(3);
  });
});

describe("datasetFromSafetensors", () => {
  const features = tensor([[1.5, 2], [3, 4], [5, 6]], { dtype: "float32" });
  const file = (tensors: Record<string, Tensor>) => safetensors.serialize(tensors);

  it("takes F32 features and I64 class labels", () => {
    const d = datasetFromSafetensors(file({ features, labels: tensor([0, 3, 1]) }), limits);
    expect(facts(d)).toEqual({
      numSamples: 3,
      featureShape: [2],
      labelShape: [],
      labelDtype: "int64",
      numClasses: 4,
      features: { shape: [3, 2], dtype: "float32", data: [1.5, 2, 3, 4, 5, 6] },
      labels: { shape: [3], dtype: "int64", data: [0, 3, 1] },
    });
  });

  it("casts F64 features to float32 and keeps float labels float (even whole numbers)", () => {
    const f64 = fromTypedArray(Float64Array.from([0.1, 0.2, 0.3, 0.4]), [2, 1, 2]);
    const d = datasetFromSafetensors(file({ features: f64, labels: tensor([1, 0], { dtype: "float32" }) }), limits);
    expect(d.features.dtype).toBe("float32");
    expect(d.featureShape).toEqual([1, 2]);
    expect(values(d.features)).toEqual([0.1, 0.2, 0.3, 0.4].map(Math.fround));
    expect([d.labelDtype, d.labelShape, d.numClasses]).toEqual(["float32", [], null]);
    const multi = datasetFromSafetensors(file({ features, labels: tensor([[1, 2], [3, 4], [5, 6]], { dtype: "float64" }) }), limits);
    expect([multi.labels.dtype, multi.labels.shape, multi.labelShape]).toEqual(["float32", [3, 2], [2]]);
  });

  it("makes I64 labels with negatives or two dimensions float32 targets", () => {
    let d = datasetFromSafetensors(file({ features, labels: tensor([0, -1, 1]) }), limits);
    expect([d.labelDtype, d.numClasses, values(d.labels)]).toEqual(["float32", null, [0, -1, 1]]);
    d = datasetFromSafetensors(file({ features, labels: tensor([[0], [1], [1]]) }), limits);
    expect([d.labelDtype, d.labelShape]).toEqual(["float32", [1]]);
  });

  it("names the file or the tensor at fault", () => {
    const nan = tensor([[1, NaN], [3, 4], [5, 6]], { dtype: "float32" });
    const cases: [Uint8Array, (string | number)[], string][] = [
      [new Uint8Array([1, 2, 3]), ["safetensors"], "not a valid safetensors file: file too short: no header length"],
      [file({ labels: tensor([0, 1, 2]) }), ["safetensors", "features"], 'the file has no tensor named "features"'],
      [file({ features }), ["safetensors", "labels"], 'the file has no tensor named "labels"'],
      [file({ features, labels: tensor([0, 1, 2]), weights: features }), ["safetensors", "weights"], 'unexpected tensor "weights": the file must hold "features" and "labels" only'],
      [file({ features: tensor([[true], [false], [true]]), labels: tensor([0, 1, 2]) }), ["safetensors", "features"], "features must be U8, I8, I16, I32, I64, U16, U32, U64, F16, BF16, F32 or F64, not BOOL"],
      [file({ features: tensor([1.5, 2, 3]), labels: tensor([0, 1, 2]) }), ["safetensors", "features"], "features must have shape [N, ...] with 1 to 4 dimensions per sample, not [3]"],
      [file({ features: nan, labels: tensor([0, 1, 2]) }), ["safetensors", "features"], "sample 0 holds NaN (float32), not a finite number"],
      [file({ features, labels: tensor([0, 1]) }), ["safetensors", "labels"], "2 labels for 3 samples: give one label per sample"],
      [file({ features, labels: tensor([true, false, true]) }), ["safetensors", "labels"], "labels must be U8, I8, I16, I32, I64, U16, U32, U64, F16, BF16, F32 or F64, not BOOL"],
      [file({ features, labels: tensor([[[0]], [[1]], [[2]]]) }), ["safetensors", "labels"], "labels must have shape [N] or [N, k], not [3, 1, 1]"],
      [file({ features, labels: tensor([0.5, Infinity, 1]) }), ["safetensors", "labels"], "label 1 holds Infinity (float32), not a finite number"],
      [file({ features: tensor([[1.5, 2]]).reshape([1, 2]).index([]) as Tensor, labels: tensor([0]).index([]) as Tensor }), ["safetensors", "features"], "the dataset is empty: give at least one sample"],
    ];
    for (const [bytes, path, message] of cases) {
      const e = specError(() => datasetFromSafetensors(bytes, limits));
      expect([e.path, e.message]).toEqual([path, message]);
    }
    const e = specError(() => datasetFromSafetensors(file({ features, labels: tensor([0, 1, 2]) }), { maxSamples: 2 }));
    expect([e.path, e.message]).toEqual([["safetensors", "features"], "3 samples is more than the limit of 2"]);
  });
});

describe("checkCompatibility", () => {
  const classifier = { inputShape: [2], outputShape: [3] };
  const classes: DatasetShapes = { featureShape: [2], labelShape: [], labelDtype: "int64", numClasses: 3 };
  const floats: DatasetShapes = { featureShape: [2], labelShape: [], labelDtype: "float32", numClasses: null };
  const check = (model: typeof classifier, dataset: DatasetShapes, loss: Parameters<typeof checkCompatibility>[2], field?: string) => () =>
    checkCompatibility(model, dataset, loss, field);
  const fail = (fn: () => void) => {
    const e = specError(fn);
    return [e.path, e.message];
  };

  it("accepts what fits", () => {
    expect(check(classifier, classes, "cross_entropy")).not.toThrow();
    expect(check(classifier, { ...classes, numClasses: 2 }, "nll_loss")).not.toThrow();
    const regressor = { inputShape: [2], outputShape: [1] };
    expect(check(regressor, floats, "mse_loss")).not.toThrow(); // labels [N] against outputs [N, 1]
    expect(check(regressor, { ...floats, labelShape: [1] }, "l1_loss")).not.toThrow();
    expect(check(regressor, { ...classes, numClasses: 2 }, "binary_cross_entropy_with_logits")).not.toThrow(); // 0/1 labels
    expect(check(regressor, classes, "huber_loss")).not.toThrow(); // integer targets are numbers too
    expect(check(classifier, { ...floats, labelShape: [3] }, "binary_cross_entropy_with_logits")).not.toThrow(); // multi-label
  });

  it("rejects features that differ from the model's input_shape", () => {
    expect(fail(check(classifier, { ...classes, featureShape: [4] }, "cross_entropy"))).toEqual([
      ["dataset_id"],
      "the dataset's samples have shape [4] but the model's input_shape is [2]",
    ]);
    expect(fail(check(classifier, { ...classes, featureShape: [1, 2] }, "cross_entropy", "validation_dataset_id"))[0]).toEqual([
      "validation_dataset_id",
    ]);
  });

  it("rejects class labels out of range, float labels and a model without one score per class", () => {
    expect(fail(check(classifier, { ...classes, numClasses: 5 }, "cross_entropy"))).toEqual([
      ["dataset_id"],
      "the labels go up to 4 but the model outputs 3 scores per sample (classes 0..2)",
    ]);
    expect(fail(check(classifier, floats, "nll_loss"))).toEqual([
      ["dataset_id"],
      "nll_loss needs integer class labels 0..2, one per sample, but the dataset's labels are float32 with one number per sample",
    ]);
    expect(fail(check(classifier, { ...floats, labelShape: [3] }, "cross_entropy"))[1]).toMatch(/float32 with shape \[3\] per sample$/);
    expect(fail(check({ inputShape: [2], outputShape: [4, 3] }, classes, "cross_entropy"))).toEqual([
      ["model_id"],
      "cross_entropy needs a model that outputs one score per class (shape [C] per sample), but its output has shape [4, 3]",
    ]);
  });

  it("rejects regression and BCE targets of the wrong shape, and class indices for BCE", () => {
    expect(fail(check(classifier, floats, "mse_loss"))).toEqual([
      ["dataset_id"],
      "mse_loss needs targets of the model's output shape [3] per sample, but the dataset's labels have one number per sample",
    ]);
    expect(fail(check({ inputShape: [2], outputShape: [1] }, { ...floats, labelShape: [2] }, "huber_loss"))[1]).toBe(
      "huber_loss needs targets of the model's output shape [1] per sample, but the dataset's labels have shape [2] per sample",
    );
    expect(fail(check(classifier, { ...floats, labelShape: [2] }, "binary_cross_entropy_with_logits"))[0]).toEqual(["dataset_id"]);
    expect(fail(check({ inputShape: [2], outputShape: [1] }, classes, "binary_cross_entropy_with_logits"))).toEqual([
      ["dataset_id"],
      "binary_cross_entropy_with_logits needs targets in [0, 1], but the labels are class indices up to 2; use cross_entropy for more than two classes",
    ]);
  });

  it("gives each loss's target shape", () => {
    expect(targetShapeFor("cross_entropy", [3])).toEqual([]);
    expect(targetShapeFor("nll_loss", [3])).toEqual([]);
    expect(targetShapeFor("mse_loss", [3])).toEqual([3]);
    expect(targetShapeFor("binary_cross_entropy_with_logits", [1])).toEqual([1]);
  });

  it("accepts what datasetFromJson produces for the seed's toy data", () => {
    const d = datasetFromJson({ features: [[-1.2, 3.1], [-0.9, 2.9], [-0.5, 2.6], [2.3, -1.1], [2.7, -1.5]], labels: [0, 0, 0, 1, 1] }, limits);
    expect(() => checkCompatibility({ inputShape: [2], outputShape: [2] }, d, "cross_entropy")).not.toThrow();
  });
});
