/**
 * A JSON dataset read from the request body's bytes: features straight into one float32 array,
 * labels into one array, never a JavaScript array per sample. Through JSON.parse, Zod and
 * datasetFromJson a 64 MiB body of 16.7M one-number samples took 26 s and 2 GB before the sample
 * limit refused it; here reading stops at the first sample past the limit.
 *
 * It answers what JSON.parse + JsonDataset + datasetFromJson answer, first problem first: a syntax
 * error anywhere (JsonSyntaxError), then Zod's issues (ZodError), then datasetFromJson's checks
 * (SpecError) in its order. Except at the limit: an array of more samples or labels than it
 * allows is refused at the first one past it (with the issues found so far, or else the limit's
 * 422, which cannot say how many there are), the rest of the body unread.
 *
 * Their rules are used, not copied: a fast path takes the samples and labels it expects, and at
 * the first thing it does not (a string, a ragged row, a value beyond float32) the part is read
 * again with JSON.parse and checked by its schema (JsonSample, JsonLabels) and by datasetFromJson's
 * own functions, which name the problem. The body's outline (its keys, `name`, and small stand-ins
 * for the big arrays) goes through JsonDataset itself.
 */
import { z } from "zod";
import { Tensor } from "../tensor/index.js";
import {
  checkCount,
  checkLabelCount,
  copySample,
  firstSampleShape,
  JsonDataset,
  JsonLabels,
  JsonSample,
  labelsFromArray,
  labelsFromNumbers,
  overLimit,
  type DatasetLimits,
  type DatasetTensors,
  type LabelPart,
} from "./dataset.js";
import { SpecError } from "./errors.js";
import { CLOSE_ARRAY, COMMA, JsonCursor, OPEN_ARRAY, OPEN_OBJECT } from "./json_cursor.js";
import { DEVIATION, fastFloat32, fastNumber } from "./json_fast.js";
import { numbersIssues, partIssues, type Issue } from "./json_parts.js";
import { Growing } from "./growing.js";

/** What a JSON dataset body holds: the tensors, and its `name` if it has one. */
export interface JsonDatasetBody {
  dataset: DatasetTensors;
  name: string | undefined;
}

/** What went wrong in one big array: Zod's issues (400) or datasetFromJson's first SpecError (422). */
interface Problems {
  issues: Issue[];
  error?: SpecError;
}

interface SamplesRead extends Problems {
  /** Samples in the array. */
  count: number;
  /** The shape of sample 0, once read. */
  shape?: number[];
  values: Growing<Float32Array>;
}

interface LabelsRead extends Problems {
  count: number;
  /** The labels, built (the fast path builds them at the end, once the count is checked). */
  part?: LabelPart;
  /** One number per label, as read. */
  numbers?: Growing<Float64Array>;
  /** k numbers per label, as float32. */
  rows?: { k: number; values: Growing<Float32Array> };
}

/** A field of the body: its value (a big array as a stand-in) and, for an array, what was read of it. */
interface Field<R> {
  outline: unknown;
  read?: R;
}

/**
 * The dataset of a JSON body's bytes, or the error JSON.parse + JsonDataset + datasetFromJson
 * would give for it (see above).
 */
export function readJsonDataset(bytes: Uint8Array, limits: DatasetLimits): JsonDatasetBody {
  const cursor = new JsonCursor(bytes);
  if (cursor.peek() !== OPEN_OBJECT) {
    const body = cursor.value();
    cursor.end();
    throw new z.ZodError(partIssues(JsonDataset, body, []));
  }
  let features: Field<SamplesRead> | undefined;
  let labels: Field<LabelsRead> | undefined;
  const others = new Map<string, unknown>();
  // a key given twice counts with its last value, as in JSON.parse
  cursor.members((key) => {
    if (key === "features") features = field(cursor, () => readSamples(cursor, limits));
    else if (key === "labels") labels = field(cursor, () => readLabels(cursor, limits));
    else if (key === "name") others.set(key, cursor.value());
    else {
      cursor.skip();
      others.set(key, null);
    }
  });
  cursor.end();

  const outline = Object.fromEntries([
    ...others,
    ...(features ? [["features", features.read ? (features.read.count > 0 ? [[0]] : []) : features.outline]] : []),
    ...(labels ? [["labels", labels.read ? [] : labels.outline]] : []),
  ]);
  const checked = JsonDataset.safeParse(outline);
  const issues = [...(checked.error?.issues ?? []), ...(features?.read?.issues ?? []), ...(labels?.read?.issues ?? [])];
  if (!checked.success || issues.length > 0) throw new z.ZodError(issues);
  const samples = features!.read!; // JsonDataset took the outline: both are arrays
  const labelsRead = labels!.read!;

  // datasetFromJson's checks, in its order
  const n = samples.count;
  checkCount(n, limits, ["features"]);
  if (samples.error) throw samples.error;
  checkLabelCount(labelsRead.count, n);
  if (labelsRead.error) throw labelsRead.error;
  const shape = samples.shape!;
  const featureTensor = new Tensor(samples.values.toFloat32(), [n, ...shape], "float32");
  const dataset = { features: featureTensor, featureDtype: "float32" as const, numSamples: n, featureShape: shape, ...labelPart(labelsRead) };
  return { dataset, name: checked.data.name };
}

/** A field whose value is an array (read by `read`) or anything else (kept for Zod to judge). */
function field<R>(cursor: JsonCursor, read: () => R): Field<R> {
  return cursor.peek() === OPEN_ARRAY ? { outline: null, read: read() } : { outline: cursor.value() };
}

function readSamples(cursor: JsonCursor, limits: DatasetLimits): SamplesRead {
  const read: SamplesRead = { count: 0, issues: [], values: new Growing((n) => new Float32Array(n)) };
  let size = 0;
  read.count = cursor.elements((i) => {
    if (i === limits.maxSamples) throw read.issues.length > 0 ? new z.ZodError(read.issues) : overLimit(limits, ["features"]);
    // after a problem the samples are only checked for JSON's grammar
    if (read.issues.length > 0 || read.error) {
      cursor.skip();
      return;
    }
    const start = cursor.pos;
    if (read.shape) {
      try {
        fastSample(cursor, read.shape, 0, read.values.reserve(size), i * size);
        read.values.length += size;
        return;
      } catch (e) {
        if (e !== DEVIATION) throw e;
        cursor.pos = start;
      }
    }
    // sample 0 (whose shape the others must have), or one the fast path did not take
    const sample = cursor.value();
    read.issues = numbersIssues(JsonSample, sample, ["features", i]);
    if (read.issues.length > 0) return;
    try {
      read.shape ??= firstSampleShape(sample);
      size = read.shape.reduce((a, b) => a * b, 1);
      copySample(sample, i, read.shape, read.values.reserve(size));
      read.values.length += size;
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      read.error = e;
    }
  });
  return read;
}

/** Reads a sample of `shape` (from dimension `depth`) into `out` from `at`; returns where it stopped. */
function fastSample(cursor: JsonCursor, shape: readonly number[], depth: number, out: Float32Array, at: number): number {
  if (!cursor.eat(OPEN_ARRAY)) throw DEVIATION;
  const leaf = depth === shape.length - 1;
  for (let j = 0; j < shape[depth]!; j++) {
    if (j > 0 && !cursor.eat(COMMA)) throw DEVIATION;
    if (leaf) out[at++] = fastFloat32(cursor);
    else at = fastSample(cursor, shape, depth + 1, out, at);
  }
  if (!cursor.eat(CLOSE_ARRAY)) throw DEVIATION;
  return at;
}

function readLabels(cursor: JsonCursor, limits: DatasetLimits): LabelsRead {
  const start = { pos: cursor.pos, depth: cursor.depth };
  try {
    return fastLabels(cursor, limits);
  } catch (e) {
    if (e !== DEVIATION) throw e;
    cursor.pos = start.pos;
    cursor.depth = start.depth;
  }
  // read again as a value, once it is known to be within the limit (JSON.parse of a huge one would be slow)
  cursor.elements((i) => {
    if (i === limits.maxSamples) throw overLimit(limits, ["labels"]);
    cursor.skip();
  });
  cursor.pos = start.pos;
  const labels = cursor.value() as unknown[];
  const read: LabelsRead = { count: labels.length, issues: numbersIssues(JsonLabels, labels, ["labels"]) };
  if (read.issues.length > 0) return read;
  try {
    read.part = labelsFromArray(labels);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    read.error = e;
  }
  return read;
}

/** Labels that are all numbers, or all rows of k numbers. */
function fastLabels(cursor: JsonCursor, limits: DatasetLimits): LabelsRead {
  const read: LabelsRead = { count: 0, issues: [] };
  read.count = cursor.elements((i) => {
    if (i === limits.maxSamples) throw overLimit(limits, ["labels"]);
    if (i === 0) {
      if (cursor.peek() === OPEN_ARRAY) read.rows = { k: 0, values: new Growing((n) => new Float32Array(n)) };
      else read.numbers = new Growing((n) => new Float64Array(n));
    }
    if (read.numbers) read.numbers.push(fastNumber(cursor));
    else read.rows!.k = fastRow(cursor, read.rows!, i === 0);
  });
  return read;
}

/** One row of targets into `rows`: the first sets k (at least 1), the others must have k. */
function fastRow(cursor: JsonCursor, rows: { k: number; values: Growing<Float32Array> }, first: boolean): number {
  if (!cursor.eat(OPEN_ARRAY)) throw DEVIATION;
  let k = 0;
  do {
    if (!first && k === rows.k) throw DEVIATION;
    rows.values.push(fastFloat32(cursor));
    k++;
  } while (cursor.eat(COMMA));
  if (!cursor.eat(CLOSE_ARRAY) || (!first && k !== rows.k)) throw DEVIATION;
  return k;
}

/** The labels tensor of what was read (the count already checked). */
function labelPart(read: LabelsRead): LabelPart {
  if (read.part) return read.part;
  if (read.numbers) return labelsFromNumbers(read.numbers.values(), (i) => ["labels", i]);
  const { k, values } = read.rows!;
  const n = values.length / k;
  return { labels: new Tensor(values.toFloat32(), [n, k], "float32"), labelShape: [k], labelDtype: "float32", numClasses: null };
}
