/**
 * PyTorch 1.13's `torch.optim.RMSprop` (single-tensor path): smoothing `alpha`, optional momentum,
 * centered variant, weight decay (L2) and maximize.
 *
 * Numerics (float32), per element, with PyTorch's order and fused multiply-adds:
 *   sq = fl(fl(sq*alpha) + fl(fl(1-alpha)*g)*g)                        square_avg.mul_().addcmul_()
 *   centered: ga = fl(fl(ga*alpha) + fl(1-alpha)*g); avg = fl(sqrt(fl(sq - ga*ga)))
 *   otherwise avg = fl(sqrt(sq));  avg = fl(avg + fl(eps))
 *   momentum: buf = fl(fl(buf*momentum) + fl(g/avg)); param = fl(param + fl(-lr)*buf)
 *   otherwise param = fl(param + fl(fl(fl(-lr)*g) / avg))
 *
 * float32 tensors of 64 elements or more are updated in WebAssembly SIMD (the same formulas, the
 * same bits; see kernel.ts and src/tensor/kernels/wasm/vector.ts), the state buffers living in the
 * optimizer's WebAssembly memory (`stateBuffer`), the JavaScript loop below being the reference.
 */
import { kernel, scalar, simdKernel, type FloatArray } from "./kernel.js";
import { Tensor, type FloatDType, type VectorArraySpec, type VectorKernelSpec } from "../tensor/index.js";
import {
  Optimizer,
  checkNonNegative,
  checkStateKeys,
  copyTensor,
  readBuffer,
  readStep,
  type ParamGroup,
  type ParamsInput,
  type SavedState,
} from "./optimizer.js";
import type { ParamStateDict } from "./state_dict.js";

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export type RMSpropGroup = ParamGroup<RMSpropOptions>;

export interface RMSpropState {
  /** The number of steps taken (a Python int in PyTorch). */
  step: number;
  squareAvg: Tensor;
  /** Only with momentum > 0. */
  momentumBuffer: Tensor | null;
  /** Only when centered. */
  gradAvg: Tensor | null;
}

function validateRMSprop(o: RMSpropOptions): void {
  checkNonNegative(o.lr, "Invalid learning rate");
  checkNonNegative(o.eps, "Invalid epsilon value");
  checkNonNegative(o.momentum, "Invalid momentum value");
  checkNonNegative(o.weightDecay, "Invalid weight_decay value");
  checkNonNegative(o.alpha, "Invalid alpha value");
}

/** `new RMSprop(params, { lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false, maximize = false })` */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: ParamsInput<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    const defaults: RMSpropOptions = {
      lr: options.lr ?? 1e-2,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      momentum: options.momentum ?? 0,
      centered: options.centered ?? false,
      maximize: options.maximize ?? false,
    };
    validateRMSprop(defaults);
    super(params, defaults);
  }

  protected validateGroup(group: RMSpropOptions): void {
    validateRMSprop(group);
  }

  protected updateGroup(group: RMSpropGroup): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    for (const p of group.params) {
      const g = this.gradData(p);
      if (g === null) continue;
      let st = this.state.get(p);
      if (st === undefined) {
        st = { step: 0, squareAvg: this.stateBuffer(p), momentumBuffer: null, gradAvg: null };
        this.state.set(p, st);
      }
      // Created with the state, or when momentum / centered are switched on later.
      if (momentum > 0 && st.momentumBuffer === null) st.momentumBuffer = this.stateBuffer(p);
      if (centered && st.gradAvg === null) st.gradAvg = this.stateBuffer(p);
      st.step += 1;
      const dtype = p.dtype as FloatDType;
      const flags = [maximize, weightDecay !== 0, centered, momentum > 0] as const;
      const pd = p.data as FloatArray;
      const ga = (centered ? st.gradAvg!.data : null) as FloatArray | null;
      const buf = (momentum > 0 ? st.momentumBuffer!.data : null) as FloatArray | null;
      const arrays = [pd, g, st.squareAvg.data, ga, buf] as (Float32Array | null)[];
      const mem = this.stateMemory();
      const resident = arrays.map((a, i) => i >= 2 && a !== null && mem !== null && mem.addressOf(a) >= 0);
      const key = `rmsprop:${flags.map(Number).join("")}:${resident.map(Number).join("")}`;
      const simd = simdKernel(key, dtype, pd.length, () => rmspropSimd(...flags, resident));
      if (simd) {
        simd.run(pd.length, arrays, [
          scalar(dtype, alpha), scalar(dtype, 1 - alpha), scalar(dtype, eps), scalar(dtype, weightDecay),
          scalar(dtype, momentum), scalar(dtype, -lr),
        ], mem);
        continue;
      }
      const run = rmspropKernel(dtype, ...flags);
      run(pd, g, st.squareAvg.data as FloatArray, ga, buf,
        scalar(dtype, alpha), scalar(dtype, 1 - alpha), scalar(dtype, eps), scalar(dtype, weightDecay),
        scalar(dtype, momentum), scalar(dtype, -lr));
    }
  }

  protected packState(st: RMSpropState): ParamStateDict {
    const out: ParamStateDict = { step: st.step, square_avg: copyTensor(st.squareAvg) };
    if (st.momentumBuffer !== null) out.momentum_buffer = copyTensor(st.momentumBuffer);
    if (st.gradAvg !== null) out.grad_avg = copyTensor(st.gradAvg);
    return out;
  }

  protected unpackState(saved: SavedState, param: Tensor, group: RMSpropOptions, where: string): RMSpropState {
    const required = ["step", "square_avg"];
    if (group.momentum > 0) required.push("momentum_buffer");
    if (group.centered) required.push("grad_avg");
    checkStateKeys(saved, required, ["step", "square_avg", "momentum_buffer", "grad_avg"], "RMSprop", where);
    const opt = (key: string): Tensor | null =>
      saved[key] === undefined || saved[key] === null ? null : readBuffer(saved, key, param, where);
    return {
      step: readStep(saved, where),
      squareAvg: this.adoptState(readBuffer(saved, "square_avg", param, where)),
      momentumBuffer: this.adoptState(opt("momentum_buffer")),
      gradAvg: this.adoptState(opt("grad_avg")),
    };
  }
}

type RMSpropKernel = (
  p: FloatArray, g: FloatArray, sq: FloatArray, ga: FloatArray | null, buf: FloatArray | null,
  a: number, oma: number, eps: number, wd: number, mom: number, negLr: number,
) => void;

/** The fused RMSprop loop; scalars arrive already cast to the parameter dtype. */
function rmspropKernel(dtype: FloatDType, maximize: boolean, decay: boolean, centered: boolean, momentum: boolean): RMSpropKernel {
  return kernel<RMSpropKernel>(`rmsprop:${+maximize}${+decay}${+centered}${+momentum}`, dtype, () => {
    const lines = ["const pi = p[i];", `let gi = ${maximize ? "-g[i]" : "g[i]"};`];
    if (decay) lines.push("gi = R(gi + wd * pi);"); // grad = grad.add(param, alpha=weight_decay)
    lines.push("const s = R(R(sq[i] * a) + R(oma * gi) * gi);", "sq[i] = s;"); // square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
    if (centered) {
      lines.push(
        "const gai = R(R(ga[i] * a) + oma * gi);", // grad_avg.mul_(alpha).add_(grad, alpha=1 - alpha)
        "ga[i] = gai;",
        "const avg = R(R(Math.sqrt(R(s - gai * gai))) + eps);", // square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_().add_(eps)
      );
    } else {
      lines.push("const avg = R(R(Math.sqrt(s)) + eps);"); // square_avg.sqrt().add_(eps)
    }
    if (momentum) {
      lines.push(
        "const b = R(R(buf[i] * mom) + R(gi / avg));", // buf.mul_(momentum).addcdiv_(grad, avg)
        "buf[i] = b;",
        "p[i] = pi + negLr * b;", // param.add_(buf, alpha=-lr)
      );
    } else {
      lines.push("p[i] = pi + R(R(negLr * gi) / avg);"); // param.addcdiv_(grad, avg, value=-lr)
    }
    return { args: ["p", "g", "sq", "ga", "buf", "a", "oma", "eps", "wd", "mom", "negLr"], body: lines.join("\n") };
  });
}

/** The same update in WebAssembly SIMD, float32 only, identical results. Arrays: p, g, sq, ga, buf (state resident or not). */
function rmspropSimd(maximize: boolean, decay: boolean, centered: boolean, momentum: boolean, resident: readonly boolean[]): VectorKernelSpec {
  const rw = (i: number): VectorArraySpec => ({ read: true, write: true, resident: resident[i] });
  const unused = { read: false, write: false };
  return {
    arrays: [rw(0), { read: true, write: false }, rw(2), centered ? rw(3) : unused, momentum ? rw(4) : unused],
    scalars: 6,
    body: (v) => {
      const [a, oma, eps, wd, mom, negLr] = [0, 1, 2, 3, 4, 5].map((i) => v.scalar(i)) as ReturnType<typeof v.scalar>[];
      const pi = v.load(0);
      let gi = v.load(1);
      if (maximize) gi = v.neg(gi);
      if (decay) gi = v.fma(gi, wd!, pi);
      const s = v.fma(v.mul(v.load(2), a!), v.mul(oma!, gi), gi);
      v.store(2, s);
      let avg;
      if (centered) {
        const gai = v.fma(v.mul(v.load(3), a!), oma!, gi);
        v.store(3, gai);
        avg = v.add(v.sqrt(v.fma(s, v.neg(gai), gai)), eps!); // R(s - gai * gai): the same double
      } else {
        avg = v.add(v.sqrt(s), eps!);
      }
      if (momentum) {
        const b = v.add(v.mul(v.load(4), mom!), v.div(gi, avg));
        v.store(4, b);
        v.store(0, v.fma(pi, negLr!, b));
      } else {
        v.store(0, v.add(pi, v.div(v.mul(negLr!, gi), avg)));
      }
    },
  };
}
