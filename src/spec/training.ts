/**
 * Training specs: loss, optimizer and loop settings of a training job, and the engine objects
 * they map to (`makeOptimizer`, `lossFunction`). Names are PyTorch's: losses as in
 * `torch.nn.functional`, optimizers as in `torch.optim` with their snake_case arguments.
 */
import { z } from "zod";
import { text } from "./text.js";
import { kernels, Tensor, isFloating } from "../tensor/index.js";
import * as nn from "../nn/index.js";
import * as optim from "../optim/index.js";
import { parseSpec, SpecError, specErrorFromZod } from "./errors.js";

const F = nn.functional;

export const Loss = z
  .enum(["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy_with_logits"])
  .describe(
    "The loss, as torch.nn.functional names it. cross_entropy (raw scores against class indices) and nll_loss " +
      "(log-probabilities, e.g. after LogSoftmax, against class indices) need integer labels 0..C−1 and a model " +
      "with C outputs; mse_loss, l1_loss and huber_loss (delta 1) compare the outputs with numeric targets of the " +
      "output's shape; binary_cross_entropy_with_logits compares logits with targets in [0, 1] of the output's shape.",
  );
export type Loss = z.infer<typeof Loss>;
export type ClassificationLoss = Extract<Loss, "cross_entropy" | "nll_loss">;

/** Whether `loss` takes class indices (int64 labels) rather than targets shaped as the output. */
export function isClassificationLoss(loss: Loss): loss is ClassificationLoss {
  return loss === "cross_entropy" || loss === "nll_loss";
}

// ---------------------------------------------------------------------------------------------
// optimizers

const lr = () => z.number().gt(0).describe("Learning rate, > 0.");
const lrDefault = (fallback: number) => z.number().gt(0).default(fallback).describe(`Learning rate, > 0 (default ${fallback}).`);
const weightDecay = (fallback: number) =>
  z.number().min(0).default(fallback).describe(`Weight decay, ≥ 0 (default ${fallback}).`);

export const SGDSpec = z
  .object({
    type: z.literal("SGD").describe('torch.optim.SGD: "SGD".'),
    lr: lr(),
    momentum: z.number().min(0).default(0).describe("Momentum factor, ≥ 0 (default 0)."),
    dampening: z.number().default(0).describe("Dampening for momentum (default 0)."),
    weight_decay: weightDecay(0),
    nesterov: z
      .boolean()
      .default(false)
      .describe("Nesterov momentum (default false); needs momentum > 0 and dampening 0."),
  })
  .strict()
  .meta({ title: "SGD", description: "torch.optim.SGD." });
export type SGDSpec = z.infer<typeof SGDSpec>;

const beta = z.number().min(0).lt(1);
function adamSpec<T extends "Adam" | "AdamW">(type: T, decay: number, description: string) {
  return z
    .object({
      type: z.literal(type).describe(`torch.optim.${type}: "${type}".`),
      lr: lrDefault(1e-3),
      betas: z
        .tuple([beta.describe("β1, in [0, 1)."), beta.describe("β2, in [0, 1).")])
        .default([0.9, 0.999])
        .describe("Decay rates of the running averages of the gradient and its square, each in [0, 1) (default [0.9, 0.999])."),
      eps: z.number().gt(0).default(1e-8).describe("Added to the denominator for numerical stability, > 0 (default 1e-8)."),
      weight_decay: weightDecay(decay),
      amsgrad: z.boolean().default(false).describe("Use the AMSGrad variant (default false)."),
    })
    .strict()
    .meta({ title: type, description });
}

export const AdamSpec = adamSpec("Adam", 0, "torch.optim.Adam (weight decay as an L2 term added to the gradient).");
export type AdamSpec = z.infer<typeof AdamSpec>;
export const AdamWSpec = adamSpec("AdamW", 1e-2, "torch.optim.AdamW (decoupled weight decay).");
export type AdamWSpec = z.infer<typeof AdamWSpec>;

export const RMSpropSpec = z
  .object({
    type: z.literal("RMSprop").describe('torch.optim.RMSprop: "RMSprop".'),
    lr: lrDefault(1e-2),
    alpha: z.number().min(0).max(1).default(0.99).describe("Smoothing constant of the squared-gradient average, in [0, 1] (default 0.99)."),
    eps: z.number().gt(0).default(1e-8).describe("Added to the denominator for numerical stability, > 0 (default 1e-8)."),
    weight_decay: weightDecay(0),
    momentum: z.number().min(0).default(0).describe("Momentum factor, ≥ 0 (default 0)."),
    centered: z.boolean().default(false).describe("Normalise by the estimated variance of the gradient (default false)."),
  })
  .strict()
  .meta({ title: "RMSprop", description: "torch.optim.RMSprop." });
export type RMSpropSpec = z.infer<typeof RMSpropSpec>;

export const OPTIMIZER_TYPES = ["SGD", "Adam", "AdamW", "RMSprop"] as const;

export const OptimizerSpec = z
  .discriminatedUnion("type", [SGDSpec, AdamSpec, AdamWSpec, RMSpropSpec], {
    error: (issue) =>
      issue.code === "invalid_union" ? `unknown optimizer type; expected one of ${OPTIMIZER_TYPES.join(", ")}` : undefined,
  })
  .describe("The optimizer, with torch.optim's class name as `type` and its arguments in snake_case.");
export type OptimizerSpec = z.infer<typeof OptimizerSpec>;
export type OptimizerSpecInput = z.input<typeof OptimizerSpec>;

/** Cross-field checks the schema cannot express (SGD's nesterov needs momentum and no dampening). */
export function checkOptimizerSpec(spec: OptimizerSpec, path: (string | number)[] = ["optimizer"]): void {
  if (spec.type === "SGD" && spec.nesterov && (spec.momentum <= 0 || spec.dampening !== 0)) {
    throw new SpecError("nesterov momentum needs momentum > 0 and dampening 0", [...path, "nesterov"]);
  }
}

/** What `makeOptimizer` returns: one of the engine's optimizers. */
export type AnyOptimizer = optim.SGD | optim.Adam | optim.AdamW | optim.RMSprop;

/** The engine's optimizer for `spec` over `params` (snake_case arguments to camelCase options). */
export function makeOptimizer(spec: OptimizerSpecInput, params: Iterable<nn.Parameter>): AnyOptimizer {
  const s = parseSpec(OptimizerSpec, spec);
  checkOptimizerSpec(s, []);
  switch (s.type) {
    case "SGD":
      return new optim.SGD(params, {
        lr: s.lr,
        momentum: s.momentum,
        dampening: s.dampening,
        weightDecay: s.weight_decay,
        nesterov: s.nesterov,
      });
    case "Adam":
    case "AdamW": {
      const options = { lr: s.lr, betas: [s.betas[0], s.betas[1]] as [number, number], eps: s.eps, weightDecay: s.weight_decay, amsgrad: s.amsgrad };
      return s.type === "Adam" ? new optim.Adam(params, options) : new optim.AdamW(params, options);
    }
    case "RMSprop":
      return new optim.RMSprop(params, {
        lr: s.lr,
        alpha: s.alpha,
        eps: s.eps,
        weightDecay: s.weight_decay,
        momentum: s.momentum,
        centered: s.centered,
      });
  }
}

// ---------------------------------------------------------------------------------------------
// losses

/**
 * The target a batch of labels gives `loss` against the model's `output`: class indices pass
 * unchanged; for the other losses integer labels become floats of the output's dtype (JSON
 * cannot tell 1.0 from 1, so 0/1 targets arrive as int64) and labels [B] against an output [B, 1]
 * are viewed as [B, 1].
 */
export function prepareTarget(loss: Loss, output: Tensor, labels: Tensor): Tensor {
  if (isClassificationLoss(loss)) return labels;
  let target = labels;
  const dtype = isFloating(output.dtype) ? output.dtype : "float32";
  if (target.dtype !== dtype) target = kernels.cast(target, dtype);
  if (target.ndim === output.ndim - 1 && output.shape[output.ndim - 1] === 1) {
    target = new Tensor(target.data, [...target.shape, 1], target.dtype);
  }
  return target;
}

/**
 * `(output, labels) => loss` for `loss`, through `F` with PyTorch's defaults (mean reduction,
 * huber delta 1); labels go through `prepareTarget` first.
 */
export function lossFunction(loss: Loss): (input: Tensor, target: Tensor) => Tensor {
  const fn = ((): ((input: Tensor, target: Tensor) => Tensor) => {
    switch (loss) {
      case "cross_entropy":
        return (x, y) => F.crossEntropy(x, y);
      case "nll_loss":
        return (x, y) => F.nllLoss(x, y);
      case "mse_loss":
        return (x, y) => F.mseLoss(x, y);
      case "l1_loss":
        return (x, y) => F.l1Loss(x, y);
      case "huber_loss":
        return (x, y) => F.huberLoss(x, y);
      case "binary_cross_entropy_with_logits":
        return (x, y) => F.binaryCrossEntropyWithLogits(x, y);
    }
  })();
  return (input, target) => fn(input, prepareTarget(loss, input, target));
}

// ---------------------------------------------------------------------------------------------
// the training spec

export const EarlyStopping = z
  .object({
    patience: z
      .number()
      .int()
      .min(1)
      .describe("Stop after this many epochs in a row without improvement of the monitored loss, ≥ 1."),
    min_delta: z
      .number()
      .min(0)
      .default(0)
      .describe("An epoch improves only if its loss is below the best so far by more than this, ≥ 0 (default 0)."),
  })
  .strict()
  .meta({ title: "EarlyStopping" })
  .describe("Stops training when the validation loss (the training loss when there is no validation data) stops improving.");
export type EarlyStopping = z.infer<typeof EarlyStopping>;

const id = (what: string) => text(200).describe(what);

export const TrainingSpec = z
  .object({
    model_id: id("The model to train (its weights are updated when the job succeeds)."),
    dataset_id: id("The training dataset."),
    validation_dataset_id: id(
      "A dataset to evaluate on after each epoch; excludes validation_split.",
    ).optional(),
    validation_split: z
      .number()
      .gt(0)
      .lt(1)
      .optional()
      .describe("Hold out this fraction of the training dataset (in (0, 1)) for validation; excludes validation_dataset_id."),
    loss: Loss,
    optimizer: OptimizerSpec,
    epochs: z.number().int().min(1).describe("Passes over the training data, ≥ 1."),
    batch_size: z.number().int().min(1).describe("Samples per batch, ≥ 1."),
    shuffle: z.boolean().default(true).describe("Reshuffle the training data every epoch, as DataLoader(shuffle=True) (default true)."),
    drop_last: z.boolean().default(false).describe("Drop the last batch when smaller than batch_size (default false)."),
    seed: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "Seed for the global generator before training (torch.manual_seed): shuffling and dropout draw from it. " +
          "Exact up to 2^53 − 1. Without it, training continues from the model's stored generator state.",
      ),
    early_stopping: EarlyStopping.optional(),
  })
  .strict()
  .meta({ title: "TrainingSpec" })
  .describe("A training job: which model and data, the loss, the optimizer and the loop settings.");
export type TrainingSpec = z.infer<typeof TrainingSpec>;
/** A training spec as a request may give it (defaults not yet applied). */
export type TrainingSpecInput = z.input<typeof TrainingSpec>;

/**
 * Checks what the schema cannot express (JSON Schema has no cross-field rules the generator can
 * derive from a refinement): validation_dataset_id and validation_split exclude each other, and
 * the optimizer's own cross-field rules. Throws SpecError.
 */
export function checkTrainingSpec(spec: TrainingSpecInput): void {
  if (spec.validation_dataset_id !== undefined && spec.validation_split !== undefined) {
    throw new SpecError("give validation_dataset_id or validation_split, not both", ["validation_split"]);
  }
  const optimizer = OptimizerSpec.safeParse(spec.optimizer);
  if (!optimizer.success) {
    const e = specErrorFromZod(optimizer.error);
    throw new SpecError(e.message, ["optimizer", ...e.path]);
  }
  checkOptimizerSpec(optimizer.data, ["optimizer"]);
}
