/**
 * Datasets: ingestion of a JSON body or a CSV file into a features tensor and a labels tensor
 * (binary files: dataset_files.ts), with SpecErrors naming the field (and row) at fault; and the
 * check that a dataset fits a model and a loss (`checkCompatibility`).
 *
 * What comes out (`DatasetTensors`):
 * - features: float32 [N, ...featureShape], every value finite, 1 to 4 dimensions per sample; or
 *   uint8 (images, from a binary file's U8 array);
 * - labels: int64 [N] class indices when every label is an integer ≥ 0 in a flat list (JSON and
 *   CSV cannot tell 1.0 from 1; safetensors labels keep their dtype: I64 ≥ 0 in one dimension gives
 *   class indices, anything else float32), else float32 [N] or [N, k] targets.
 */
import { z } from "zod";
import { text } from "./text.js";
import { allocate, formatShape, sameShape, Tensor } from "../tensor/index.js";
import { SpecError, type SpecPath } from "./errors.js";
import { JsonNumber as num } from "./json_parts.js";
import { MAX_INPUT_DIMS } from "./model.js";
import { isClassificationLoss, type Loss } from "./training.js";

/** The most dimensions of one sample's features: as many as a model's input_shape may have. */
export const MAX_FEATURE_DIMS = MAX_INPUT_DIMS;

export interface DatasetLimits {
  /** The most samples a dataset may hold. */
  maxSamples: number;
}

/** What a dataset's features are stored as: float32, or uint8 for images (bytes until the model converts them). */
export type FeatureDtype = "float32" | "uint8";

export interface DatasetTensors {
  /** featureDtype [N, ...featureShape]. */
  features: Tensor;
  featureDtype: FeatureDtype;
  /** int64 [N] class indices, or float32 [N] / [N, k] targets. */
  labels: Tensor;
  numSamples: number;
  /** Shape of one sample's features, e.g. [50]. */
  featureShape: number[];
  /** Shape of one sample's label: [] for class indices or one number per sample, [k] for k targets. */
  labelShape: number[];
  labelDtype: "int64" | "float32";
  /** For int64 labels, the largest label + 1; null for float labels. */
  numClasses: number | null;
}

// ---------------------------------------------------------------------------------------------
// JSON

/** One sample's features, as JSON. */
export const JsonSample = z
  .union([z.array(num), z.array(z.array(num)), z.array(z.array(z.array(num))), z.array(z.array(z.array(z.array(num))))])
  .describe(
    `One sample's features: an array of numbers, or nested arrays up to ${MAX_INPUT_DIMS} levels deep (the sample's ` +
      "shape, which must equal the model's input_shape), all samples the same shape.",
  );

/** The labels of a JSON dataset. */
export const JsonLabels = z
  .union([z.array(num), z.array(z.array(num))])
  .describe(
    "One label per sample. Integers ≥ 0 in a flat list are class indices (int64, for cross_entropy and " +
      "nll_loss); other numbers, or one array of k numbers per sample, are float32 targets (regression, " +
      "binary_cross_entropy_with_logits).",
  );

export const JsonDataset = z
  .object({
    name: text(200).optional().describe("A name for the dataset, 1 to 200 characters."),
    features: z.array(JsonSample).min(1).describe("The samples' features, one entry per sample; they are stored as float32."),
    labels: JsonLabels,
  })
  .strict()
  .meta({ title: "JsonDataset" })
  .describe("A dataset given inline: features and labels as JSON arrays.");
export type JsonDataset = z.infer<typeof JsonDataset>;

function kind(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  return typeof v === "number" ? String(v) : typeof v;
}

/** `v` as a float32 value, or a SpecError at `path` if it is not a number or not finite in float32. */
function float32(v: unknown, path: () => SpecPath): number {
  if (typeof v !== "number") throw new SpecError(`expected a number, got ${kind(v)}`, path());
  const f = Math.fround(v);
  if (!Number.isFinite(f)) {
    throw new SpecError(Number.isFinite(v) ? `${v} is outside float32's range` : `${v} is not a finite number`, path());
  }
  return f;
}

/** Throws unless a dataset of `n` samples is within the limits (and not empty). */
export function checkCount(n: number, limits: DatasetLimits, path: SpecPath): void {
  if (n === 0) throw new SpecError("the dataset is empty: give at least one sample", path);
  if (n > limits.maxSamples) throw new SpecError(`${n} samples is more than the limit of ${limits.maxSamples}`, path);
}

/** For a reader that stops at the first sample past the limit (so it does not know how many there are). */
export const overLimit = (limits: DatasetLimits, path: SpecPath): SpecError =>
  new SpecError(`more than the limit of ${limits.maxSamples} samples`, path);

/** The shape of sample 0, found by following first elements. */
export function firstSampleShape(sample: unknown): number[] {
  if (!Array.isArray(sample)) {
    throw new SpecError(`each sample must be an array of numbers (nested up to ${MAX_FEATURE_DIMS} levels), got ${kind(sample)}`, ["features", 0]);
  }
  const shape: number[] = [];
  const at: SpecPath = ["features", 0];
  let v: unknown = sample;
  while (Array.isArray(v)) {
    if (v.length === 0) throw new SpecError("empty array: every dimension of a sample needs at least one value", [...at]);
    shape.push(v.length);
    if (shape.length > MAX_FEATURE_DIMS) {
      throw new SpecError(`a sample may have at most ${MAX_FEATURE_DIMS} dimensions`, ["features", 0]);
    }
    v = v[0];
    at.push(0);
  }
  return shape;
}

/**
 * Copies sample `i` into `out` from element i · numel(featureShape), checking that it has the
 * shape of sample 0 (`featureShape`) and finite float32 values. Errors name the element, e.g. path
 * ["features", 7, 2] "expected a number, got the string \"x\"".
 */
export function copySample(sample: unknown, i: number, featureShape: readonly number[], out: Float32Array): void {
  const ndim = featureShape.length;
  // where the walk is: [i, j, k] for features[i][j][k]; paths are built only for errors
  const at: number[] = [i];
  const pathTo = (depth: number) => (): SpecPath => ["features", ...at.slice(0, depth + 1)];
  let pos = i * featureShape.reduce((a, b) => a * b, 1);
  const fill = (v: unknown, depth: number): void => {
    if (depth === ndim) {
      out[pos++] = float32(v, pathTo(depth));
      return;
    }
    const expected = featureShape[depth]!;
    if (!Array.isArray(v)) {
      const what = depth === 0 ? "each sample must be an array" : `expected an array of ${expected} values`;
      throw new SpecError(`${what}, got ${kind(v)}`, pathTo(depth)());
    }
    if (v.length !== expected) {
      throw new SpecError(
        `expected ${expected} values, got ${v.length} (every sample must have the shape of features[0], ${formatShape(featureShape)})`,
        pathTo(depth)(),
      );
    }
    for (let j = 0; j < expected; j++) {
      at[depth + 1] = j;
      fill(v[j], depth + 1);
    }
  };
  fill(sample, 0);
}

/**
 * Tensors from a JSON body (parsed with `JsonDataset`). Every value is checked again here: samples
 * of one shape, finite float32 features, one label per sample. Errors name the element, e.g.
 * path ["features", 7, 2] "expected a number, got the string \"x\"". (An HTTP body is read from
 * its bytes instead: `readJsonDataset`, with the same rules.)
 */
export function datasetFromJson(body: JsonDataset, limits: DatasetLimits): DatasetTensors {
  const rows: unknown = body.features;
  if (!Array.isArray(rows)) throw new SpecError(`features must be an array of samples, got ${kind(rows)}`, ["features"]);
  checkCount(rows.length, limits, ["features"]);
  const n = rows.length;
  const featureShape = firstSampleShape(rows[0]);
  const out = allocate("float32", n * featureShape.reduce((a, b) => a * b, 1)) as Float32Array;
  for (let i = 0; i < n; i++) copySample(rows[i], i, featureShape, out);
  const features = new Tensor(out, [n, ...featureShape], "float32");
  return { features, featureDtype: "float32", numSamples: n, featureShape, ...labelsFromJson(body.labels, n) };
}

export type LabelPart = Pick<DatasetTensors, "labels" | "labelShape" | "labelDtype" | "numClasses">;

/** Class indices when every value is an integer ≥ 0, else float32 targets. */
export function labelsFromNumbers(values: ArrayLike<number>, path: (i: number) => SpecPath): LabelPart {
  const n = values.length;
  let classes = true;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    float32(v, () => path(i));
    if (!(Number.isSafeInteger(v) && v >= 0)) classes = false;
    else if (v > max) max = v;
  }
  if (classes) {
    const out = allocate("int64", n) as BigInt64Array;
    for (let i = 0; i < n; i++) out[i] = BigInt(values[i]!);
    return { labels: new Tensor(out, [n], "int64"), labelShape: [], labelDtype: "int64", numClasses: max + 1 };
  }
  const out = allocate("float32", n) as Float32Array;
  out.set(values);
  return { labels: new Tensor(out, [n], "float32"), labelShape: [], labelDtype: "float32", numClasses: null };
}

/** Throws unless there are as many labels as samples. */
export function checkLabelCount(count: number, n: number): void {
  if (count !== n) throw new SpecError(`${count} labels for ${n} samples: give one label per sample`, ["labels"]);
}

function labelsFromJson(labels: unknown, n: number): LabelPart {
  if (!Array.isArray(labels)) throw new SpecError(`labels must be an array with one label per sample, got ${kind(labels)}`, ["labels"]);
  checkLabelCount(labels.length, n);
  return labelsFromArray(labels);
}

/** The labels tensor of a JSON array of labels: numbers, or rows of k numbers (as labels[0]). */
export function labelsFromArray(labels: readonly unknown[]): LabelPart {
  const n = labels.length;
  if (!Array.isArray(labels[0])) {
    for (let i = 0; i < n; i++) {
      if (typeof labels[i] !== "number") {
        throw new SpecError(`expected a number (labels[0] is a number), got ${kind(labels[i])}`, ["labels", i]);
      }
    }
    return labelsFromNumbers(labels as number[], (i) => ["labels", i]);
  }
  const k = (labels[0] as unknown[]).length;
  if (k === 0) throw new SpecError("empty array: a sample's targets need at least one value", ["labels", 0]);
  const out = allocate("float32", n * k) as Float32Array;
  for (let i = 0; i < n; i++) {
    const row: unknown = labels[i];
    if (!Array.isArray(row)) throw new SpecError(`expected an array of ${k} numbers (as labels[0]), got ${kind(row)}`, ["labels", i]);
    if (row.length !== k) throw new SpecError(`expected ${k} values (as labels[0]), got ${row.length}`, ["labels", i]);
    for (let j = 0; j < k; j++) out[i * k + j] = float32(row[j], () => ["labels", i, j]);
  }
  return { labels: new Tensor(out, [n, k], "float32"), labelShape: [k], labelDtype: "float32", numClasses: null };
}

// ---------------------------------------------------------------------------------------------
// CSV

export interface CsvOptions extends DatasetLimits {
  /** The column holding the labels (default: the last column). */
  labelColumn?: string;
}

/** A plain decimal number: what a CSV cell may hold (no NaN, Infinity, hex or empty cells). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The records of a CSV text (RFC 4180: commas, optional double quotes, CRLF or LF), numbered from 1. */
function* csvRecords(text: string): Generator<{ row: number; cells: string[] }> {
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let row = 0;
  while (i < n) {
    row++;
    // fast path: a line without quotes or stray carriage returns is split at its commas
    let end = text.indexOf("\n", i);
    if (end < 0) end = n;
    const line = text.slice(i, end > i && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    if (!line.includes('"') && !line.includes("\r")) {
      i = end + 1;
      yield { row, cells: line.split(",") };
      continue;
    }
    const cells: string[] = [];
    for (;;) {
      if (text[i] === '"') {
        let value = "";
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) throw new SpecError("a quoted cell is never closed", ["csv", "row", row]);
          value += text.slice(j, q);
          if (text[q + 1] === '"') {
            value += '"';
            j = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        while (text[i] === " " || text[i] === "\t") i++;
        if (i < n && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          throw new SpecError("unexpected text after a quoted cell", ["csv", "row", row]);
        }
        cells.push(value);
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 44 /* , */ || c === 10 /* \n */ || c === 13 /* \r */) break;
          j++;
        }
        cells.push(text.slice(i, j));
        i = j;
      }
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "\r") i++;
      if (text[i] === "\n") i++;
      break;
    }
    yield { row, cells };
  }
}

const isBlank = (cells: string[]) => cells.length === 1 && cells[0]!.trim() === "";

/** Columns an error message lists by name at most: the header may have any number. */
const MAX_NAMED_COLUMNS = 20;

/**
 * Tensors from a CSV text with a header row: every column but the label column is a feature (in
 * order), every cell a plain decimal number. Errors name the row as the file numbers it (the
 * header is row 1) and the column by its header name: path ["csv", "row", 7, "column", "x3"].
 * Blank lines are skipped.
 */
export function datasetFromCsv(text: string, options: CsvOptions): DatasetTensors {
  const records = csvRecords(text);
  let header: string[] | undefined;
  // (not for-of: leaving a for-of loop early would close the generator)
  for (let r = records.next(); !r.done; r = records.next()) {
    if (isBlank(r.value.cells)) continue;
    header = r.value.cells.map((c) => c.trim());
    break;
  }
  if (header === undefined) throw new SpecError("the CSV is empty: it needs a header row and at least one data row", ["csv"]);
  // a Set, not indexOf per column: a header of 100,000 columns would take 10^10 comparisons
  const names = new Set<string>();
  header.forEach((name, j) => {
    if (name === "") throw new SpecError(`column ${j + 1} has no name in the header row`, ["csv", "header"]);
    if (names.has(name)) throw new SpecError(`column ${JSON.stringify(name)} appears twice in the header row`, ["csv", "header"]);
    names.add(name);
  });
  if (header.length < 2) throw new SpecError("the CSV needs at least two columns: features and a label", ["csv", "header"]);
  const labelIndex = options.labelColumn === undefined ? header.length - 1 : header.indexOf(options.labelColumn);
  if (labelIndex < 0) {
    const shown = header.length > MAX_NAMED_COLUMNS ? `${header.slice(0, MAX_NAMED_COLUMNS).join(", ")}, … (${header.length} in all)` : header.join(", ");
    throw new SpecError(`no column ${JSON.stringify(options.labelColumn)} in the header (columns: ${shown})`, ["label_column"]);
  }
  const width = header.length;
  const features: number[] = [];
  const labels: number[] = [];
  for (const { row, cells } of records) {
    if (isBlank(cells)) continue;
    if (cells.length !== width) {
      throw new SpecError(`row ${row} has ${cells.length} cells but the header has ${width}`, ["csv", "row", row]);
    }
    if (labels.length === options.maxSamples) throw overLimit(options, ["csv"]);
    for (let j = 0; j < width; j++) {
      const cell = cells[j]!.trim();
      const at = (): SpecPath => ["csv", "row", row, "column", header![j]!];
      if (!DECIMAL.test(cell)) {
        const why = cell === "" ? "empty cell" : `${JSON.stringify(cell)} is not a finite number`;
        throw new SpecError(`${why} (cells must hold plain decimal numbers)`, at());
      }
      const v = float32(Number(cell), at);
      if (j === labelIndex) labels.push(Number(cell));
      else features.push(v);
    }
  }
  const n = labels.length;
  if (n === 0) throw new SpecError("the CSV has a header but no data rows", ["csv"]);
  const featureShape = [width - 1];
  const out = allocate("float32", features.length) as Float32Array;
  out.set(features);
  const labelPart = labelsFromNumbers(labels, () => ["csv", "column", header![labelIndex]!]);
  return { features: new Tensor(out, [n, width - 1], "float32"), featureDtype: "float32", numSamples: n, featureShape, ...labelPart };
}

// ---------------------------------------------------------------------------------------------
// compatibility

export interface ModelShapes {
  /** Shape of one input sample (the spec's input_shape). */
  inputShape: readonly number[];
  /** Shape of one output sample (the last layer's output_shape). */
  outputShape: readonly number[];
}

export type DatasetShapes = Pick<DatasetTensors, "featureShape" | "labelShape" | "labelDtype" | "numClasses">;

/**
 * Throws SpecError at [field] unless a dataset of `featureDtype` can feed a model whose first layer
 * is of type `firstLayer`: uint8 features (images) need ConvertImageDtype first. PyTorch's layers
 * refuse Byte input (`expected scalar type Byte but found Float`), so the job would fail at its
 * first batch; refusing it up front says what to change.
 */
export function checkFeatureDtype(firstLayer: string, featureDtype: FeatureDtype, field = "dataset_id"): void {
  if (featureDtype === "uint8" && firstLayer !== "ConvertImageDtype") {
    throw new SpecError(
      `the dataset's features are uint8 (images) but the model starts with ${firstLayer}: add {"type": "ConvertImageDtype"} ` +
        "as its first layer to turn them into float32 in [0, 1], as torchvision's ConvertImageDtype does",
      [field],
    );
  }
}

/**
 * The shape of one sample's target for `loss` against a model whose output sample has shape
 * `outputShape`: [] (a class index) for cross_entropy and nll_loss, the output's shape otherwise.
 * Labels of shape [] fit an output of shape [1]: `prepareTarget` (training.ts) views a batch of
 * labels [B] as [B, 1] and casts integer labels to float for the non-class losses.
 */
export function targetShapeFor(loss: Loss, outputShape: readonly number[]): number[] {
  return isClassificationLoss(loss) ? [] : [...outputShape];
}

const perSample = (shape: readonly number[]) => (shape.length === 0 ? "one number per sample" : `shape ${formatShape(shape)} per sample`);

/**
 * Throws SpecError unless `dataset` can train (or validate) `model` with `loss`. Paths: [field]
 * (default "dataset_id") for what the dataset gets wrong, ["model_id"] for a model whose output
 * cannot serve the loss.
 */
export function checkCompatibility(model: ModelShapes, dataset: DatasetShapes, loss: Loss, field = "dataset_id"): void {
  if (!sameShape(dataset.featureShape, model.inputShape)) {
    throw new SpecError(
      `the dataset's samples have shape ${formatShape(dataset.featureShape)} but the model's input_shape is ${formatShape(model.inputShape)}`,
      [field],
    );
  }
  const out = model.outputShape;
  if (isClassificationLoss(loss)) {
    if (out.length !== 1) {
      throw new SpecError(
        `${loss} needs a model that outputs one score per class (shape [C] per sample), but its output has shape ${formatShape(out)}`,
        ["model_id"],
      );
    }
    if (dataset.labelDtype !== "int64" || dataset.labelShape.length !== 0) {
      throw new SpecError(
        `${loss} needs integer class labels 0..${out[0]! - 1}, one per sample, but the dataset's labels are ${dataset.labelDtype} ` +
          `with ${perSample(dataset.labelShape)}`,
        [field],
      );
    }
    if (dataset.numClasses !== null && dataset.numClasses > out[0]!) {
      throw new SpecError(
        `the labels go up to ${dataset.numClasses - 1} but the model outputs ${out[0]} scores per sample (classes 0..${out[0]! - 1})`,
        [field],
      );
    }
    return;
  }
  const target = targetShapeFor(loss, out);
  const fits = sameShape(dataset.labelShape, target) || (dataset.labelShape.length === 0 && sameShape(target, [1]));
  if (!fits) {
    throw new SpecError(
      `${loss} needs targets of the model's output shape ${formatShape(target)} per sample, but the dataset's labels have ` +
        `${perSample(dataset.labelShape)}`,
      [field],
    );
  }
  if (loss === "binary_cross_entropy_with_logits" && dataset.labelDtype === "int64" && dataset.numClasses !== null && dataset.numClasses > 2) {
    throw new SpecError(
      `${loss} needs targets in [0, 1], but the labels are class indices up to ${dataset.numClasses - 1}; use cross_entropy for more than two classes`,
      [field],
    );
  }
}
