import { describe, expect, it } from "vitest";
import * as nn from "../../src/nn/index.js";
import * as optim from "../../src/optim/index.js";
import { manualSeed, rand, randn, tensor, Tensor } from "../../src/tensor/index.js";
import {
  buildModel,
  parseModelSpec,
  checkTrainingSpec,
  isClassificationLoss,
  lossFunction,
  Loss,
  makeOptimizer,
  OptimizerSpec,
  OPTIMIZER_TYPES,
  parseOptimizerSpec,
  parseTrainingSpec,
  prepareTarget,
  TrainingSpec,
} from "../../src/schema/index.js";
import { specError } from "../helpers/spec_error.js";
import { BASE_TRAINING_SPEC, linearParameters } from "../helpers/training_spec.js";

/** A tensor's elements as numbers. */
function values(t: { data: ArrayLike<number> | BigInt64Array }): number[] {
  return Array.from(t.data as ArrayLike<number>, Number);
}

const F = nn.functional;

const base = BASE_TRAINING_SPEC;
const params = linearParameters;

describe("TrainingSpec", () => {
  it("applies the defaults", () => {
    expect(TrainingSpec.parse(base)).toEqual({
      ...base,
      optimizer: { type: "SGD", lr: 0.5, momentum: 0, dampening: 0, weight_decay: 0, nesterov: false },
      shuffle: true,
      drop_last: false,
    });
    const full = TrainingSpec.parse({
      ...base,
      validation_split: 0.2,
      shuffle: false,
      drop_last: true,
      seed: 123,
      early_stopping: { patience: 3 },
    });
    expect(full.early_stopping).toEqual({ patience: 3, min_delta: 0 });
    expect(full.seed).toBe(123);
  });

  it("rejects bad values with their paths", () => {
    const issues = (body: unknown) => TrainingSpec.safeParse(body).error?.issues.map((i) => [i.path, i.code]) ?? [];
    expect(issues({ ...base, epochs: 0 })).toEqual([[["epochs"], "too_small"]]);
    expect(issues({ ...base, batch_size: 1.5 })).toEqual([[["batch_size"], "invalid_type"]]);
    expect(issues({ ...base, validation_split: 1 })).toEqual([[["validation_split"], "too_big"]]);
    expect(issues({ ...base, validation_split: 0 })).toEqual([[["validation_split"], "too_small"]]);
    expect(issues({ ...base, loss: "hinge" })).toEqual([[["loss"], "invalid_value"]]);
    expect(issues({ ...base, model_id: "" })).toEqual([[["model_id"], "too_small"]]);
    expect(issues({ ...base, learning_rate: 1 })).toEqual([[[], "unrecognized_keys"]]);
    expect(issues({ ...base, early_stopping: { patience: 0 } })).toEqual([[["early_stopping", "patience"], "too_small"]]);
    expect(issues({ ...base, early_stopping: { patience: 2, min_delta: -1 } })).toEqual([[["early_stopping", "min_delta"], "too_small"]]);
    expect(issues({ ...base, seed: -5 })).toEqual([[["seed"], "too_small"]]);
    const { epochs: _e, ...noEpochs } = base;
    expect(issues(noEpochs)).toEqual([[["epochs"], "invalid_type"]]);
  });

  it("rejects bad optimizers with their paths", () => {
    const issues = (optimizer: unknown) => TrainingSpec.safeParse({ ...base, optimizer }).error?.issues.map((i) => [i.path, i.code, i.message]) ?? [];
    expect(issues({ type: "Adagrad", lr: 1 })).toEqual([
      [["optimizer", "type"], "invalid_union", "unknown optimizer type; expected one of SGD, Adam, AdamW, RMSprop, Adadelta"],
    ]);
    expect(issues({ type: "SGD" })[0]!.slice(0, 2)).toEqual([["optimizer", "lr"], "invalid_type"]);
    expect(issues({ type: "SGD", lr: 0 })[0]!.slice(0, 2)).toEqual([["optimizer", "lr"], "too_small"]);
    expect(issues({ type: "SGD", lr: 0.1, momentum: -0.9 })[0]!.slice(0, 2)).toEqual([["optimizer", "momentum"], "too_small"]);
    expect(issues({ type: "Adam", betas: [0.9, 1] })[0]!.slice(0, 2)).toEqual([["optimizer", "betas", 1], "too_big"]);
    expect(issues({ type: "Adam", betas: [0.9] })[0]!.slice(0, 2)).toEqual([["optimizer", "betas"], "too_small"]);
    expect(issues({ type: "AdamW", eps: 0 })[0]!.slice(0, 2)).toEqual([["optimizer", "eps"], "too_small"]);
    expect(issues({ type: "RMSprop", alpha: 1.5 })[0]!.slice(0, 2)).toEqual([["optimizer", "alpha"], "too_big"]);
    expect(issues({ type: "Adam", momentum: 0.9 })[0]!.slice(0, 2)).toEqual([["optimizer"], "unrecognized_keys"]);
    expect(issues({ type: "Adadelta", rho: 1.5 })[0]!.slice(0, 2)).toEqual([["optimizer", "rho"], "too_big"]);
    expect(issues({ type: "Adadelta", weight_decay: -1 })[0]!.slice(0, 2)).toEqual([["optimizer", "weight_decay"], "too_small"]);
  });
});

describe("checkTrainingSpec", () => {
  it("accepts one source of validation data", () => {
    expect(() => checkTrainingSpec(TrainingSpec.parse({ ...base, validation_split: 0.1 }))).not.toThrow();
    expect(() => checkTrainingSpec(TrainingSpec.parse({ ...base, validation_dataset_id: "d2" }))).not.toThrow();
    expect(() => checkTrainingSpec(TrainingSpec.parse(base))).not.toThrow();
  });

  it("rejects validation_dataset_id together with validation_split", () => {
    const e = specError(() => checkTrainingSpec(TrainingSpec.parse({ ...base, validation_dataset_id: "d2", validation_split: 0.1 })));
    expect(e.path).toEqual(["validation_split"]);
    expect(e.message).toBe("give validation_dataset_id or validation_split, not both");
  });

  it("rejects nesterov without momentum or with dampening", () => {
    let e = specError(() => parseTrainingSpec({ ...base, optimizer: { type: "SGD", lr: 0.1, nesterov: true } }));
    expect(e.path).toEqual(["optimizer", "nesterov"]);
    e = specError(() => parseTrainingSpec({ ...base, optimizer: { type: "SGD", lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 } }));
    expect(e.path).toEqual(["optimizer", "nesterov"]);
    expect(() => parseTrainingSpec({ ...base, optimizer: { type: "SGD", lr: 0.1, nesterov: true, momentum: 0.9 } })).not.toThrow();
    e = specError(() => parseTrainingSpec({ ...base, optimizer: { type: "SGD", lr: -1 } }));
    expect(e.path).toEqual(["optimizer", "lr"]);
  });

  it("words the nesterov rule as the engine does", () => {
    const e = specError(() => parseTrainingSpec({ ...base, optimizer: { type: "SGD", lr: 0.1, nesterov: true } }));
    expect(e.message).toBe(optim.NESTEROV_RULE_MESSAGE);
    expect(() => new optim.SGD(params(), { lr: 0.1, nesterov: true })).toThrow(optim.NESTEROV_RULE_MESSAGE);
  });
});

describe("makeOptimizer", () => {
  it("maps SGD's snake_case arguments to the engine's options", () => {
    const opt = makeOptimizer(parseOptimizerSpec({ type: "SGD", lr: 0.1, momentum: 0.9, dampening: 0, weight_decay: 1e-4, nesterov: true }), params());
    expect(opt).toBeInstanceOf(optim.SGD);
    expect(opt.defaults).toEqual({ lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 1e-4, nesterov: true, maximize: false });
    expect(opt.paramGroups[0]!.params).toHaveLength(2);
  });

  it("gives Adam and AdamW PyTorch's defaults", () => {
    const adam = makeOptimizer(parseOptimizerSpec({ type: "Adam" }), params());
    expect(adam).toBeInstanceOf(optim.Adam);
    expect(adam.defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    const adamw = makeOptimizer(parseOptimizerSpec({ type: "AdamW", lr: 0.01, betas: [0.8, 0.99], amsgrad: true }), params());
    expect(adamw).toBeInstanceOf(optim.AdamW);
    expect(adamw.defaults).toEqual({ lr: 0.01, betas: [0.8, 0.99], eps: 1e-8, weightDecay: 1e-2, amsgrad: true, maximize: false });
  });

  it("maps RMSprop", () => {
    const opt = makeOptimizer(parseOptimizerSpec({ type: "RMSprop", alpha: 0.9, momentum: 0.5, centered: true, weight_decay: 0.1, eps: 1e-6 }), params());
    expect(opt).toBeInstanceOf(optim.RMSprop);
    expect(opt.defaults).toEqual({ lr: 1e-2, alpha: 0.9, eps: 1e-6, weightDecay: 0.1, momentum: 0.5, centered: true, maximize: false });
  });

  it("gives Adadelta PyTorch's defaults and maps its arguments", () => {
    const opt = makeOptimizer(parseOptimizerSpec({ type: "Adadelta" }), params());
    expect(opt).toBeInstanceOf(optim.Adadelta);
    expect(opt.defaults).toEqual({ lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false });
    const tuned = makeOptimizer(parseOptimizerSpec({ type: "Adadelta", lr: 0.5, rho: 0.8, eps: 1e-5, weight_decay: 0.01 }), params());
    expect(tuned.defaults).toEqual({ lr: 0.5, rho: 0.8, eps: 1e-5, weightDecay: 0.01, maximize: false });
  });

  it("takes weight_decay for every optimizer, as PyTorch's all have it", () => {
    for (const type of OPTIMIZER_TYPES) {
      expect(makeOptimizer(parseOptimizerSpec({ type, lr: 0.05, weight_decay: 0.25 }), params()).defaults).toMatchObject({ weightDecay: 0.25 });
    }
  });

  it("steps as the engine's optimizer built by hand", () => {
    const a = params();
    const b = a.map((p) => new nn.Parameter(new Tensor(Float32Array.from(p.data as Float32Array), p.shape)));
    const optA = makeOptimizer(parseOptimizerSpec({ type: "Adam", lr: 0.1, weight_decay: 0.01 }), a);
    const optB = new optim.Adam(b, { lr: 0.1, weightDecay: 0.01 });
    for (const [ps, opt] of [[a, optA], [b, optB]] as const) {
      manualSeed(1);
      for (const p of ps) p.grad = randn(p.shape);
      opt.step();
    }
    a.forEach((p, i) => expect(values(p)).toEqual(values(b[i]!)));
  });

  it("throws SpecError for a bad spec", () => {
    expect(specError(() => makeOptimizer(parseOptimizerSpec({ type: "SGD", lr: 0.1, nesterov: true }), params())).path).toEqual(["nesterov"]);
    expect(specError(() => makeOptimizer(parseOptimizerSpec({ type: "SGD", lr: -1 }), params())).path).toEqual(["lr"]);
  });

  it("accepts every parsed OptimizerSpec", () => {
    for (const type of OPTIMIZER_TYPES) {
      expect(makeOptimizer(OptimizerSpec.parse({ type, lr: 0.05 }), params()).defaults.lr).toBe(0.05);
    }
  });
});

describe("lossFunction", () => {
  manualSeed(3);
  const logits = randn([4, 3]);
  const classes = tensor([0, 2, 1, 2]);

  it("is F's loss with PyTorch's defaults", () => {
    expect(lossFunction("cross_entropy")(logits, classes).item()).toBe(F.crossEntropy(logits, classes).item());
    const logp = F.logSoftmax(logits, 1);
    expect(lossFunction("nll_loss")(logp, classes).item()).toBe(F.nllLoss(logp, classes).item());
    const target = rand([4, 3]);
    expect(lossFunction("mse_loss")(logits, target).item()).toBe(F.mseLoss(logits, target).item());
    expect(lossFunction("l1_loss")(logits, target).item()).toBe(F.l1Loss(logits, target).item());
    expect(lossFunction("huber_loss")(logits, target).item()).toBe(F.huberLoss(logits, target).item());
    expect(lossFunction("binary_cross_entropy_with_logits")(logits, target).item()).toBe(F.binaryCrossEntropyWithLogits(logits, target).item());
  });

  it("takes integer 0/1 labels and one label per sample for a single-output model", () => {
    const out = randn([4, 1]);
    const labels = tensor([0, 1, 1, 0]); // int64, as JSON labels arrive
    const asFloat = tensor([[0], [1], [1], [0]], { dtype: "float32" });
    expect(lossFunction("binary_cross_entropy_with_logits")(out, labels).item()).toBe(F.binaryCrossEntropyWithLogits(out, asFloat).item());
    expect(lossFunction("mse_loss")(out, labels).item()).toBe(F.mseLoss(out, asFloat).item());
    const y = prepareTarget("mse_loss", out, tensor([0.5, 1.5, 2, 3]));
    expect(y.shape).toEqual([4, 1]);
    expect(y.dtype).toBe("float32");
    expect(prepareTarget("cross_entropy", logits, classes)).toBe(classes);
  });

  it("backpropagates", () => {
    const model = buildModel(parseModelSpec({ input_shape: [3], layers: [{ type: "Linear", out_features: 3 }] })).module;
    const loss = lossFunction("cross_entropy")(model.forward(logits), classes);
    loss.backward();
    expect(model.parameters().every((p) => p.grad !== null)).toBe(true);
  });
});

describe("Loss", () => {
  it("lists the losses and tells class-index losses apart", () => {
    expect(Loss.options).toEqual(["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy_with_logits"]);
    expect(Loss.options.filter(isClassificationLoss)).toEqual(["cross_entropy", "nll_loss"]);
  });
});
