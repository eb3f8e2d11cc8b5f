import { randomBytes, randomUUID } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import { noGrad, softmax } from "../autograd/index.js";
import { buildModel, ModelSpec, resolveModel, SpecError, weightsGenerator, type BuiltModel, type ResolvedModel } from "../schema/index.js";
import type { ModelRecord, ModelSummaryRecord, Store } from "../store/index.js";
import { formatShape, Generator, isFloating, numel, safetensors, sameShape, Tensor, type FloatStorage, type NestedValue } from "../tensor/index.js";
import { NotFoundError } from "./errors.js";
import { owned } from "./ownership.js";
import type { TenantQuotas } from "./quotas.js";
import { storedModelSpec, type StoredSummary } from "./stored_model.js";

/** What a weights download serves: weights (a safetensors file, read only when sent) of a model of `spec`. */
export interface WeightsSource {
  /** The file's name without its extension (the model's id). */
  name: string;
  /** The model's spec as stored (resolved). */
  spec: ModelSpec;
  weights: () => Promise<Uint8Array>;
}

export interface PredictResult {
  /** float32 [samples, ...output_shape]. */
  outputs: Tensor;
  /** For class scores (see `classScores`): argmax over the last dimension. */
  predictions?: number[];
  /** For class scores: softmax of the outputs over the last dimension, float32 [samples, k]. */
  probabilities?: Tensor;
}

/** The most samples one prediction takes, whatever its body. */
export const MAX_PREDICT_SAMPLES = 10_000;

/**
 * Whether a model's output sample is class scores, [k] with k > 1: its predictions then get an
 * argmax and probabilities.
 */
export const classScores = (outputShape: readonly number[]): boolean => outputShape.length === 1 && outputShape[0]! > 1;

export interface ModelLimits {
  /** The most parameters a new model may have. */
  maxParams: number;
  /** The most numbers one prediction may answer with (samples × outputs per sample). */
  maxResponseValues: number;
  /** The most work one prediction may ask for: samples × (multiply-adds + activation values per sample). */
  maxPredictWork: number;
}

/**
 * The probabilities of class scores [N, k]: the outputs themselves when the model ends in a
 * Softmax over them (softmax again would flatten them), else their softmax in float32 as
 * torch.softmax computes it (for a LogSoftmax model, its probabilities).
 */
function probabilitiesOf(output: Tensor, spec: ModelSpec): Tensor {
  const last = spec.layers.at(-1);
  return last?.type === "Softmax" && (last.dim === -1 || last.dim === 1) ? output : softmax(output, 1);
}

/** What a model's size checks need: its input, its layers' outputs and a forward pass's multiply-adds. */
export type ModelShape = Pick<ResolvedModel, "inputShape" | "outputShape" | "layers" | "forwardWork">;

/** The values one sample makes in a forward pass: its input and every layer's output. */
export function activationValues(model: Pick<ModelShape, "inputShape" | "layers">): number {
  return model.layers.reduce((n, layer) => n + numel(layer.output_shape), numel(model.inputShape));
}

/**
 * Refuses, before anything runs, a prediction whose answer or work is past the service's limits:
 * predictions run on the API thread, and the answer is built in memory. Work per sample counts the
 * multiply-adds (a Linear layer's parameters; a convolution's weights times its output positions)
 * and every layer's output values (what it writes).
 */
export function checkPredictionSize(model: ModelShape, samples: number, limits: ModelLimits): void {
  const outputsPerSample = numel(model.outputShape);
  // class scores come with as many probabilities
  const valuesPerSample = classScores(model.outputShape) ? 2 * outputsPerSample : outputsPerSample;
  const values = samples * valuesPerSample;
  if (values > limits.maxResponseValues) {
    const most = Math.floor(limits.maxResponseValues / valuesPerSample);
    const advice = most > 0 ? `send at most ${most} per request` : "this model's output is too large to predict over this API";
    const each = valuesPerSample === outputsPerSample ? `${outputsPerSample} outputs` : `${outputsPerSample} outputs and ${outputsPerSample} probabilities`;
    throw new SpecError(
      `${samples} samples of ${each} each are ${values} numbers, above this service's limit of ` +
        `${limits.maxResponseValues} numbers per response; ${advice}`,
      ["inputs"],
    );
  }
  const activations = activationValues(model);
  const perSample = model.forwardWork + activations;
  const work = samples * perSample;
  if (work > limits.maxPredictWork) {
    const most = Math.floor(limits.maxPredictWork / perSample);
    const advice = most > 0 ? `send at most ${most} per request` : "this model is too large to predict over this API";
    throw new SpecError(
      `predicting ${samples} samples takes about ${work} operations (${model.forwardWork} multiply-adds and ${activations} ` +
        `activation values per sample), above this service's limit of ${limits.maxPredictWork} per request; ${advice}`,
      ["inputs"],
    );
  }
}

/**
 * Models: create (draw PyTorch's initial weights), read, replace weights, predict. Inference runs
 * in the calling thread on a cached module per model version: one sample is microseconds of work,
 * less than a hop to a worker.
 */
/** What drawing a new model gives: everything stored with it but its id, name and times. */
export interface DrawnModel {
  resolvedSpec: ModelSpec;
  summary: StoredSummary;
  /** The weights as a safetensors file. */
  weights: Uint8Array;
  /** The generator's state after the weights: where a job without a seed continues. */
  generatorState: Uint8Array;
}

/** A new model's draw: its spec (checked), a seed for a spec without one, and the parameter limit. */
export interface ModelDraw {
  spec: ModelSpec;
  /** The seed of the model's generator when `spec` has none (the service draws it at random). */
  seed: bigint;
  maxParams: number;
}

/**
 * Draws a new model's initial weights as `torch.manual_seed(seed); NeuralNetwork(...)` does, for the
 * spec's seed or else `seed`, and serializes them: the user-sized part of creating a model (10M
 * parameters take a few hundred ms), which the service runs on a parse thread. SpecError when the
 * spec is past `maxParams`.
 */
export function drawModel({ spec, seed, maxParams }: ModelDraw): DrawnModel {
  const generator = weightsGenerator(spec.seed, () => new Generator().manualSeed(seed));
  const built = buildModel(spec, { generator, maxParams });
  return {
    resolvedSpec: built.resolvedSpec,
    summary: { num_params: built.numParams, trainable_params: built.trainableParams, output_shape: built.outputShape, layers: built.layers, repr: built.repr },
    weights: safetensors.serialize(built.module.stateDict()),
    generatorState: generator.getState(),
  };
}

export class ModelService {
  private readonly cache = new Map<string, { version: number; tenantId: string; built: BuiltModel }>();

  /**
   * `draw` runs `drawModel` where the model's size cannot hold up requests (the service passes its
   * parse threads); by default, in the calling thread. With `quotas`, a new model is checked
   * against its tenant's before it is stored.
   */
  constructor(
    private readonly store: Store,
    private readonly limits: ModelLimits,
    private readonly draw: (draw: ModelDraw) => Promise<DrawnModel> = async (d) => drawModel(d),
    private readonly quotas: TenantQuotas | null = null,
  ) {}

  /** Creates a model of the tenant from a parsed spec (the route's schema parsed the body). */
  async create(spec: ModelSpec, tenantId: string): Promise<ModelRecord> {
    // unseeded models draw from a fresh random seed in [0, 2^63), PyTorch's range
    const seed = randomBytes(8).readBigUInt64LE() >> 1n;
    const drawn = await this.draw({ spec, seed, maxParams: this.limits.maxParams });
    // after the draw: the weights' size is known only then
    await this.quotas?.admitModel(tenantId, drawn.weights.byteLength);
    const at = new Date().toISOString();
    const record: ModelRecord = {
      id: `mdl_${randomUUID().replaceAll("-", "")}`,
      tenantId,
      name: spec.name ?? null,
      spec: drawn.resolvedSpec,
      summary: drawn.summary,
      weights: drawn.weights,
      generatorState: drawn.generatorState,
      version: 1,
      currentVersion: null,
      createdAt: at,
      updatedAt: at,
    };
    await this.store.createModel(record);
    return record;
  }

  /** The tenant's model (NotFoundError for another tenant's, as for a missing one). */
  async get(id: string, tenantId: string): Promise<ModelRecord> {
    return owned(await this.store.getModel(id), tenantId, "model", id);
  }

  /** The model without its weights: a model of 10M parameters is 40 MB that a view does not need. */
  async summary(id: string, tenantId: string): Promise<ModelSummaryRecord> {
    return owned(await this.store.getModelSummary(id), tenantId, "model", id);
  }

  /** The tenant's model as a weights download: its spec read now, its weights when sent. */
  async weightsSource(id: string, tenantId: string): Promise<WeightsSource> {
    const summary = await this.summary(id, tenantId);
    return { name: summary.id, spec: storedModelSpec(summary), weights: async () => (await this.get(id, tenantId)).weights };
  }

  /**
   * Stores `weights` (a safetensors file made by `replacementWeights` from this record's weights) as
   * the model's, and as its newest version, unless its weights changed meanwhile; the version is
   * checked against the tenant's bytes quota first.
   */
  async replaceWeights(model: ModelRecord, weights: Uint8Array): Promise<ModelRecord> {
    await this.quotas?.admitVersion(model.tenantId, weights.byteLength);
    const updated = await this.store.updateModelWeights(model.id, weights, model.generatorState, model.version);
    if (!updated) throw new NotFoundError("model", model.id);
    return updated;
  }

  /**
   * Runs the tenant's model in eval mode on `inputs`, within the limits: samples of the model's
   * input_shape (numbers, as JSON gives them), or a batch [B, ...input_shape] already a tensor
   * (uint8 for a model starting with ConvertImageDtype, float32 otherwise).
   */
  async predict(id: string, tenantId: string, inputs: readonly NestedValue[] | Tensor): Promise<PredictResult> {
    // the cached module serves as long as the stored version is the one it was built from: one
    // indexed read of an integer per request, right even when another process writes the weights
    const version = await this.store.getModelVersion(id);
    if (version === null) {
      this.cache.delete(id);
      throw new NotFoundError("model", id);
    }
    const cached = this.cache.get(id);
    // a model's tenant never changes: the cached one answers for it
    if (cached && cached.tenantId !== tenantId) throw new NotFoundError("model", id);
    let built = cached && cached.version === version ? cached.built : null;
    // every sample's shape first (the error names the sample), then the size, and only then the
    // module (building one of 10M parameters takes a few hundred ms) and the batch (a model's
    // input_shape may be far larger than any request body)
    // the stored spec resolved again: arithmetic over at most MAX_LAYERS layers
    const shape = built ?? resolveModel(storedModelSpec(await this.summary(id, tenantId)));
    if (inputs instanceof Tensor) checkBatch(inputs, shape);
    else inputs.forEach((sample, i) => checkShape(sample, shape.inputShape, i));
    const samples = inputs instanceof Tensor ? inputs.shape[0]! : inputs.length;
    checkPredictionSize(shape, samples, this.limits);
    built ??= await this.build(id, tenantId);
    const x = inputs instanceof Tensor ? inputs : toBatch(inputs, built);
    const output = noGrad(() => built.module.forward(x));
    if (!classScores(built.outputShape)) return { outputs: output };
    return { outputs: output, predictions: output.argmax(1).tolist() as number[], probabilities: probabilitiesOf(output, built.resolvedSpec) };
  }

  /** The tenant's model as a module in eval mode, with its stored weights, cached by version. */
  private async build(id: string, tenantId: string): Promise<BuiltModel> {
    // read, parse, then build and load, each on a turn of the event loop of its own: for a model of
    // millions of weights each is milliseconds of the API thread, which other requests then share
    const record = await this.get(id, tenantId);
    await nextTurn();
    const weights = safetensors.parse(record.weights).tensors;
    await nextTurn();
    // nothing drawn: the stored weights are loaded next
    const built = buildModel(storedModelSpec(record), { generator: null, maxParams: Number.MAX_SAFE_INTEGER });
    built.module.loadStateDict(weights);
    built.module.eval();
    this.cache.set(id, { version: record.version, tenantId: record.tenantId, built });
    return built;
  }
}

/**
 * The tensors that replace a model's weights (`current`, parameters and buffers), in their order:
 * each key, shape and dtype must match and every float value be finite (SpecError otherwise,
 * naming the key); int64 buffers (num_batches_tracked) are integers by their dtype.
 */
export function replacementWeights(current: Record<string, Tensor>, tensors: Record<string, Tensor>): Record<string, Tensor> {
  for (const key of Object.keys(tensors)) {
    if (!Object.hasOwn(current, key)) throw new SpecError(`unexpected key "${key}"; the model's keys are ${Object.keys(current).join(", ")}`, ["tensors", key]);
  }
  for (const [key, t] of Object.entries(current)) {
    const given = tensors[key];
    if (!given) throw new SpecError(`missing key "${key}"`, ["tensors", key]);
    if (given.dtype !== t.dtype) throw new SpecError(`"${key}" has dtype ${given.dtype}, expected ${t.dtype}`, ["tensors", key, "dtype"]);
    if (!sameShape(given.shape, t.shape)) {
      throw new SpecError(`"${key}" has shape ${formatShape(given.shape)}, expected ${formatShape(t.shape)}`, ["tensors", key, "shape"]);
    }
    if (!isFloating(given.dtype)) continue;
    const data = given.data as FloatStorage;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new SpecError(`"${key}" holds a non-finite value at index ${i}`, ["tensors", key, "data", i]);
    }
  }
  return Object.fromEntries(Object.keys(current).map((k) => [k, tensors[k]!]));
}

/**
 * Stacks samples whose shape `checkShape` found to be `sampleShape` into one float32 batch. A value
 * that is not a finite float32 is named by its place (`inputs[1][3]`).
 */
function toBatch(inputs: readonly NestedValue[], model: ModelShape): Tensor {
  const pixels = takesPixels(model);
  const batch = Tensor.empty([inputs.length, ...model.inputShape], pixels ? "uint8" : "float32");
  const put = pixels ? putPixel(batch.data as Uint8Array) : putFloat32(batch.data as Float32Array);
  const per = numel(model.inputShape);
  inputs.forEach((sample, i) => copyValues(sample, put, i * per, ["inputs", i]));
  return batch;
}

/**
 * Whether the model takes uint8 images: it starts with ConvertImageDtype, as a model trained on a
 * uint8 dataset does, so its inputs are fed as the dataset's were.
 */
const takesPixels = (model: ModelShape): boolean => model.layers[0]?.type === "ConvertImageDtype";

/** Writes one input value at `at`; returns what is wrong with it, if anything (the caller names it). */
type PutValue = (at: number, v: NestedValue | undefined) => string | null;

const putFloat32 =
  (out: Float32Array): PutValue =>
  (at, v) => {
    out[at] = typeof v === "number" ? v : NaN;
    // also catches finite doubles beyond float32's range, which would become ±Infinity
    if (Number.isFinite(out[at]!)) return null;
    return typeof v === "number" && Number.isFinite(v) ? `${v} is outside float32's range` : `${JSON.stringify(v)} is not a finite number`;
  };

const putPixel =
  (out: Uint8Array): PutValue =>
  (at, v) => {
    if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 255) {
      out[at] = v;
      return null;
    }
    return `${JSON.stringify(v)} is not a pixel: this model starts with ConvertImageDtype and takes integers 0 to 255 (uint8)`;
  };

/**
 * Checks a batch tensor against the model: shape [B, ...input_shape] with 1 ≤ B ≤ MAX_PREDICT_SAMPLES
 * (SpecError at inputs.shape, naming the dimension), and its dtype: uint8 images for a model that
 * starts with ConvertImageDtype (as JSON inputs are integers 0 to 255 there), float32 for any other.
 */
function checkBatch(batch: Tensor, model: ModelShape): void {
  const expected = `[B, ${model.inputShape.join(", ")}] (B samples of the model's input_shape ${formatShape(model.inputShape)})`;
  const given = `inputs has shape ${formatShape(batch.shape)}`;
  if (batch.ndim !== model.inputShape.length + 1) {
    throw new SpecError(`${given}, ${batch.ndim} dimensions, but the model takes ${expected}`, ["inputs", "shape"]);
  }
  const samples = batch.shape[0]!;
  if (samples < 1 || samples > MAX_PREDICT_SAMPLES) {
    throw new SpecError(`${given}: dimension 0 is ${samples} samples, but a prediction takes 1 to ${MAX_PREDICT_SAMPLES}`, ["inputs", "shape", 0]);
  }
  const d = model.inputShape.findIndex((size, i) => batch.shape[i + 1] !== size);
  if (d >= 0) {
    throw new SpecError(`${given}: dimension ${d + 1} is ${batch.shape[d + 1]}, but the model takes ${expected}`, ["inputs", "shape", d + 1]);
  }
  if (takesPixels(model) && batch.dtype !== "uint8") {
    throw new SpecError(
      "this model starts with ConvertImageDtype and takes images of bytes: send inputs as U8 (integers 0 to 255, as its JSON inputs are), not floats",
      ["inputs", "dtype"],
    );
  }
  if (!takesPixels(model) && batch.dtype === "uint8") {
    // as jobs refuse a uint8 dataset for such a model (checkFeatureDtype): PyTorch's layers refuse bytes
    throw new SpecError(
      `inputs are U8 (images) but the model starts with ${model.layers[0]!.type}: add {"type": "ConvertImageDtype"} as its first layer to ` +
        "turn them into float32 in [0, 1], as torchvision's ConvertImageDtype does, or send floats",
      ["inputs", "dtype"],
    );
  }
}

/** The shape of `value` read along its first elements: `[[1, 2], [3]]` → [2, 2]. */
function firstShape(value: NestedValue): number[] {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]!) shape.push(v.length);
  return shape;
}

function checkShape(sample: NestedValue, sampleShape: readonly number[], i: number): void {
  const fits = (v: NestedValue, depth: number): boolean => {
    if (depth === sampleShape.length) return !Array.isArray(v);
    if (!Array.isArray(v) || v.length !== sampleShape[depth]) return false;
    if (depth === sampleShape.length - 1) return v.every((x) => !Array.isArray(x));
    return v.every((x) => fits(x, depth + 1));
  };
  if (fits(sample, 0)) return;
  const shape = firstShape(sample);
  const what = sameShape(shape, sampleShape) ? "is ragged" : `has shape ${formatShape(shape)}`;
  throw new SpecError(`sample ${i} ${what}, but the model's input_shape is ${formatShape(sampleShape)}`, ["inputs", i]);
}

/** Copies the values of `value` (of a checked shape) through `put` from `at`; returns where it stopped. */
function copyValues(value: NestedValue, put: PutValue, at: number, path: (string | number)[]): number {
  if (Array.isArray(value) && Array.isArray(value[0])) {
    value.forEach((v, j) => (at = copyValues(v, put, at, [...path, j])));
    return at;
  }
  const values = Array.isArray(value) ? value : [value]; // a sample of shape []
  for (let j = 0; j < values.length; j++) {
    const wrong = put(at + j, values[j]);
    if (wrong !== null) throw new SpecError(wrong, Array.isArray(value) ? [...path, j] : path);
  }
  return at + values.length;
}
