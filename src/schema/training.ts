/**
 * Training specs: loss, optimizer and loop settings of a training job, and the loss function they
 * map to (`lossFunction`; the optimizers are in optimizers.ts, the schedulers in schedulers.ts).
 * Names are PyTorch's: losses as in `torch.nn.functional`.
 */
import { z } from "zod";
import { text } from "./text.js";
import { kernels, Tensor, isFloating } from "../tensor/index.js";
import * as nn from "../nn/index.js";
import { checkOptimizerSpec, OptimizerSpec } from "./optimizers.js";
import { checkSchedulerSpec, checkSchedulerSteps, SchedulerSpec } from "./schedulers.js";
import { parseSpec, SpecError } from "./errors.js";

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
    scheduler: SchedulerSpec.optional(),
    grad_clip_norm: z
      .number()
      .gt(0)
      .optional()
      .describe(
        "Before every optimizer step, scale the gradients so that their total 2-norm is at most this " +
          "(torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip_norm)), > 0.",
      ),
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
 * Checks the rules across fields of a parsed `spec`, which the schema leaves out (JSON Schema has
 * no cross-field rules the generator can derive from a refinement): validation_dataset_id and
 * validation_split exclude each other, the optimizer's own rules and the scheduler's (with the
 * optimizer's). Throws SpecError.
 */
export function checkTrainingSpec(spec: TrainingSpec): void {
  if (spec.validation_dataset_id !== undefined && spec.validation_split !== undefined) {
    throw new SpecError("give validation_dataset_id or validation_split, not both", ["validation_split"]);
  }
  checkOptimizerSpec(spec.optimizer, ["optimizer"]);
  if (spec.scheduler) checkSchedulerSpec(spec.scheduler, spec.optimizer, ["scheduler"]);
}

/**
 * Checks the rules of a checked `spec` that need the job's optimizer steps (epochs × batches per
 * epoch), which only its dataset tells: OneCycleLR's total_steps. Throws SpecError.
 */
export function checkTrainingSteps(spec: TrainingSpec, totalSteps: number): void {
  if (spec.scheduler) checkSchedulerSteps(spec.scheduler, totalSteps, ["scheduler"]);
}

/**
 * A training spec from a request body, for callers outside the HTTP route (which parses with the
 * schema itself): the schema's defaults and checks, then `checkTrainingSpec`. Throws SpecError.
 */
export function parseTrainingSpec(body: unknown): TrainingSpec {
  const spec = parseSpec(TrainingSpec, body);
  checkTrainingSpec(spec);
  return spec;
}
