/**
 * PyTorch's loss functions (`torch.nn.functional.*_loss`), with PyTorch 1.13's formulas, gradients,
 * `grad_fn` names and error messages.
 *
 * Every loss is one fused op: a single loop computes the loss and its reduction, and the backward
 * recorded with it is a single loop over what the forward saved (no chain of elementwise ops).
 * Arithmetic runs in JavaScript doubles; float32 results are rounded when stored.
 *
 * `crossEntropy` keeps PyTorch's structure, `nllLoss(logSoftmax(input, 1), target)`, so its
 * `grad_fn` is `NllLossBackward0`; with label smoothing the result is PyTorch's
 * `(1 − ε)·nll + ε/C · smooth_loss`, an `AddBackward0`.
 */
import {
  allocate,
  formatShape,
  isFloating,
  kernels,
  numel,
  promoteTypes,
  sameShape,
  scalarTypeName,
  Tensor,
  type FloatDType,
  type FloatStorage,
} from "../../tensor/index.js";
import { add, isGradEnabled, logSoftmax, mul, record } from "../../autograd/index.js";

export type Reduction = "mean" | "sum" | "none";

export interface NllLossOptions {
  reduction?: Reduction;
  /** Targets equal to this class index contribute neither loss nor gradient (default −100). */
  ignoreIndex?: number;
  /** A rescaling weight for each class: a tensor of C elements. */
  weight?: Tensor | null;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** ε in [0, 1]: the target becomes (1 − ε)·one-hot + ε/C (default 0). */
  labelSmoothing?: number;
}

export interface ReductionOptions {
  reduction?: Reduction;
}

export interface HuberLossOptions extends ReductionOptions {
  /** Where the loss switches from quadratic to linear; must be positive (default 1). */
  delta?: number;
}

export interface BinaryCrossEntropyOptions extends ReductionOptions {
  /** Weights of each element, broadcast to the input's shape. */
  weight?: Tensor | null;
}

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weights of the positive examples, broadcast to the input's shape (usually one per class). */
  posWeight?: Tensor | null;
}

// ---------------------------------------------------------------------------------------------
// shared helpers

function checkReduction(reduction: unknown): Reduction {
  if (reduction === "mean" || reduction === "sum" || reduction === "none") return reduction;
  throw new RangeError(`${String(reduction)} is not a valid value for reduction`);
}

/** `t`'s values as floats of `dtype` (no copy when it already is). */
function floats(t: Tensor, dtype: FloatDType): FloatStorage {
  return kernels.cast(t, dtype).data as FloatStorage;
}

function scalarOut(value: number, dtype: FloatDType): Tensor {
  const out = allocate(dtype, 1) as FloatStorage;
  out[0] = value;
  return new Tensor(out, [], dtype);
}

/** Weights of losses PyTorch implements natively are not differentiable; PyTorch refuses them. */
function checkNoGrad(fn: string, arg: string, t: Tensor | null): void {
  if (t !== null && t.requiresGrad && isGradEnabled()) {
    throw new Error(
      `The function '${fn}' is not differentiable with respect to argument '${arg}'. This input cannot have requires_grad True.`,
    );
  }
}

/** `t` broadcast (copied) to exactly `shape`, or an error naming both shapes. */
function broadcastTo(fn: string, arg: string, t: Tensor, shape: readonly number[], dtype: FloatDType): FloatStorage {
  const offset = shape.length - t.ndim;
  const fits = offset >= 0 && t.shape.every((s, i) => s === 1 || s === shape[i + offset]);
  if (!fits) {
    throw new RangeError(`${fn}: ${arg} of shape ${formatShape(t.shape)} cannot be broadcast to the input shape ${formatShape(shape)}`);
  }
  return floats(kernels.expandCopy(kernels.cast(t, dtype), shape), dtype);
}

/**
 * The gradient arriving at a loss: one value per element for reduction "none", else the single
 * value of the reduced output, pre-divided by the element count for "mean".
 */
interface LossGrad {
  per: FloatStorage | null;
  scalar: number;
}

function lossGrad(g: Tensor, reduction: Reduction, count: number): LossGrad {
  const gd = g.data as FloatStorage;
  if (reduction === "none") return { per: gd, scalar: 0 };
  return { per: null, scalar: reduction === "mean" ? gd[0]! / count : gd[0]! };
}

/**
 * Checks that an elementwise loss's input and target have the same shape.
 *
 * PyTorch only warns here ("Using a target size ... that is different to the input size ...") and
 * then broadcasts. Such a mismatch is nearly always a bug — an [N, 1] prediction against an [N]
 * target silently becomes an N×N loss that still trains, just wrongly — and PyTorch's own warning
 * asks to "ensure they have the same size". Kiln makes that an error naming both shapes.
 */
function checkSameShape(fn: string, input: Tensor, target: Tensor): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(
      `${fn}: target shape ${formatShape(target.shape)} differs from input shape ${formatShape(input.shape)}; ` +
        "PyTorch would broadcast them with a warning, Kiln requires equal shapes",
    );
  }
}

/** The dtype an elementwise loss computes in: the promotion of input and target, which must be floating. */
function pairType(fn: string, input: Tensor, target: Tensor): FloatDType {
  const dtype = promoteTypes(input.dtype, target.dtype);
  if (!isFloating(dtype)) {
    throw new TypeError(`${fn}: expected floating point tensors, got input of dtype ${input.dtype} and target of dtype ${target.dtype}`);
  }
  return dtype;
}

function gradBuffer(t: Tensor, fallback: FloatDType): FloatStorage {
  return allocate(isFloating(t.dtype) ? t.dtype : fallback, t.numel()) as FloatStorage;
}

function gradTensor(data: FloatStorage, like: Tensor): Tensor {
  return new Tensor(data, like.shape, data instanceof Float64Array ? "float64" : "float32");
}

// ---------------------------------------------------------------------------------------------
// class-index losses

/** Input [N, C, d1, …] (or [C]) against class indices [N, d1, …] (or []): N·S positions, S = Πd. */
interface ClassLayout {
  N: number;
  C: number;
  S: number;
  /** Output shape for reduction "none": the target's shape. */
  shape: readonly number[];
}

/** nll_loss_nd's checks, in PyTorch's order and words. */
function classLayout(input: Tensor, target: Tensor): ClassLayout {
  const nd = input.ndim;
  if (nd < 1) throw new RangeError(`Expected 1 or more dimensions (got ${nd})`);
  if (nd !== 1 && input.shape[0] !== (target.shape[0] ?? 0)) {
    throw new RangeError(`Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0] ?? 0}).`);
  }
  if (target.dtype !== "int64") throw new TypeError(`expected scalar type Long but found ${scalarTypeName(target.dtype)}`);
  if (nd <= 2) {
    if (target.ndim > 1) throw new RangeError("0D or 1D target tensor expected, multi-target not supported");
    // A 1-d input takes a 0-d target. (PyTorch 1.13 also lets a [C] input through with a [C]
    // target and then reads only its first element; Kiln refuses that as a size mismatch.)
    const mismatch = nd === 1 ? target.ndim !== 0 : input.shape[0] !== target.shape[0];
    if (mismatch) {
      throw new RangeError(`size mismatch (got input: ${formatShape(input.shape)}, target: ${formatShape(target.shape)})`);
    }
    return nd === 1
      ? { N: 1, C: input.shape[0]!, S: 1, shape: [] }
      : { N: input.shape[0]!, C: input.shape[1]!, S: 1, shape: target.shape };
  }
  if (nd === 4) {
    // PyTorch runs 4-d inputs through nll_loss2d, which has its own checks
    if (target.ndim !== 3) {
      throw new RangeError(`only batches of spatial targets supported (3D tensors) but got targets of dimension: ${target.ndim}`);
    }
    if (input.shape[2] !== target.shape[1] || input.shape[3] !== target.shape[2]) {
      throw new RangeError(`size mismatch (got input: ${formatShape(input.shape)} , target: ${formatShape(target.shape)}`);
    }
  }
  const expected = [input.shape[0]!, ...input.shape.slice(2)];
  if (!sameShape(expected, target.shape)) {
    throw new RangeError(`Expected target size ${formatShape(expected)}, got ${formatShape(target.shape)}`);
  }
  return { N: input.shape[0]!, C: input.shape[1]!, S: numel(input.shape.slice(2)), shape: target.shape };
}

/** The class weights as doubles, checked to hold one weight per class. */
function classWeights(weight: Tensor | null, C: number, prefix = ""): Float64Array | null {
  if (weight === null) return null;
  if (weight.numel() !== C || (prefix !== "" && weight.ndim !== 1)) {
    throw new RangeError(
      `${prefix}weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${formatShape(weight.shape)}`,
    );
  }
  return Float64Array.from(floats(weight, "float64"));
}

/** The target class of every position as a number (exact below 2^53), checked against C. */
function classTargets(target: Tensor, C: number, ignoreIndex: number): Float64Array {
  const td = target.data as BigInt64Array;
  const out = new Float64Array(td.length);
  for (let m = 0; m < td.length; m++) {
    const t = Number(td[m]!);
    if (t !== ignoreIndex && !(t >= 0 && t < C)) throw new RangeError(`Target ${td[m]} is out of bounds.`);
    out[m] = t;
  }
  return out;
}

/**
 * The negative log likelihood loss: `input` holds log-probabilities [N, C, …], `target` class
 * indices [N, …]. The mean divides by the total weight of the non-ignored targets.
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction ?? "mean");
  const ignoreIndex = options.ignoreIndex ?? -100;
  const weight = options.weight ?? null;
  if (!isFloating(input.dtype)) throw new TypeError(`nll_loss: expected a floating point input, got ${input.dtype}`);
  const dtype = input.dtype;
  const { N, C, S, shape } = classLayout(input, target);
  const w = classWeights(weight, C);
  checkNoGrad("nll_loss_forward", "weight", weight);
  const tgt = classTargets(target, C, ignoreIndex);
  const x = input.data as FloatStorage;
  const M = N * S;

  let out: Tensor;
  let totalWeight = 0;
  if (reduction === "none") {
    const o = allocate(dtype, M) as FloatStorage;
    for (let n = 0; n < N; n++)
      for (let s = 0; s < S; s++) {
        const m = n * S + s;
        const t = tgt[m]!;
        if (t === ignoreIndex) continue;
        o[m] = -x[(n * C + t) * S + s]! * (w === null ? 1 : w[t]!);
      }
    out = new Tensor(o, shape, dtype);
  } else {
    let acc = 0;
    for (let n = 0; n < N; n++)
      for (let s = 0; s < S; s++) {
        const t = tgt[n * S + s]!;
        if (t === ignoreIndex) continue;
        const wt = w === null ? 1 : w[t]!;
        totalWeight += wt;
        acc -= x[(n * C + t) * S + s]! * wt;
      }
    out = scalarOut(reduction === "mean" ? acc / totalWeight : acc, dtype);
  }

  // PyTorch runs inputs of 3 or more dims through nll_loss2d, viewed as 4-d and viewed back for "none"
  const name = input.ndim <= 2 ? "NllLossBackward0" : reduction === "none" && input.ndim !== 4 ? "ViewBackward0" : "NllLoss2DBackward0";
  // d loss / d input[n, t_n] = −w[t_n] · g (÷ total weight for the mean); zero elsewhere
  return record(out, name, [input], (g) => {
    const gx = allocate(g.dtype, x.length) as FloatStorage;
    const gd = g.data as FloatStorage;
    const scale = reduction === "none" ? 0 : -(reduction === "mean" ? gd[0]! / totalWeight : gd[0]!);
    for (let n = 0; n < N; n++)
      for (let s = 0; s < S; s++) {
        const m = n * S + s;
        const t = tgt[m]!;
        if (t === ignoreIndex) continue;
        const wt = w === null ? 1 : w[t]!;
        gx[(n * C + t) * S + s] = reduction === "none" ? -wt * gd[m]! : wt * scale;
      }
    return [new Tensor(gx, input.shape, g.dtype)];
  });
}

/**
 * The label-smoothing term of cross_entropy_loss_label_smoothing (LossNLL.cpp): per position
 * −Σ_c w_c·logp_c, zero where the target is ignored, reduced as the nll part is (the mean divides
 * by the summed weights of the non-ignored targets, or their count without weights).
 */
function smoothingLoss(logp: Tensor, tgt: Float64Array, layout: ClassLayout, w: Float64Array | null, reduction: Reduction, ignoreIndex: number): Tensor {
  const { N, C, S, shape } = layout;
  const dtype = logp.dtype as FloatDType;
  const x = logp.data as FloatStorage;
  const M = N * S;
  const per = allocate(dtype, M) as FloatStorage;
  let total = 0;
  let denom = 0;
  for (let n = 0; n < N; n++)
    for (let s = 0; s < S; s++) {
      const m = n * S + s;
      const t = tgt[m]!;
      if (t === ignoreIndex) continue;
      let acc = 0;
      const base = n * C * S + s;
      if (w === null) for (let c = 0; c < C; c++) acc += x[base + c * S]!;
      else for (let c = 0; c < C; c++) acc += x[base + c * S]! * w[c]!;
      per[m] = -acc;
      total += per[m]!;
      denom += w === null ? 1 : w[t]!;
    }
  const out = reduction === "none" ? new Tensor(per, shape, dtype) : scalarOut(reduction === "mean" ? total / denom : total, dtype);
  // PyTorch's last op of this term: masked_fill (none), sum, or the division by the weight sum (mean)
  const name = reduction === "none" ? "MaskedFillBackward0" : reduction === "sum" ? "SumBackward0" : "DivBackward0";
  return record(out, name, [logp], (g) => {
    const { per: gper, scalar } = lossGrad(g, reduction, 1);
    const gs = reduction === "mean" ? scalar / denom : scalar;
    const gx = allocate(g.dtype, x.length) as FloatStorage;
    for (let n = 0; n < N; n++)
      for (let s = 0; s < S; s++) {
        const m = n * S + s;
        if (tgt[m] === ignoreIndex) continue;
        const gm = -(gper === null ? gs : gper[m]!);
        const base = n * C * S + s;
        if (w === null) for (let c = 0; c < C; c++) gx[base + c * S] = gm;
        else for (let c = 0; c < C; c++) gx[base + c * S] = gm * w[c]!;
      }
    return [new Tensor(gx, logp.shape, g.dtype)];
  });
}

/**
 * Cross entropy against class probabilities (target of the input's shape), as
 * cross_entropy_loss_prob_target: −Σ_c w_c·t_c·logp_c per position, where the smoothed target is
 * t·(1 − ε) + ε/C; the mean divides by the number of positions (not by the weights).
 */
function crossEntropyProbs(input: Tensor, target: Tensor, weight: Tensor | null, reduction: Reduction, ls: number): Tensor {
  if (input.ndim < 1) throw new RangeError(`Expected 1 or more dimensions (got ${input.ndim})`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const N = input.ndim === 1 ? 1 : input.shape[0]!;
  const C = input.shape[classDim]!;
  const S = numel(input.shape.slice(2));
  const w = classWeights(weight, C, "cross_entropy: ");
  if (ls > 1) throw new RangeError(`label_smoothing must be between 0.0 and 1.0. Got: ${ls}`);
  const dtype = promoteTypes(input.dtype, target.dtype) as FloatDType;
  const logp = logSoftmax(input, classDim);
  const x = floats(logp, dtype);
  const t = floats(target, dtype);
  const keep = ls > 0 ? 1 - ls : 1;
  const spread = ls > 0 ? ls / C : 0;
  const M = N * S;
  const per = allocate(dtype, M) as FloatStorage;
  let total = 0;
  for (let n = 0; n < N; n++)
    for (let s = 0; s < S; s++) {
      const base = n * C * S + s;
      let acc = 0;
      for (let c = 0; c < C; c++) {
        const i = base + c * S;
        const tc = ls > 0 ? t[i]! * keep + spread : t[i]!;
        acc += w === null ? x[i]! * tc : x[i]! * tc * w[c]!;
      }
      per[n * S + s] = -acc;
      total += acc;
    }
  const outShape = input.shape.filter((_, d) => d !== classDim);
  const out = reduction === "none" ? new Tensor(per, outShape, dtype) : scalarOut(reduction === "mean" ? -total / M : -total, dtype);
  const inputs = weight === null ? [logp, target] : [logp, target, weight];
  return record(out, reduction === "mean" ? "DivBackward1" : "NegBackward0", inputs, (g, needs) => {
    const { per: gper, scalar } = lossGrad(g, reduction, M);
    const gx = needs[0] ? (allocate(g.dtype, x.length) as FloatStorage) : null;
    const gt = needs[1] ? gradBuffer(target, dtype) : null;
    const gw = needs[2] ? new Float64Array(C) : null;
    for (let n = 0; n < N; n++)
      for (let s = 0; s < S; s++) {
        const gm = -(gper === null ? scalar : gper[n * S + s]!);
        const base = n * C * S + s;
        for (let c = 0; c < C; c++) {
          const i = base + c * S;
          const wc = w === null ? 1 : w[c]!;
          const tc = ls > 0 ? t[i]! * keep + spread : t[i]!;
          if (gx) gx[i] = gm * wc * tc;
          if (gt) gt[i] = gm * wc * x[i]! * keep;
          if (gw) gw[c] += gm * x[i]! * tc;
        }
      }
    return [
      gx && new Tensor(gx, logp.shape, g.dtype),
      gt && gradTensor(gt, target),
      gw && new Tensor(Float64Array.from(gw), [C], "float64"),
    ];
  });
}

/**
 * Cross entropy of unnormalized scores `input` [N, C, …] (or [C]) against class indices (int64,
 * [N, …]) or, when `target` has the input's shape, class probabilities. Class-index targets go
 * through `nllLoss(logSoftmax(input, 1), target)` as in PyTorch.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction ?? "mean");
  const ignoreIndex = options.ignoreIndex ?? -100;
  const ls = options.labelSmoothing ?? 0;
  const weight = options.weight ?? null;
  if (!isFloating(input.dtype)) throw new TypeError(`cross_entropy: expected a floating point input, got ${input.dtype}`);
  if (sameShape(input.shape, target.shape)) {
    if (!isFloating(target.dtype)) {
      throw new TypeError(`Expected floating point type for target with class probabilities, got ${scalarTypeName(target.dtype)}`);
    }
    if (ignoreIndex >= 0) throw new RangeError("ignore_index is not supported for floating point target");
    return crossEntropyProbs(input, target, weight, reduction, ls);
  }
  if (input.ndim < 1) throw new RangeError(`Expected 1 or more dimensions (got ${input.ndim})`);
  const classDim = input.ndim === 1 ? 0 : 1;
  if (!(ls > 0)) return nllLoss(logSoftmax(input, classDim), target, { reduction, ignoreIndex, weight });
  if (ls > 1) throw new RangeError(`label_smoothing must be between 0.0 and 1.0. Got: ${ls}`);
  const logp = logSoftmax(input, classDim);
  const nll = nllLoss(logp, target, { reduction, ignoreIndex, weight });
  // nllLoss validated target, weight and shapes
  const layout = classLayout(logp, target);
  const tgt = classTargets(target, layout.C, ignoreIndex);
  const smooth = smoothingLoss(logp, tgt, layout, classWeights(weight, layout.C), reduction, ignoreIndex);
  return add(mul(nll, 1 - ls), mul(smooth, ls / layout.C));
}

// ---------------------------------------------------------------------------------------------
// elementwise regression losses

/**
 * An elementwise regression loss: a function of d = x − y per element, reduced, with its gradient
 * (d/dy is the negation of d/dx). Each loss keeps its own arithmetic, so the bits are PyTorch's.
 */
interface PointwiseLoss {
  /** PyTorch's name of the function, for errors. */
  fn: string;
  /** The grad_fn's name for a reduction. */
  gradFn(reduction: Reduction): string;
  /** The loss of one element. */
  value(d: number): number;
  /** d loss / dx of one element, from the gradient arriving (`g`: per element, or the reduced output's). */
  grad(d: number, g: number, reduction: Reduction, n: number): number;
  /** The result's dtype, from the input's and the one computed in (default: the latter). */
  resultType?(input: Tensor, compute: FloatDType): FloatDType;
}

function pointwiseLoss(loss: PointwiseLoss, input: Tensor, target: Tensor, reduction: Reduction): Tensor {
  checkSameShape(loss.fn, input, target);
  const compute = pairType(loss.fn, input, target);
  const dtype = loss.resultType ? loss.resultType(input, compute) : compute;
  const x = floats(input, compute);
  const y = floats(target, compute);
  const n = x.length;
  let out: Tensor;
  if (reduction === "none") {
    const o = allocate(dtype, n) as FloatStorage;
    for (let i = 0; i < n; i++) o[i] = loss.value(x[i]! - y[i]!);
    out = new Tensor(o, input.shape, dtype);
  } else {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += loss.value(x[i]! - y[i]!);
    out = scalarOut(reduction === "mean" ? acc / n : acc, dtype);
  }
  return record(out, loss.gradFn(reduction), [input, target], (g, needs) => {
    const gd = g.data as FloatStorage;
    const per = reduction === "none";
    const gx = needs[0] ? gradBuffer(input, compute) : null;
    const gy = needs[1] ? gradBuffer(target, compute) : null;
    for (let i = 0; i < n; i++) {
      const v = loss.grad(x[i]! - y[i]!, per ? gd[i]! : gd[0]!, reduction, n);
      if (gx) gx[i] = v;
      if (gy) gy[i] = -v;
    }
    return [gx && gradTensor(gx, input), gy && gradTensor(gy, target)];
  });
}

/** Mean squared error (x − y)²; PyTorch's MseLossBackward0 gives both input and target gradients. */
const MSE: PointwiseLoss = {
  fn: "mse_loss",
  gradFn: () => "MseLossBackward0",
  value: (d) => d * d,
  // norm·(x − y)·g with norm = 2 (÷ n for the mean)
  grad: (d, g, reduction, n) => (reduction === "mean" ? 2 / n : 2) * d * g,
};

export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  return pointwiseLoss(MSE, input, target, checkReduction(options.reduction ?? "mean"));
}

/**
 * Mean absolute error |x − y|. PyTorch 1.13 builds l1_loss from `(x − y).abs()` and a mean or sum,
 * so its grad_fn is MeanBackward0, SumBackward0 or AbsBackward0 (no L1LossBackward0): the same
 * names here, on one fused op. The gradient uses sign(0) = 0, as AbsBackward0 does.
 */
const L1: PointwiseLoss = {
  fn: "l1_loss",
  gradFn: (reduction) => (reduction === "mean" ? "MeanBackward0" : reduction === "sum" ? "SumBackward0" : "AbsBackward0"),
  value: (d) => Math.abs(d),
  // MeanBackward0 divides the gradient first, then AbsBackward0 takes the sign
  grad: (d, g, reduction, n) => (reduction === "mean" ? g / n : g) * Math.sign(d),
};

export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  return pointwiseLoss(L1, input, target, checkReduction(options.reduction ?? "mean"));
}

/**
 * Huber loss: ½z² where z = |x − y| < delta, else delta·(z − ½delta). As in PyTorch, the result
 * takes the input's dtype (a float32 input against a float64 target gives float32).
 */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction ?? "mean");
  const delta = options.delta ?? 1.0;
  if (!(delta > 0)) throw new RangeError("huber_loss does not support non-positive values for delta.");
  const halfDelta = 0.5 * delta;
  return pointwiseLoss(
    {
      fn: "huber_loss",
      gradFn: () => "HuberLossBackward0",
      value(d) {
        const z = Math.abs(d);
        return z < delta ? 0.5 * z * z : delta * (z - halfDelta);
      },
      // norm·g·clamp(x − y, −delta, delta) with norm = 1 (÷ n for the mean)
      grad(d, g, reduction, n) {
        const norm = reduction === "mean" ? 1 / n : 1;
        return d <= -delta ? -norm * g * delta : d >= delta ? norm * g * delta : norm * d * g;
      },
      resultType: (input, compute) => (isFloating(input.dtype) ? input.dtype : compute),
    },
    input,
    target,
    reduction,
  );
}

// ---------------------------------------------------------------------------------------------
// binary cross entropy

/** PyTorch's `constexpr float EPSILON = 1e-12` (Loss.cpp): the float32 value, 9.99999996e-13. */
const BCE_EPSILON = Math.fround(1e-12);

/**
 * Binary cross entropy of probabilities `input` in [0, 1] against `target`:
 * −w·(y·log x + (1 − y)·log(1 − x)), each log clamped to ≥ −100 as PyTorch does.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction ?? "mean");
  const weight = options.weight ?? null;
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(
      `Using a target size (${formatShape(target.shape)}) that is different to the input size (${formatShape(input.shape)}) is deprecated. Please ensure they have the same size.`,
    );
  }
  if (!isFloating(input.dtype)) throw new TypeError(`binary_cross_entropy: expected a floating point input, got ${input.dtype}`);
  const dtype = input.dtype;
  if (target.dtype !== dtype) {
    throw new TypeError(`Found dtype ${scalarTypeName(target.dtype)} but expected ${scalarTypeName(dtype)}: binary_cross_entropy needs a target of the input's dtype`);
  }
  checkNoGrad("binary_cross_entropy", "weight", weight);
  const w = weight === null ? null : broadcastTo("binary_cross_entropy", "weight", weight, input.shape, dtype);
  const x = input.data as FloatStorage;
  const y = target.data as FloatStorage;
  const n = x.length;
  const per = allocate(dtype, reduction === "none" ? n : 0) as FloatStorage;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    if (!(xi >= 0 && xi <= 1)) throw new RangeError("all elements of input should be between 0 and 1");
    const yi = y[i]!;
    let v = (yi - 1) * Math.max(Math.log(1 - xi), -100) - yi * Math.max(Math.log(xi), -100);
    if (w !== null) v *= w[i]!;
    if (reduction === "none") per[i] = v;
    else acc += v;
  }
  const out = reduction === "none" ? new Tensor(per, input.shape, dtype) : scalarOut(reduction === "mean" ? acc / n : acc, dtype);
  // d/dx = g·(x − y) / max((1 − x)·x, 1e-12)·w; d/dy = −logit(x)·g·w (÷ n for the mean)
  return record(out, "BinaryCrossEntropyBackward0", [input, target], (g, needs) => {
    const gd = g.data as FloatStorage;
    const none = reduction === "none";
    const div = reduction === "mean" ? n : 1;
    const gx = needs[0] ? gradBuffer(input, dtype) : null;
    const gy = needs[1] ? gradBuffer(target, dtype) : null;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      const gi = none ? gd[i]! : gd[0]!;
      const wi = w === null ? 1 : w[i]!;
      if (gx) gx[i] = ((gi * (xi - y[i]!)) / Math.max((1 - xi) * xi, BCE_EPSILON)) * wi / div;
      if (gy) gy[i] = -Math.log(xi / (1 - xi)) * gi * wi / div;
    }
    return [gx && gradTensor(gx, input), gy && gradTensor(gy, target)];
  });
}

/** PyTorch's CPU log_sigmoid: min(x, 0) − log1p(exp(−|x|)). */
function logSigmoid(x: number): number {
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * Binary cross entropy of logits, computed stably as PyTorch does with m = max(−x, 0):
 * (1 − y)·x + l·(log(e^−m + e^(−x−m)) + m), where l = 1 + (pos_weight − 1)·y, times the weight.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BinaryCrossEntropyWithLogitsOptions = {},
): Tensor {
  const fn = "binary_cross_entropy_with_logits";
  const reduction = checkReduction(options.reduction ?? "mean");
  const weight = options.weight ?? null;
  const posWeight = options.posWeight ?? null;
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`Target size (${formatShape(target.shape)}) must be the same as input size (${formatShape(input.shape)})`);
  }
  if (!isFloating(input.dtype)) throw new TypeError(`${fn}: expected a floating point input, got ${input.dtype}`);
  if (!isFloating(target.dtype)) throw new TypeError(`${fn}: expected a floating point target, got ${target.dtype}`);
  checkNoGrad(fn, "weight", weight);
  checkNoGrad(fn, "pos_weight", posWeight);
  const dtype = promoteTypes(input.dtype, target.dtype) as FloatDType;
  const w = weight === null ? null : broadcastTo(fn, "weight", weight, input.shape, dtype);
  const pw = posWeight === null ? null : broadcastTo(fn, "pos_weight", posWeight, input.shape, dtype);
  const x = floats(input, dtype);
  const y = floats(target, dtype);
  const n = x.length;
  const per = allocate(dtype, reduction === "none" ? n : 0) as FloatStorage;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    const m = Math.max(-xi, 0);
    // PyTorch's log(e^−m + e^(−x−m)): one of the two terms is e^0 = 1 exactly and the other
    // e^−|x|, so this is the same double with one exp fewer
    const lse = Math.log(1 + Math.exp(-Math.abs(xi)));
    let v = pw === null ? (1 - yi) * xi + m + lse : (1 - yi) * xi + ((pw[i]! - 1) * yi + 1) * (lse + m);
    if (w !== null) v *= w[i]!;
    if (reduction === "none") per[i] = v;
    else acc += v;
  }
  const out = reduction === "none" ? new Tensor(per, input.shape, dtype) : scalarOut(reduction === "mean" ? acc / n : acc, dtype);
  // d/dx = ((p·y + 1 − y)·σ(x) − p·y)·g·w, d/dy = (logσ(−x) − p·logσ(x))·g·w (÷ n for the mean);
  // without pos_weight: (σ(x) − y)·g·w and −x·g·w
  return record(out, "BinaryCrossEntropyWithLogitsBackward0", [input, target], (g, needs) => {
    const gd = g.data as FloatStorage;
    const none = reduction === "none";
    const mean = reduction === "mean";
    const gx = needs[0] ? gradBuffer(input, dtype) : null;
    const gy = needs[1] ? gradBuffer(target, dtype) : null;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      const yi = y[i]!;
      const gi = none ? gd[i]! : gd[0]!;
      const wi = w === null ? 1 : w[i]!;
      if (gx) {
        const sig = 1 / (1 + Math.exp(-xi));
        let v: number;
        if (pw === null) v = (sig - yi) * gi;
        else {
          const t = pw[i]! * yi;
          v = ((t + 1 - yi) * sig - t) * gi;
        }
        v *= wi;
        gx[i] = mean ? v / n : v;
      }
      if (gy) {
        let v = pw === null ? -xi * gi : (logSigmoid(-xi) - logSigmoid(xi) * pw[i]!) * gi;
        v *= wi;
        gy[i] = mean ? v / n : v;
      }
    }
    return [gx && gradTensor(gx, input), gy && gradTensor(gy, target)];
  });
}
