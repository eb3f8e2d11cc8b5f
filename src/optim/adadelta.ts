/**
 * PyTorch 1.13's `torch.optim.Adadelta` (single-tensor path): decay `rho`, weight decay (L2) and
 * maximize; `lr` scales the update (1.0, Zeiler's method, by default).
 *
 * Numerics (float32), per element, with PyTorch's order and fused multiply-adds:
 *   sq = fl(fl(sq*rho) + fl(fl(1-rho)*g)*g)                      square_avg.mul_().addcmul_()
 *   std = fl(sqrt(fl(sq + eps)))                                  square_avg.add(eps).sqrt_()
 *   delta = fl(fl(fl(sqrt(fl(acc + eps))) / std) * g)             acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
 *   acc = fl(fl(acc*rho) + fl(fl(1-rho)*delta)*delta)             acc_delta.mul_().addcmul_()
 *   param = fl(param + fl(-lr)*delta)                             param.add_(delta, alpha=-lr)
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
  pyRepr,
  readBuffer,
  readStep,
  type ParamGroup,
  type ParamsInput,
  type SavedState,
} from "./optimizer.js";
import type { ParamStateDict } from "./state_dict.js";

export interface AdadeltaOptions {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export type AdadeltaGroup = ParamGroup<AdadeltaOptions>;

export interface AdadeltaState {
  /** The number of steps taken (a Python int in PyTorch). */
  step: number;
  squareAvg: Tensor;
  accDelta: Tensor;
}

function validateAdadelta(o: AdadeltaOptions): void {
  checkNonNegative(o.lr, "Invalid learning rate");
  if (typeof o.rho !== "number") throw new TypeError(`Invalid rho value: ${String(o.rho)}`);
  if (!(o.rho >= 0 && o.rho <= 1)) throw new RangeError(`Invalid rho value: ${pyRepr(o.rho)}`);
  checkNonNegative(o.eps, "Invalid epsilon value");
  checkNonNegative(o.weightDecay, "Invalid weight_decay value");
}

/** `new Adadelta(params, { lr = 1.0, rho = 0.9, eps = 1e-6, weightDecay = 0, maximize = false })` */
export class Adadelta extends Optimizer<AdadeltaOptions, AdadeltaState> {
  constructor(params: ParamsInput<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}) {
    const defaults: AdadeltaOptions = {
      lr: options.lr ?? 1.0,
      rho: options.rho ?? 0.9,
      eps: options.eps ?? 1e-6,
      weightDecay: options.weightDecay ?? 0,
      maximize: options.maximize ?? false,
    };
    validateAdadelta(defaults);
    super(params, defaults);
  }

  protected validateGroup(group: AdadeltaOptions): void {
    validateAdadelta(group);
  }

  protected updateGroup(group: AdadeltaGroup): void {
    const { lr, rho, eps, weightDecay, maximize } = group;
    for (const p of group.params) {
      const g = this.gradData(p);
      if (g === null) continue;
      let st = this.state.get(p);
      if (st === undefined) {
        st = { step: 0, squareAvg: this.stateBuffer(p), accDelta: this.stateBuffer(p) };
        this.state.set(p, st);
      }
      st.step += 1;
      const dtype = p.dtype as FloatDType;
      const flags = [maximize, weightDecay !== 0] as const;
      const pd = p.data as FloatArray;
      const arrays = [pd, g, st.squareAvg.data, st.accDelta.data] as Float32Array[];
      const mem = this.stateMemory();
      const resident = arrays.map((a, i) => i >= 2 && mem !== null && mem.addressOf(a) >= 0);
      const scalars = [scalar(dtype, rho), scalar(dtype, 1 - rho), scalar(dtype, eps), scalar(dtype, weightDecay), scalar(dtype, -lr)] as const;
      const key = `adadelta:${flags.map(Number).join("")}:${resident.map(Number).join("")}`;
      const simd = simdKernel(key, dtype, pd.length, () => adadeltaSimd(...flags, resident));
      if (simd) {
        simd.run(pd.length, arrays, scalars, mem);
        continue;
      }
      adadeltaKernel(dtype, ...flags)(pd, g, st.squareAvg.data as FloatArray, st.accDelta.data as FloatArray, ...scalars);
    }
  }

  protected packState(st: AdadeltaState): ParamStateDict {
    return { step: st.step, square_avg: copyTensor(st.squareAvg), acc_delta: copyTensor(st.accDelta) };
  }

  protected unpackState(saved: SavedState, param: Tensor, _group: AdadeltaOptions, where: string): AdadeltaState {
    const keys = ["step", "square_avg", "acc_delta"];
    checkStateKeys(saved, keys, keys, "Adadelta", where);
    return {
      step: readStep(saved, where),
      squareAvg: this.adoptState(readBuffer(saved, "square_avg", param, where)),
      accDelta: this.adoptState(readBuffer(saved, "acc_delta", param, where)),
    };
  }
}

type AdadeltaKernel = (
  p: FloatArray, g: FloatArray, sq: FloatArray, acc: FloatArray,
  rho: number, omr: number, eps: number, wd: number, negLr: number,
) => void;

/** The fused Adadelta loop; scalars arrive already cast to the parameter dtype. */
function adadeltaKernel(dtype: FloatDType, maximize: boolean, decay: boolean): AdadeltaKernel {
  return kernel<AdadeltaKernel>(`adadelta:${+maximize}${+decay}`, dtype, () => {
    const lines = ["const pi = p[i];", `let gi = ${maximize ? "-g[i]" : "g[i]"};`];
    if (decay) lines.push("gi = R(gi + wd * pi);"); // grad = grad.add(param, alpha=weight_decay)
    lines.push(
      "const s = R(R(sq[i] * rho) + R(omr * gi) * gi);", // square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
      "sq[i] = s;",
      "const std = R(Math.sqrt(R(s + eps)));", // square_avg.add(eps).sqrt_()
      "const delta = R(R(R(Math.sqrt(R(acc[i] + eps))) / std) * gi);", // acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
      "acc[i] = R(R(acc[i] * rho) + R(omr * delta) * delta);", // acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
      "p[i] = pi + negLr * delta;", // param.add_(delta, alpha=-lr)
    );
    return { args: ["p", "g", "sq", "acc", "rho", "omr", "eps", "wd", "negLr"], body: lines.join("\n") };
  });
}

/** The same update in WebAssembly SIMD, float32 only, identical results. Arrays: p, g, sq, acc (state resident or not). */
function adadeltaSimd(maximize: boolean, decay: boolean, resident: readonly boolean[]): VectorKernelSpec {
  const rw = (i: number): VectorArraySpec => ({ read: true, write: true, resident: resident[i] });
  return {
    arrays: [rw(0), { read: true, write: false }, rw(2), rw(3)],
    scalars: 5,
    body: (v) => {
      const [rho, omr, eps, wd, negLr] = [0, 1, 2, 3, 4].map((i) => v.scalar(i)) as [Vec, Vec, Vec, Vec, Vec];
      const pi = v.load(0);
      let gi = v.load(1);
      if (maximize) gi = v.neg(gi);
      if (decay) gi = v.fma(gi, wd, pi);
      const s = v.fma(v.mul(v.load(2), rho), v.mul(omr, gi), gi);
      v.store(2, s);
      const std = v.sqrt(v.add(s, eps));
      const acc = v.load(3);
      const delta = v.mul(v.div(v.sqrt(v.add(acc, eps)), std), gi);
      v.store(3, v.fma(v.mul(acc, rho), v.mul(omr, delta), delta));
      v.store(0, v.fma(pi, negLr, delta));
    },
  };
}
