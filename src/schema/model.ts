/**
 * Model specs: the JSON a client sends to describe a network, its validation (Zod for each field,
 * shape inference for how the layers fit together) and the module built from it, the seed's
 * `nn.NeuralNetwork`, whose state-dict keys and repr are PyTorch's for the same layers.
 */
import { z } from "zod";
import { text } from "./text.js";
import { defaultGenerator, Generator } from "../tensor/index.js";
import * as nn from "../nn/index.js";
import { parseSpec, SpecError } from "./errors.js";
import { buildLayer, inferLayer, LayerSpec, shapeString } from "./layers/index.js";

/** The most layers a model spec may list. */
export const MAX_LAYERS = 100;
/** The most dimensions of one input sample. */
export const MAX_INPUT_DIMS = 4;
/** `buildModel`'s parameter limit when the caller gives none. */
export const DEFAULT_MAX_PARAMS = 10_000_000;

export const ModelSpec = z
  .object({
    name: text(200).optional().describe("A name for the model, 1 to 200 characters."),
    input_shape: z
      .array(z.number().int().min(1).describe("A dimension's size, ≥ 1."))
      .min(1)
      .max(MAX_INPUT_DIMS)
      .describe(
        `Shape of one input sample, without the batch dimension (e.g. [50] for 50 features), 1 to ${MAX_INPUT_DIMS} dimensions.`,
      ),
    layers: z
      .array(LayerSpec)
      .min(1)
      .max(MAX_LAYERS)
      .describe(
        `The layers, applied in order (an nn.Sequential), 1 to ${MAX_LAYERS}. Each Linear's in_features may be ` +
          "left out: it is inferred from the shape that reaches it.",
      ),
    seed: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "Seed for the initial weights: the model gets PyTorch's weights for torch.manual_seed(seed) followed by " +
          "constructing the same layers. PyTorch accepts seeds in [0, 2^63); as a JSON number a seed is exact only " +
          "up to 2^53 − 1, so larger values are rejected.",
      ),
  })
  .strict()
  .meta({ title: "ModelSpec" })
  .describe("A feed-forward network: an input shape and a sequence of torch.nn layers.");
export type ModelSpec = z.infer<typeof ModelSpec>;
/** A model spec as a request may give it (defaults not yet applied). */
export type ModelSpecInput = z.input<typeof ModelSpec>;

// ---------------------------------------------------------------------------------------------
// shape inference

/** One layer of a resolved model: what it outputs for one sample and how many weights it has. */
export interface LayerInfo {
  index: number;
  type: LayerSpec["type"];
  /** Shape of one sample's output, without the batch dimension. */
  output_shape: number[];
  num_params: number;
}

/** A model spec whose layers were checked against each other, before any weight is allocated. */
export interface ResolvedModel {
  /** The spec with every default applied and every Linear's in_features filled in. */
  resolvedSpec: ModelSpec;
  layers: LayerInfo[];
  /** Shape of one input sample (`input_shape`). */
  inputShape: number[];
  /** Shape of one output sample (the last layer's output_shape). */
  outputShape: number[];
  numParams: number;
  /** Values in the layers' buffers (BatchNorm's running statistics): in the state dict, not parameters. */
  numBufferValues: number;
  /** Multiply-adds (or comparisons) of one sample's forward pass, summed over the layers (see InferredLayer.work). */
  forwardWork: number;
}

/**
 * A model spec as a request gives it, validated by its schema (defaults applied). The API's routes
 * parse their bodies with the schema itself; this is for everyone else (the library's users, tests).
 * Throws SpecError with the path of the field at fault.
 */
export function parseModelSpec(input: ModelSpecInput): ModelSpec {
  return parseSpec(ModelSpec, input);
}

/**
 * Checks how a parsed spec's layers fit together (shape inference) without allocating weights.
 * Throws SpecError with the path of the field at fault, e.g. `["layers", 2, "in_features"]`.
 */
export function resolveModel(parsed: ModelSpec): ResolvedModel {
  let shape: number[] = [...parsed.input_shape];
  let numParams = 0;
  let numBufferValues = 0;
  let forwardWork = 0;
  const layers: LayerInfo[] = [];
  const resolvedLayers: LayerSpec[] = [];
  parsed.layers.forEach((layer, index) => {
    const { spec: resolved, output, params, buffers = 0, work = params } = inferLayer(layer, shape, index);
    layers.push({ index, type: layer.type, output_shape: output, num_params: params });
    resolvedLayers.push(resolved);
    numParams += params;
    numBufferValues += buffers;
    forwardWork += work;
    shape = output;
  });
  return {
    resolvedSpec: { ...parsed, layers: resolvedLayers },
    layers,
    inputShape: [...parsed.input_shape],
    outputShape: shape,
    numParams,
    numBufferValues,
    forwardWork,
  };
}

// ---------------------------------------------------------------------------------------------
// building

/**
 * The generator a model's initial weights are drawn from, as its spec's `seed` says: with a seed, a
 * generator of the model's own seeded with it, so the weights are those of `torch.manual_seed(seed)`
 * then constructing the layers and the global generator does not move; without one, `unseeded()`
 * (the library's global generator, or a randomly seeded one for the service).
 */
export function weightsGenerator(seed: ModelSpec["seed"], unseeded: () => Generator): Generator {
  return seed !== undefined ? new Generator().manualSeed(seed) : unseeded();
}

export interface BuildModelOptions {
  /**
   * Where the initial weights are drawn from, in construction order. Default: `weightsGenerator`
   * for the spec's seed, falling back on the global generator (so `manualSeed(S)`
   * then `buildModel` gives `torch.manual_seed(S); NeuralNetwork(...)`). null draws nothing and
   * leaves the weights zero, for a module whose weights are loaded next.
   */
  generator?: Generator | null;
  /**
   * Where Dropout layers draw their masks when training. Default: the global generator, as in
   * PyTorch, where dropout shares the global generator with the DataLoader's shuffling.
   * `module.setDropoutGenerator(g)` changes it later.
   */
  dropoutGenerator?: Generator;
  /** The most parameters the model may have (default DEFAULT_MAX_PARAMS). */
  maxParams?: number;
}

export interface BuiltModel extends ResolvedModel {
  module: nn.NeuralNetwork;
  /** The generator the initial weights were drawn from (now advanced past them); null if none was. */
  generator: Generator | null;
  trainableParams: number;
  /** PyTorch's repr of the module (`String(module)`). */
  repr: string;
  /** A table of the layers, their output shapes and parameter counts, and the totals. */
  summary: string;
}

const thousands = (n: number): string => n.toLocaleString("en-US");

function summarize(resolved: ResolvedModel, trainable: number): string {
  const rows: [string, string, string][] = [["Layer (type)", "Output shape", "Param #"]];
  rows.push(["input", shapeString(resolved.inputShape), ""]);
  for (const l of resolved.layers) rows.push([`${l.index}: ${l.type}`, shapeString(l.output_shape), thousands(l.num_params)]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: [string, string, string]) => `${r[0].padEnd(widths[0]!)}  ${r[1].padEnd(widths[1]!)}  ${r[2].padStart(widths[2]!)}`.trimEnd();
  const rule = "=".repeat(widths[0]! + widths[1]! + widths[2]! + 4);
  return [
    line(rows[0]!),
    rule,
    ...rows.slice(1).map(line),
    rule,
    `Total params: ${thousands(resolved.numParams)}`,
    `Trainable params: ${thousands(trainable)}`,
    `Non-trainable params: ${thousands(resolved.numParams - trainable)}`,
  ].join("\n");
}

/**
 * Resolves a parsed `spec` and builds its module. The parameter count is checked against
 * `maxParams` before any weight is allocated (SpecError at path ["layers"]).
 */
export function buildModel(spec: ModelSpec, options: BuildModelOptions = {}): BuiltModel {
  const resolved = resolveModel(spec);
  const maxParams = options.maxParams ?? DEFAULT_MAX_PARAMS;
  if (resolved.numParams > maxParams) {
    throw new SpecError(
      `the model has ${thousands(resolved.numParams)} parameters, more than the limit of ${thousands(maxParams)}`,
      ["layers"],
    );
  }
  const generator = options.generator !== undefined ? options.generator : weightsGenerator(resolved.resolvedSpec.seed, () => defaultGenerator);
  const context = { generator, dropoutGenerator: options.dropoutGenerator ?? defaultGenerator };
  let shape = resolved.inputShape;
  const modules = resolved.resolvedSpec.layers.map((layer, i) => {
    const m = buildLayer(layer, shape, context);
    shape = resolved.layers[i]!.output_shape;
    return m;
  });
  const module = new nn.NeuralNetwork(modules);
  const trainableParams = module.parameters().reduce((n, p) => n + (p.requiresGrad ? p.numel() : 0), 0);
  return { ...resolved, module, generator, trainableParams, repr: String(module), summary: summarize(resolved, trainableParams) };
}
