/**
 * Optimizer specs: the registry of the `torch.optim` classes a training job may name. Each type is
 * one record of `OPTIMIZERS` holding its schema (PyTorch's snake_case arguments and defaults), its
 * cross-field rules and its builder (the engine's `optim` class with camelCase options); a new
 * optimizer is one record here plus its class in src/optim.
 */
import { z } from "zod";
import type * as nn from "../nn/index.js";
import * as optim from "../optim/index.js";
import { parseSpec, SpecError, type SpecPath } from "./errors.js";

/** What one registry record knows besides the schema, for specs of type `Spec` building `Built`. */
interface OptimizerRules<Spec, Built> {
  /**
   * Rules across fields, which the schema leaves out because JSON Schema cannot state them. Throws
   * SpecError under `path`.
   */
  readonly check?: (spec: Spec, path: SpecPath) => void;
  /** The engine's optimizer for a valid `spec` over `params`. */
  readonly build: (spec: Spec, params: Iterable<nn.Parameter>) => Built;
}

type OptimizerEntry<Schema extends z.ZodType, Built> = OptimizerRules<z.output<Schema>, Built> & { readonly schema: Schema };

/** A registry record; a function so that `check` and `build` are typed from `schema`. */
function optimizerEntry<Schema extends z.ZodType, Built>(schema: Schema, rules: OptimizerRules<z.output<Schema>, Built>): OptimizerEntry<Schema, Built> {
  return { schema, ...rules };
}

/** An optimizer's object schema: `type` is the torch.optim class name, as the registry files it. */
function optimizerSchema<Type extends string, Shape extends z.ZodRawShape>(type: Type, description: string, shape: Shape) {
  return z
    .object({ type: z.literal(type).describe(`torch.optim.${type}: "${type}".`), ...shape })
    .strict()
    .meta({ title: type, description });
}

const lr = () => z.number().gt(0).describe("Learning rate, > 0.");
const lrDefault = (fallback: number) => z.number().gt(0).default(fallback).describe(`Learning rate, > 0 (default ${fallback}).`);
const weightDecay = (fallback: number) =>
  z.number().min(0).default(fallback).describe(`Weight decay, ≥ 0 (default ${fallback}).`);
const eps = (fallback = 1e-8) =>
  z.number().gt(0).default(fallback).describe(`Added to the denominator for numerical stability, > 0 (default ${fallback}).`);
const momentum = () => z.number().min(0).default(0).describe("Momentum factor, ≥ 0 (default 0).");

export const SGDSpec = optimizerSchema("SGD", "torch.optim.SGD.", {
  lr: lr(),
  momentum: momentum(),
  dampening: z.number().default(0).describe("Dampening for momentum (default 0)."),
  weight_decay: weightDecay(0),
  nesterov: z
    .boolean()
    .default(false)
    .describe("Nesterov momentum (default false); needs momentum > 0 and dampening 0."),
});
export type SGDSpec = z.infer<typeof SGDSpec>;

const beta = z.number().min(0).lt(1);
const adamShape = (decay: number) => ({
  lr: lrDefault(1e-3),
  betas: z
    .tuple([beta.describe("β1, in [0, 1)."), beta.describe("β2, in [0, 1).")])
    .default([0.9, 0.999])
    .describe("Decay rates of the running averages of the gradient and its square, each in [0, 1) (default [0.9, 0.999])."),
  eps: eps(),
  weight_decay: weightDecay(decay),
  amsgrad: z.boolean().default(false).describe("Use the AMSGrad variant (default false)."),
});

export const AdamSpec = optimizerSchema("Adam", "torch.optim.Adam (weight decay as an L2 term added to the gradient).", adamShape(0));
export type AdamSpec = z.infer<typeof AdamSpec>;
export const AdamWSpec = optimizerSchema("AdamW", "torch.optim.AdamW (decoupled weight decay).", adamShape(1e-2));
export type AdamWSpec = z.infer<typeof AdamWSpec>;

export const RMSpropSpec = optimizerSchema("RMSprop", "torch.optim.RMSprop.", {
  lr: lrDefault(1e-2),
  alpha: z.number().min(0).max(1).default(0.99).describe("Smoothing constant of the squared-gradient average, in [0, 1] (default 0.99)."),
  eps: eps(),
  weight_decay: weightDecay(0),
  momentum: momentum(),
  centered: z.boolean().default(false).describe("Normalise by the estimated variance of the gradient (default false)."),
});
export type RMSpropSpec = z.infer<typeof RMSpropSpec>;

export const AdadeltaSpec = optimizerSchema("Adadelta", "torch.optim.Adadelta.", {
  lr: lrDefault(1.0),
  rho: z.number().min(0).max(1).default(0.9).describe("Decay rate of the running averages of the squared gradient and update, in [0, 1] (default 0.9)."),
  eps: eps(1e-6),
  weight_decay: weightDecay(0),
});
export type AdadeltaSpec = z.infer<typeof AdadeltaSpec>;

function adamOptions(spec: AdamSpec | AdamWSpec): Omit<optim.AdamOptions, "maximize"> {
  return {
    lr: spec.lr,
    betas: [spec.betas[0], spec.betas[1]], // a copy: the optimizer's groups do not alias the spec
    eps: spec.eps,
    weightDecay: spec.weight_decay,
    amsgrad: spec.amsgrad,
  };
}

/** The registry, filed by `type`, in the order the API lists the types. */
const OPTIMIZERS = {
  SGD: optimizerEntry(SGDSpec, {
    check: (spec, path) => {
      if (optim.violatesNesterovRule(spec)) throw new SpecError(optim.NESTEROV_RULE_MESSAGE, [...path, "nesterov"]);
    },
    build: (spec, params) =>
      new optim.SGD(params, {
        lr: spec.lr,
        momentum: spec.momentum,
        dampening: spec.dampening,
        weightDecay: spec.weight_decay,
        nesterov: spec.nesterov,
      }),
  }),
  Adam: optimizerEntry(AdamSpec, { build: (spec, params) => new optim.Adam(params, adamOptions(spec)) }),
  AdamW: optimizerEntry(AdamWSpec, { build: (spec, params) => new optim.AdamW(params, adamOptions(spec)) }),
  RMSprop: optimizerEntry(RMSpropSpec, {
    build: (spec, params) =>
      new optim.RMSprop(params, {
        lr: spec.lr,
        alpha: spec.alpha,
        eps: spec.eps,
        weightDecay: spec.weight_decay,
        momentum: spec.momentum,
        centered: spec.centered,
      }),
  }),
  Adadelta: optimizerEntry(AdadeltaSpec, {
    build: (spec, params) => new optim.Adadelta(params, { lr: spec.lr, rho: spec.rho, eps: spec.eps, weightDecay: spec.weight_decay }),
  }),
};

type OptimizerType = keyof typeof OPTIMIZERS;
type OptimizerEntries = (typeof OPTIMIZERS)[OptimizerType];

export const OPTIMIZER_TYPES = Object.keys(OPTIMIZERS) as OptimizerType[];

const optimizerSchemas = Object.values(OPTIMIZERS).map((entry) => entry.schema) as [OptimizerEntries["schema"], ...OptimizerEntries["schema"][]]; // the registry is not empty

export const OptimizerSpec = z
  .discriminatedUnion("type", optimizerSchemas, {
    error: (issue) =>
      issue.code === "invalid_union" ? `unknown optimizer type; expected one of ${OPTIMIZER_TYPES.join(", ")}` : undefined,
  })
  .describe("The optimizer, with torch.optim's class name as `type` and its arguments in snake_case.");
export type OptimizerSpec = z.infer<typeof OptimizerSpec>;
export type OptimizerSpecInput = z.input<typeof OptimizerSpec>;

/** What `makeOptimizer` returns: one of the engine's optimizers. */
export type AnyOptimizer = ReturnType<OptimizerEntries["build"]>;

/** The record of `spec`'s type; the one filed under a type takes that type's specs, which TypeScript cannot see through the union. */
function rulesFor(spec: OptimizerSpec): OptimizerRules<OptimizerSpec, AnyOptimizer> {
  return OPTIMIZERS[spec.type] as OptimizerRules<OptimizerSpec, AnyOptimizer>;
}

/** Checks the rules across fields of a parsed `spec` (SGD's nesterov); throws SpecError under `path`. */
export function checkOptimizerSpec(spec: OptimizerSpec, path: SpecPath = ["optimizer"]): void {
  rulesFor(spec).check?.(spec, path);
}

/**
 * The engine's optimizer for a parsed and checked `spec` over `params` (snake_case arguments to
 * camelCase options). The engine's own argument checks still apply.
 */
export function makeOptimizer(spec: OptimizerSpec, params: Iterable<nn.Parameter>): AnyOptimizer {
  return rulesFor(spec).build(spec, params);
}

/**
 * An optimizer spec from a request body, for callers outside the HTTP route: the schema's defaults
 * and checks, then `checkOptimizerSpec`. Throws SpecError with the path inside the optimizer.
 */
export function parseOptimizerSpec(body: unknown): OptimizerSpec {
  const spec = parseSpec(OptimizerSpec, body);
  checkOptimizerSpec(spec, []);
  return spec;
}
