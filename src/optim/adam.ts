/**
 * PyTorch 1.13's `torch.optim.Adam` and `torch.optim.AdamW` (single-tensor path, not capturable).
 * They share the update; Adam adds `weightDecay * param` to the gradient (L2), AdamW first scales
 * the parameter by `1 - lr * weightDecay` (decoupled weight decay).
 *
 * Numerics (float32): as PyTorch, `step` is a float32 count, the bias corrections are computed in
 * double (`step_size = lr / (1 - beta1^step)`, `sqrt(1 - beta2^step)`), every scalar is cast to
 * float32 where it meets the tensors, and `add(x, alpha=a)` / `addcmul` are fused multiply-adds as
 * in PyTorch's AVX2/AVX512 kernels: per element
 *   m = fl(fl(m*b1) + fl(1-b1)*g)          v = fl(fl(v*b2) + fl(fl(1-b2)*g)*g)
 *   denom = fl(fl(fl(sqrt(v)) / fl(sqrt(bc2))) + fl(eps))
 *   param = fl(param + fl(fl(fl(-step_size)*m) / denom))
 *
 * float32 tensors of 64 elements or more are updated in WebAssembly SIMD (the same formulas, the
 * same bits; see kernel.ts and src/tensor/kernels/wasm/vector.ts), the state buffers living in the
 * optimizer's WebAssembly memory (`stateBuffer`), the JavaScript loop below being the reference.
 */
import { kernel, scalar, simdKernel, type FloatArray } from "./kernel.js";
import { Tensor, type FloatDType, type Vec, type VectorArraySpec, type VectorKernelSpec } from "../tensor/index.js";
import {
  Optimizer,
  checkNonNegative,
  checkStateKeys,
  copyTensor,
  readBuffer,
  readStep,
  pyRepr,
  type ParamGroup,
  type ParamsInput,
  type SavedState,
} from "./optimizer.js";
import type { ParamStateDict } from "./state_dict.js";

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export type AdamGroup = ParamGroup<AdamOptions>;

export interface AdamState {
  /** The number of steps taken, counted in float32 as PyTorch's `state['step']` tensor. */
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  /** Only with amsgrad. */
  maxExpAvgSq: Tensor | null;
}

function validateAdam(o: AdamOptions): void {
  checkNonNegative(o.lr, "Invalid learning rate");
  checkNonNegative(o.eps, "Invalid epsilon value");
  if (!Array.isArray(o.betas) || o.betas.length !== 2) {
    throw new TypeError(`betas must be a pair of numbers, got ${JSON.stringify(o.betas)}`);
  }
  o.betas.forEach((b, i) => {
    if (typeof b !== "number" || !(b >= 0 && b < 1)) {
      throw new RangeError(`Invalid beta parameter at index ${i}: ${typeof b === "number" ? pyRepr(b) : String(b)}`);
    }
  });
  checkNonNegative(o.weightDecay, "Invalid weight_decay value");
}

function resolve(options: Partial<AdamOptions>, weightDecay: number): AdamOptions {
  const betas = options.betas ?? [0.9, 0.999];
  return {
    lr: options.lr ?? 1e-3,
    betas: Array.isArray(betas) ? [betas[0], betas[1]] : betas,
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? weightDecay,
    amsgrad: options.amsgrad ?? false,
    maximize: options.maximize ?? false,
  };
}

/** What Adam and AdamW share: state, state dict, the fused update. */
export abstract class AdamBase extends Optimizer<AdamOptions, AdamState> {
  /** True for AdamW: weight decay scales the parameter instead of joining the gradient. */
  protected abstract readonly decoupled: boolean;

  protected validateGroup(group: AdamOptions): void {
    validateAdam(group);
  }

  protected updateGroup(group: AdamGroup): void {
    const { lr, betas, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = betas;
    const decoupled = this.decoupled;
    const l2 = decoupled ? 0 : weightDecay;
    const decay = decoupled ? 1 - lr * weightDecay : 1;
    for (const p of group.params) {
      const g = this.gradData(p);
      if (g === null) continue;
      let st = this.state.get(p);
      if (st === undefined) {
        st = {
          step: 0,
          expAvg: this.stateBuffer(p),
          expAvgSq: this.stateBuffer(p),
          maxExpAvgSq: amsgrad ? this.stateBuffer(p) : null,
        };
        this.state.set(p, st);
      }
      if (amsgrad && st.maxExpAvgSq === null) st.maxExpAvgSq = this.stateBuffer(p);
      st.step = Math.fround(st.step + 1); // step_t += 1 on a float32 tensor
      const step = st.step;
      const stepSize = lr / (1 - beta1 ** step);
      const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
      const dtype = p.dtype as FloatDType;
      const flags = [maximize, l2 !== 0, decoupled && weightDecay !== 0, amsgrad] as const;
      const pd = p.data as FloatArray;
      const vmax = (amsgrad ? st.maxExpAvgSq!.data : null) as FloatArray | null;
      const arrays = [pd, g, st.expAvg.data, st.expAvgSq.data, vmax] as (Float32Array | null)[];
      const mem = this.stateMemory();
      const resident = arrays.map((a, i) => i >= 2 && a !== null && mem !== null && mem.addressOf(a) >= 0);
      const key = `adam:${flags.map(Number).join("")}:${resident.map(Number).join("")}`;
      const simd = simdKernel(key, dtype, pd.length, () => adamSimd(...flags, resident));
      if (simd) {
        simd.run(pd.length, arrays, [
          scalar(dtype, beta1), scalar(dtype, 1 - beta1), scalar(dtype, beta2), scalar(dtype, 1 - beta2),
          scalar(dtype, eps), scalar(dtype, l2), scalar(dtype, decay), scalar(dtype, -stepSize), scalar(dtype, bc2Sqrt),
        ], mem);
        continue;
      }
      const run = adamKernel(dtype, ...flags);
      run(pd, g, st.expAvg.data as FloatArray, st.expAvgSq.data as FloatArray, vmax,
        scalar(dtype, beta1), scalar(dtype, 1 - beta1), scalar(dtype, beta2), scalar(dtype, 1 - beta2),
        scalar(dtype, eps), scalar(dtype, l2), scalar(dtype, decay), scalar(dtype, -stepSize), scalar(dtype, bc2Sqrt));
    }
  }

  protected packState(st: AdamState): ParamStateDict {
    const out: ParamStateDict = { step: st.step, exp_avg: copyTensor(st.expAvg), exp_avg_sq: copyTensor(st.expAvgSq) };
    if (st.maxExpAvgSq !== null) out.max_exp_avg_sq = copyTensor(st.maxExpAvgSq);
    return out;
  }

  protected unpackState(saved: SavedState, param: Tensor, group: AdamOptions, where: string): AdamState {
    const required = ["step", "exp_avg", "exp_avg_sq", ...(group.amsgrad ? ["max_exp_avg_sq"] : [])];
    checkStateKeys(saved, required, ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"], this.constructor.name, where);
    const max = saved.max_exp_avg_sq;
    return {
      step: readStep(saved, where),
      expAvg: this.adoptState(readBuffer(saved, "exp_avg", param, where)),
      expAvgSq: this.adoptState(readBuffer(saved, "exp_avg_sq", param, where)),
      maxExpAvgSq: this.adoptState(max === undefined || max === null ? null : readBuffer(saved, "max_exp_avg_sq", param, where)),
    };
  }
}

/** `new Adam(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false, maximize = false })` */
export class Adam extends AdamBase {
  protected readonly decoupled = false;

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    const defaults = resolve(options, 0);
    validateAdam(defaults);
    super(params, defaults);
  }
}

/** `new AdamW(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 1e-2, amsgrad = false, maximize = false })` */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    const defaults = resolve(options, 1e-2);
    validateAdam(defaults);
    super(params, defaults);
  }
}

type AdamKernel = (
  p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, vmax: FloatArray | null,
  b1: number, omb1: number, b2: number, omb2: number, eps: number, wd: number, decay: number, negStep: number, bc2: number,
) => void;

/** The fused Adam/AdamW loop; scalars arrive already cast to the parameter dtype. */
function adamKernel(dtype: FloatDType, maximize: boolean, l2: boolean, decoupled: boolean, amsgrad: boolean): AdamKernel {
  return kernel<AdamKernel>(`adam:${+maximize}${+l2}${+decoupled}${+amsgrad}`, dtype, () => {
    const lines = [decoupled ? "const pi = R(p[i] * decay);" : "const pi = p[i];"]; // AdamW: param.mul_(1 - lr * weight_decay)
    lines.push(`let gi = ${maximize ? "-g[i]" : "g[i]"};`);
    if (l2) lines.push("gi = R(gi + wd * pi);"); // grad = grad.add(param, alpha=weight_decay)
    lines.push(
      "const mi = R(R(m[i] * b1) + omb1 * gi);", // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
      "m[i] = mi;",
      "const vi = R(R(v[i] * b2) + R(omb2 * gi) * gi);", // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
      "v[i] = vi;",
    );
    if (amsgrad) {
      // torch.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq), NaN-propagating
      lines.push("const mx = vmax[i];", "const u = mx > vi || mx !== mx ? mx : vi;", "vmax[i] = u;");
    } else {
      lines.push("const u = vi;");
    }
    lines.push(
      "const denom = R(R(R(Math.sqrt(u)) / bc2) + eps);", // (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
      "p[i] = pi + R(R(negStep * mi) / denom);", // param.addcdiv_(exp_avg, denom, value=-step_size)
    );
    return {
      args: ["p", "g", "m", "v", "vmax", "b1", "omb1", "b2", "omb2", "eps", "wd", "decay", "negStep", "bc2"],
      body: lines.join("\n"),
    };
  });
}

/**
 * The same update in WebAssembly SIMD, float32 only: identical results (see vector.ts for why each
 * step matches). Arrays: p, g, m, v, vmax (`resident` says which live in the optimizer's memory);
 * scalars in the order of AdamKernel's.
 */
function adamSimd(maximize: boolean, l2: boolean, decoupled: boolean, amsgrad: boolean, resident: readonly boolean[]): VectorKernelSpec {
  const rw = (i: number): VectorArraySpec => ({ read: true, write: true, resident: resident[i] });
  return {
    arrays: [rw(0), { read: true, write: false }, rw(2), rw(3), amsgrad ? rw(4) : { read: false, write: false }],
    scalars: 9,
    body: (v) => {
      const [b1, omb1, b2, omb2, eps, wd, decay, negStep, bc2] = Array.from({ length: 9 }, (_, i) => v.scalar(i)) as [
        Vec, Vec, Vec, Vec, Vec, Vec, Vec, Vec, Vec,
      ];
      let pi = v.load(0);
      if (decoupled) pi = v.mul(pi, decay);
      let gi = v.load(1);
      if (maximize) gi = v.neg(gi);
      if (l2) gi = v.fma(gi, wd, pi);
      const mi = v.fma(v.mul(v.load(2), b1), omb1, gi);
      v.store(2, mi);
      const vi = v.fma(v.mul(v.load(3), b2), v.mul(omb2, gi), gi);
      v.store(3, vi);
      let u = vi;
      if (amsgrad) {
        u = v.maxNaN(v.load(4), vi);
        v.store(4, u);
      }
      const denom = v.add(v.div(v.sqrt(u), bc2), eps);
      v.store(0, v.add(pi, v.div(v.mul(negStep, mi), denom)));
    },
  };
}
