import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { grad, noGrad } from "../../src/autograd/index.js";
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  huberLoss,
  l1Loss,
  mseLoss,
  nllLoss,
  type Reduction,
} from "../../src/nn/functional/loss.js";
import { fromTypedArray, Tensor, type FloatStorage } from "../../src/tensor/index.js";
import { gradcheck } from "../helpers/gradcheck.js";

// ---------------------------------------------------------------------------------------------
// reference tensors

interface Ref {
  shape: number[];
  dtype: string;
  /** Non-finite floats are stored as the strings "inf", "-inf", "nan". */
  data: (number | string)[];
}

type FloatType = "float32" | "float64";

function num(v: number | string): number {
  if (typeof v === "number") return v;
  return v === "inf" ? Infinity : v === "-inf" ? -Infinity : v === "nan" ? NaN : Number(v);
}

/** A reference tensor as Kiln's; floats converted to `dtype`. */
function build(ref: Ref, dtype: FloatType, requiresGrad = false): Tensor {
  if (ref.dtype === "int64") return fromTypedArray(BigInt64Array.from(ref.data, (v) => BigInt(v)), ref.shape);
  const values = ref.data.map(num);
  const data = dtype === "float64" ? Float64Array.from(values) : Float32Array.from(values);
  return fromTypedArray(data, ref.shape, { requiresGrad });
}

/** |actual − expected| ≤ atol + rtol·|expected| everywhere (NaN and ±inf must match exactly). */
function expectClose(actual: Tensor, expected: Ref, rtol: number, atol: number): void {
  expect([...actual.shape]).toEqual(expected.shape);
  const act = actual.data as FloatStorage;
  expected.data.forEach((e, i) => {
    const x = num(e);
    const a = act[i]!;
    if (!Number.isFinite(x)) {
      if (!Object.is(a, x)) expect.fail(`element ${i}: got ${a}, expected ${x}`);
      return;
    }
    if (!(Math.abs(a - x) <= atol + rtol * Math.abs(x))) {
      expect.fail(`element ${i}: got ${a}, expected ${x} (rtol ${rtol}, atol ${atol})`);
    }
  });
}

const TOL = {
  float64: { rtol: 1e-10, atol: 1e-13 },
  float32: { rtol: 1e-5, atol: 1e-6 },
};

// ---------------------------------------------------------------------------------------------
// ops.json: the loss cases of the shared PyTorch reference

interface OpCase {
  name: string;
  inputs: Ref[];
  output: Ref;
  grad_output: Ref;
  grads: (Ref | null)[];
}

const OPS: Record<string, { fn: (a: Tensor, b: Tensor) => Tensor; gradFn: string }> = {
  "cross_entropy mean": { fn: (a, b) => crossEntropy(a, b), gradFn: "NllLossBackward0" },
  "cross_entropy sum": { fn: (a, b) => crossEntropy(a, b, { reduction: "sum" }), gradFn: "NllLossBackward0" },
  "cross_entropy label_smoothing 0.1": { fn: (a, b) => crossEntropy(a, b, { labelSmoothing: 0.1 }), gradFn: "AddBackward0" },
  nll_loss: { fn: (a, b) => nllLoss(a, b), gradFn: "NllLossBackward0" },
  mse_loss: { fn: (a, b) => mseLoss(a, b), gradFn: "MseLossBackward0" },
  // PyTorch 1.13's l1_loss is (input - target).abs().mean(): F.l1_loss(a, b).grad_fn is MeanBackward0
  l1_loss: { fn: (a, b) => l1Loss(a, b), gradFn: "MeanBackward0" },
  huber_loss: { fn: (a, b) => huberLoss(a, b), gradFn: "HuberLossBackward0" },
  binary_cross_entropy: { fn: (a, b) => binaryCrossEntropy(a, b), gradFn: "BinaryCrossEntropyBackward0" },
  binary_cross_entropy_with_logits: {
    fn: (a, b) => binaryCrossEntropyWithLogits(a, b),
    gradFn: "BinaryCrossEntropyWithLogitsBackward0",
  },
};

const opsFixture = JSON.parse(readFileSync(new URL("../fixtures/ops.json", import.meta.url), "utf8")) as { cases: OpCase[] };
const opCases = opsFixture.cases.filter((c) => c.name in OPS);

describe("losses match PyTorch on ops.json", () => {
  it("finds every loss case", () => {
    expect(opCases.map((c) => c.name).sort()).toEqual(Object.keys(OPS).sort());
  });

  for (const c of opCases) {
    for (const dtype of ["float64", "float32"] as const) {
      it(`${c.name} in ${dtype}`, () => {
        const inputs = c.inputs.map((r) => build(r, dtype, r.dtype.startsWith("float")));
        const out = OPS[c.name]!.fn(inputs[0]!, inputs[1]!);
        expect(out.dtype).toBe(dtype);
        expect(out.gradFn?.name).toBe(OPS[c.name]!.gradFn);
        const { rtol, atol } = TOL[dtype];
        expectClose(out, c.output, rtol, atol);
        const wrt = inputs.filter((x) => x.requiresGrad);
        const grads = grad(out, wrt, { gradOutputs: [build(c.grad_output, dtype)] });
        const refs = c.grads.filter((g): g is Ref => g !== null);
        expect(grads.length).toBe(refs.length);
        refs.forEach((g, i) => {
          expect(grads[i]!.dtype).toBe(dtype);
          expectClose(grads[i]!, g, rtol, atol);
        });
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// loss.json: options ops.json does not cover (generate_loss.py)

interface LossCase {
  name: string;
  fn: string;
  inputs: Ref[];
  options: Record<string, number | string | Ref>;
  grad_inputs: (number | string)[];
  output: Ref;
  grad_fn: string | null;
  grad_output: Ref;
  grads: Ref[];
  float32: boolean;
}

type LossFn = (input: Tensor, target: Tensor, options: Record<string, unknown>) => Tensor;

const FNS: Record<string, LossFn> = {
  cross_entropy: crossEntropy as unknown as LossFn,
  nll_loss: nllLoss as unknown as LossFn,
  mse_loss: mseLoss as unknown as LossFn,
  l1_loss: l1Loss as unknown as LossFn,
  huber_loss: huberLoss as unknown as LossFn,
  binary_cross_entropy: binaryCrossEntropy as unknown as LossFn,
  binary_cross_entropy_with_logits: binaryCrossEntropyWithLogits as unknown as LossFn,
};

/** PyTorch's keyword arguments as Kiln's options. */
const OPTION_NAMES: Record<string, string> = {
  reduction: "reduction",
  ignore_index: "ignoreIndex",
  label_smoothing: "labelSmoothing",
  weight: "weight",
  pos_weight: "posWeight",
  delta: "delta",
};

const lossFixture = JSON.parse(readFileSync(new URL("../fixtures/loss.json", import.meta.url), "utf8")) as {
  cases: LossCase[];
};

function runCase(c: LossCase, dtype: FloatType) {
  const inputs = c.inputs.map((r, i) => build(r, dtype, c.grad_inputs.includes(i)));
  const options: Record<string, unknown> = {};
  const named: Record<string, Tensor> = {};
  for (const [key, value] of Object.entries(c.options)) {
    const name = OPTION_NAMES[key];
    if (name === undefined) throw new Error(`unknown option ${key}`);
    if (typeof value === "object") {
      named[key] = build(value, dtype, c.grad_inputs.includes(key));
      options[name] = named[key];
    } else {
      options[name] = value;
    }
  }
  const out = FNS[c.fn]!(inputs[0]!, inputs[1]!, options);
  const wrt = c.grad_inputs.map((k) => (typeof k === "number" ? inputs[k]! : named[k]!));
  const grads = wrt.length > 0 ? grad(out, wrt, { gradOutputs: [build(c.grad_output, dtype)] }) : [];
  return { out, grads };
}

describe("losses match PyTorch on loss.json", () => {
  it("has the generated cases", () => {
    expect(lossFixture.cases.length).toBeGreaterThan(100);
  });

  for (const c of lossFixture.cases) {
    const dtypes: FloatType[] = c.float32 ? ["float64", "float32"] : ["float64"];
    for (const dtype of dtypes) {
      it(`${c.name} in ${dtype}`, () => {
        const { out, grads } = runCase(c, dtype);
        expect(out.gradFn?.name ?? null).toBe(c.grad_fn);
        expect(out.dtype).toBe(dtype);
        const { rtol, atol } = TOL[dtype];
        expectClose(out, c.output, rtol, atol);
        expect(grads.length).toBe(c.grads.length);
        c.grads.forEach((g, i) => expectClose(grads[i]!, g, rtol, atol));
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// finite differences (float64, central differences, eps 1e-6, tolerance 1e-6)

/** Deterministic float64 values in [lo, hi). */
function uniform(shape: number[], seed: number, lo = -2, hi = 2, requiresGrad = true): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    d[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  }
  return fromTypedArray(d, shape, { requiresGrad });
}

/** Rows of class probabilities: positive values normalized over dim 1. */
function probabilities(shape: number[], seed: number): Tensor {
  const t = uniform(shape, seed, 0.1, 1, false);
  const d = t.data as Float64Array;
  const [N, C] = [shape[0]!, shape[1]!];
  const S = d.length / (N * C);
  for (let n = 0; n < N; n++)
    for (let s = 0; s < S; s++) {
      let z = 0;
      for (let c = 0; c < C; c++) z += d[(n * C + c) * S + s]!;
      for (let c = 0; c < C; c++) d[(n * C + c) * S + s]! /= z;
    }
  t.requiresGrad = true;
  return t;
}

const long = (values: number[], shape = [values.length]): Tensor => fromTypedArray(BigInt64Array.from(values, BigInt), shape);
const constant = (values: number[], shape = [values.length]): Tensor => fromTypedArray(Float64Array.from(values), shape);

const REDUCTIONS: Reduction[] = ["mean", "sum", "none"];
const EPS = 1e-6;
const FD_TOL = 1e-6;

describe("loss gradients match finite differences", () => {
  const target = long([1, 0, 4, 2, 3, 4]);
  const withIgnored = long([1, -100, 4, 2, 2, -100]);
  const withClass2 = long([1, 2, 4, 0, 2, 3]);
  const weight = constant([0.5, 1.5, 0.8, 2.0, 1.2]);

  for (const reduction of REDUCTIONS) {
    describe(`reduction ${reduction}`, () => {
      it("crossEntropy with class indices", () => {
        gradcheck((x) => crossEntropy(x!, target, { reduction }), [uniform([6, 5], 1)], EPS, FD_TOL);
      });

      it("crossEntropy with weight and ignoreIndex", () => {
        gradcheck((x) => crossEntropy(x!, withIgnored, { reduction, weight }), [uniform([6, 5], 2)], EPS, FD_TOL);
        gradcheck((x) => crossEntropy(x!, withClass2, { reduction, weight, ignoreIndex: 2 }), [uniform([6, 5], 3)], EPS, FD_TOL);
      });

      it("crossEntropy with label smoothing, weight and ignoreIndex", () => {
        gradcheck((x) => crossEntropy(x!, target, { reduction, labelSmoothing: 0.2 }), [uniform([6, 5], 4)], EPS, FD_TOL);
        gradcheck(
          (x) => crossEntropy(x!, withClass2, { reduction, labelSmoothing: 0.3, weight, ignoreIndex: 2 }),
          [uniform([6, 5], 5)],
          EPS,
          FD_TOL,
        );
      });

      it("crossEntropy over spatial dims [N, C, d]", () => {
        const t = long([0, 4, 2, 1, -100, 3], [2, 3]);
        gradcheck((x) => crossEntropy(x!, t, { reduction, weight, labelSmoothing: 0.1 }), [uniform([2, 5, 3], 6)], EPS, FD_TOL);
      });

      it("crossEntropy with class probabilities (input, target and weight)", () => {
        const w = uniform([5], 7, 0.5, 2);
        gradcheck((x, p) => crossEntropy(x!, p!, { reduction }), [uniform([6, 5], 8), probabilities([6, 5], 9)], EPS, FD_TOL);
        gradcheck(
          (x, p, wt) => crossEntropy(x!, p!, { reduction, weight: wt!, labelSmoothing: 0.2 }),
          [uniform([6, 5], 10), probabilities([6, 5], 11), w],
          EPS,
          FD_TOL,
        );
        gradcheck((x, p) => crossEntropy(x!, p!, { reduction }), [uniform([2, 5, 3], 12), probabilities([2, 5, 3], 13)], EPS, FD_TOL);
      });

      it("nllLoss with weight and ignoreIndex", () => {
        gradcheck((x) => nllLoss(x!, target, { reduction }), [uniform([6, 5], 14)], EPS, FD_TOL);
        gradcheck((x) => nllLoss(x!, withIgnored, { reduction, weight }), [uniform([6, 5], 15)], EPS, FD_TOL);
        gradcheck((x) => nllLoss(x!, withClass2, { reduction, weight, ignoreIndex: 2 }), [uniform([6, 5], 16)], EPS, FD_TOL);
      });

      it("mseLoss, l1Loss", () => {
        gradcheck((x, y) => mseLoss(x!, y!, { reduction }), [uniform([4, 3], 17), uniform([4, 3], 18)], EPS, FD_TOL);
        gradcheck((x, y) => l1Loss(x!, y!, { reduction }), [uniform([4, 3], 19), uniform([4, 3], 20)], EPS, FD_TOL);
      });

      it("huberLoss with delta", () => {
        for (const delta of [1, 0.3, 2.5]) {
          gradcheck((x, y) => huberLoss(x!, y!, { reduction, delta }), [uniform([4, 3], 21), uniform([4, 3], 22)], EPS, FD_TOL);
        }
      });

      it("binaryCrossEntropy with weight", () => {
        const p = (seed: number) => uniform([4, 3], seed, 0.05, 0.95);
        gradcheck((x, y) => binaryCrossEntropy(x!, y!, { reduction }), [p(23), uniform([4, 3], 24, 0, 1)], EPS, FD_TOL);
        const w = uniform([3], 25, 0.5, 2, false);
        gradcheck((x, y) => binaryCrossEntropy(x!, y!, { reduction, weight: w }), [p(26), uniform([4, 3], 27, 0, 1)], EPS, FD_TOL);
      });

      it("binaryCrossEntropyWithLogits with weight and posWeight", () => {
        const y = () => uniform([4, 3], 28, 0, 1);
        gradcheck((x, t) => binaryCrossEntropyWithLogits(x!, t!, { reduction }), [uniform([4, 3], 29, -4, 4), y()], EPS, FD_TOL);
        const posWeight = uniform([3], 30, 0.2, 3, false);
        const w = uniform([4, 1], 31, 0.5, 2, false);
        gradcheck(
          (x, t) => binaryCrossEntropyWithLogits(x!, t!, { reduction, posWeight }),
          [uniform([4, 3], 32, -4, 4), y()],
          EPS,
          FD_TOL,
        );
        gradcheck(
          (x, t) => binaryCrossEntropyWithLogits(x!, t!, { reduction, posWeight, weight: w }),
          [uniform([4, 3], 33, -4, 4), y()],
          EPS,
          FD_TOL,
        );
      });
    });
  }
});

// ---------------------------------------------------------------------------------------------
// structure and behaviour

describe("loss structure", () => {
  it("crossEntropy is nllLoss(logSoftmax(input, 1), target)", () => {
    const x = uniform([3, 4], 40);
    const out = crossEntropy(x, long([0, 3, 1]));
    const node = out.gradFn as unknown as { name: string; inputs: Tensor[] };
    expect(node.name).toBe("NllLossBackward0");
    expect(node.inputs[0]!.gradFn?.name).toBe("LogSoftmaxBackward0");
  });

  it("label smoothing adds the scaled nll and smoothing terms", () => {
    const x = uniform([3, 4], 41);
    const t = long([0, 3, 1]);
    const eps = 0.2;
    const smoothed = crossEntropy(x, t, { labelSmoothing: eps, reduction: "none" });
    expect(smoothed.gradFn?.name).toBe("AddBackward0");
    const nll = crossEntropy(x, t, { reduction: "none" }).data as Float64Array;
    const xd = x.data as Float64Array;
    for (let n = 0; n < 3; n++) {
      const row = Array.from(xd.slice(n * 4, n * 4 + 4));
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      const smooth = -row.reduce((s, v) => s + (v - lse), 0) / 4;
      expect((smoothed.data as Float64Array)[n]).toBeCloseTo((1 - eps) * nll[n]! + eps * smooth, 12);
    }
  });

  it("probability targets name PyTorch's last op", () => {
    const x = uniform([3, 4], 42);
    const p = probabilities([3, 4], 43);
    expect(crossEntropy(x, p).gradFn?.name).toBe("DivBackward1");
    expect(crossEntropy(x, p, { reduction: "sum" }).gradFn?.name).toBe("NegBackward0");
    expect(crossEntropy(x, p, { reduction: "none" }).shape).toEqual([3]);
  });

  it("l1Loss is named as PyTorch 1.13 names its composite", () => {
    const [a, b] = [uniform([3], 44), uniform([3], 45)];
    expect(l1Loss(a, b).gradFn?.name).toBe("MeanBackward0");
    expect(l1Loss(a, b, { reduction: "sum" }).gradFn?.name).toBe("SumBackward0");
    expect(l1Loss(a, b, { reduction: "none" }).gradFn?.name).toBe("AbsBackward0");
  });

  it("records no graph without gradients", () => {
    const x = uniform([3, 4], 46, -2, 2, false);
    expect(crossEntropy(x, long([0, 1, 2])).gradFn).toBeNull();
    expect(mseLoss(x, x).requiresGrad).toBe(false);
    const y = uniform([3, 4], 47);
    expect(noGrad(() => binaryCrossEntropyWithLogits(y, x)).gradFn).toBeNull();
  });

  it("reduces to a 0-d tensor and keeps the shape for none", () => {
    const [a, b] = [uniform([2, 3], 48), uniform([2, 3], 49)];
    expect(mseLoss(a, b).shape).toEqual([]);
    expect(huberLoss(a, b, { reduction: "none" }).shape).toEqual([2, 3]);
    expect(crossEntropy(a, long([0, 2]), { reduction: "none" }).shape).toEqual([2]);
    expect(crossEntropy(uniform([3], 50), long([1], [])).shape).toEqual([]);
  });

  it("gives NaN for a mean over no targets, as PyTorch", () => {
    const x = uniform([2, 3], 51);
    const out = crossEntropy(x, long([-100, -100]));
    expect(Number.isNaN(out.item())).toBe(true);
    const [g] = grad(out, [x]);
    expect(Array.from(g!.data as Float64Array)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Number.isNaN(mseLoss(constant([], [0]), constant([], [0])).item())).toBe(true);
  });

  it("computes mixed float32/float64 losses in float64 and returns float32 gradients", () => {
    const a = uniform([2, 2], 52);
    const b32 = fromTypedArray(Float32Array.of(0.5, -1, 0.25, 2), [2, 2]);
    const out = mseLoss(b32.requiresGrad_(), a);
    expect(out.dtype).toBe("float64");
    const [gb] = grad(out, [b32]);
    expect(gb!.dtype).toBe("float32");
    // huber_loss keeps the input's dtype in PyTorch
    expect(huberLoss(b32, a).dtype).toBe("float32");
  });

  it("accepts a target that requires grad for mse, l1, huber and the binary losses", () => {
    const x = uniform([3], 53, 0.1, 0.9);
    const y = uniform([3], 54, 0.1, 0.9);
    for (const f of [mseLoss, l1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits]) {
      const [gx, gy] = grad(f(x, y), [x, y]);
      expect(gx!.shape).toEqual([3]);
      expect(gy!.shape).toEqual([3]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// errors

describe("loss errors", () => {
  const x = uniform([3, 4], 60);
  const t = long([0, 1, 2]);

  it("rejects out-of-range class indices", () => {
    expect(() => crossEntropy(x, long([0, 1, 5]))).toThrow("Target 5 is out of bounds.");
    expect(() => nllLoss(x, long([0, -3, 1]))).toThrow("Target -3 is out of bounds.");
    // an ignored index may lie outside [0, C)
    expect(() => crossEntropy(x, long([0, 1, 7]), { ignoreIndex: 7 })).not.toThrow();
  });

  it("rejects class-index targets that are not int64", () => {
    const f = fromTypedArray(Float32Array.of(0, 1, 2), [3]);
    expect(() => crossEntropy(x, f)).toThrow("expected scalar type Long but found Float");
    expect(() => nllLoss(x, fromTypedArray(Float64Array.of(0, 1, 2), [3]))).toThrow("expected scalar type Long but found Double");
    expect(() => nllLoss(x, fromTypedArray(Uint8Array.of(0, 1, 1), [3]))).toThrow("expected scalar type Long but found Bool");
  });

  it("rejects a batch size mismatch and bad target shapes", () => {
    expect(() => crossEntropy(x, long([0, 1, 2, 3]))).toThrow("Expected input batch_size (3) to match target batch_size (4).");
    expect(() => nllLoss(x, long([0, 1, 2, 3]))).toThrow("Expected input batch_size (3) to match target batch_size (4).");
    expect(() => nllLoss(x, long([0, 1, 2, 3, 0, 1], [3, 2]))).toThrow("0D or 1D target tensor expected, multi-target not supported");
    expect(() => crossEntropy(uniform([4], 61), long([2]))).toThrow("size mismatch (got input: [4], target: [1])");
    expect(() => nllLoss(uniform([4], 61), long([2, 0, 1, 3]))).toThrow("size mismatch (got input: [4], target: [4])");
    expect(() => crossEntropy(uniform([2, 3, 4], 62), long([0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [2, 5]))).toThrow(
      "Expected target size [2, 4], got [2, 5]",
    );
    const x4 = uniform([2, 3, 4, 5], 78);
    expect(() => crossEntropy(x4, long([0, 0, 0, 0, 0, 0, 0, 0], [2, 4]))).toThrow(
      "only batches of spatial targets supported (3D tensors) but got targets of dimension: 2",
    );
    expect(() => nllLoss(x4, long(new Array<number>(48).fill(0), [2, 4, 6]))).toThrow(
      "size mismatch (got input: [2, 3, 4, 5] , target: [2, 4, 6]",
    );
    expect(() => crossEntropy(uniform([], 63), long([0], []))).toThrow(
      "Expected floating point type for target with class probabilities, got Long",
    );
  });

  it("rejects class weights of the wrong size", () => {
    expect(() => crossEntropy(x, t, { weight: constant([1, 1, 1]) })).toThrow(
      "weight tensor should be defined either for all 4 classes or no classes but got weight tensor of shape: [3]",
    );
    expect(() => crossEntropy(x, probabilities([3, 4], 64), { weight: constant([1, 1, 1]) })).toThrow(
      "cross_entropy: weight tensor should be defined either for all 4 classes or no classes but got weight tensor of shape: [3]",
    );
  });

  it("rejects weights that require grad where PyTorch does", () => {
    const w = uniform([4], 65, 0.5, 1);
    expect(() => crossEntropy(x, t, { weight: w })).toThrow(
      "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True.",
    );
    const p = uniform([4], 66, 0.1, 0.9);
    expect(() => binaryCrossEntropy(p, p.detach(), { weight: w })).toThrow(/'binary_cross_entropy' is not differentiable .* 'weight'/);
    expect(() => binaryCrossEntropyWithLogits(p, p.detach(), { posWeight: w })).toThrow(
      /'binary_cross_entropy_with_logits' is not differentiable .* 'pos_weight'/,
    );
    // composite in PyTorch: a differentiable weight is fine with probability targets
    expect(() => crossEntropy(x, probabilities([3, 4], 67), { weight: w })).not.toThrow();
    // and without grad mode nothing is recorded, so nothing to refuse
    expect(() => noGrad(() => crossEntropy(x, t, { weight: w }))).not.toThrow();
  });

  it("rejects bad label smoothing, ignoreIndex with probabilities, and unknown reductions", () => {
    expect(() => crossEntropy(x, t, { labelSmoothing: 1.5 })).toThrow("label_smoothing must be between 0.0 and 1.0. Got: 1.5");
    expect(() => crossEntropy(x, probabilities([3, 4], 68), { labelSmoothing: 2 })).toThrow(
      "label_smoothing must be between 0.0 and 1.0. Got: 2",
    );
    expect(() => crossEntropy(x, probabilities([3, 4], 69), { ignoreIndex: 1 })).toThrow(
      "ignore_index is not supported for floating point target",
    );
    expect(() => crossEntropy(x, long([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3], [3, 4]))).toThrow(
      "Expected floating point type for target with class probabilities, got Long",
    );
    expect(() => mseLoss(x, x, { reduction: "avg" as Reduction })).toThrow("avg is not a valid value for reduction");
  });

  it("rejects non-floating inputs", () => {
    const i = long([0, 1, 2]);
    expect(() => crossEntropy(long([1, 2, 3, 4, 5, 6], [2, 3]), long([0, 1]))).toThrow(/floating point input, got int64/);
    expect(() => mseLoss(i, i)).toThrow(/expected floating point tensors, got input of dtype int64 and target of dtype int64/);
    expect(() => binaryCrossEntropyWithLogits(constant([1, 2, 3]), i)).toThrow(/floating point target, got int64/);
  });

  it("refuses to broadcast mismatched shapes, naming both", () => {
    const a = uniform([3, 4], 70);
    const b = uniform([4], 71);
    for (const [f, name] of [
      [mseLoss, "mse_loss"],
      [l1Loss, "l1_loss"],
      [huberLoss, "huber_loss"],
    ] as const) {
      expect(() => f(a, b)).toThrow(`${name}: target shape [4] differs from input shape [3, 4]`);
    }
    expect(() => binaryCrossEntropy(uniform([3], 72, 0, 1), uniform([3, 1], 73, 0, 1))).toThrow(
      "Using a target size ([3, 1]) that is different to the input size ([3]) is deprecated. Please ensure they have the same size.",
    );
    expect(() => binaryCrossEntropyWithLogits(uniform([3], 74), uniform([3, 1], 75))).toThrow(
      "Target size ([3, 1]) must be the same as input size ([3])",
    );
    expect(() => binaryCrossEntropyWithLogits(a, a.detach(), { posWeight: constant([1, 2, 3]) })).toThrow(
      "binary_cross_entropy_with_logits: pos_weight of shape [3] cannot be broadcast to the input shape [3, 4]",
    );
    expect(() => binaryCrossEntropy(uniform([3, 4], 76, 0, 1), uniform([3, 4], 77, 0, 1), { weight: constant([1, 2, 3]) })).toThrow(
      "binary_cross_entropy: weight of shape [3] cannot be broadcast to the input shape [3, 4]",
    );
  });

  it("rejects binary cross entropy inputs outside [0, 1]", () => {
    const y = constant([1, 0]);
    expect(() => binaryCrossEntropy(constant([0.5, 1.5]), y)).toThrow("all elements of input should be between 0 and 1");
    expect(() => binaryCrossEntropy(constant([-0.1, 0.5]), y)).toThrow("all elements of input should be between 0 and 1");
    expect(() => binaryCrossEntropy(constant([NaN, 0.5]), y)).toThrow("all elements of input should be between 0 and 1");
    expect(() => binaryCrossEntropy(constant([0.5, 0.5]), fromTypedArray(Float32Array.of(1, 0), [2]))).toThrow(
      "Found dtype Float but expected Double",
    );
  });

  it("rejects a non-positive huber delta", () => {
    expect(() => huberLoss(x, x, { delta: 0 })).toThrow("huber_loss does not support non-positive values for delta.");
    expect(() => huberLoss(x, x, { delta: -1 })).toThrow("huber_loss does not support non-positive values for delta.");
  });
});
