/**
 * PyTorch 1.13's `torch.optim.SGD` (single-tensor path), with momentum, dampening, Nesterov,
 * weight decay (L2) and maximize.
 *
 * Numerics: float32 parameters are updated element by element exactly as PyTorch's CPU kernels
 * do, every scalar cast to float32 (`Math.fround`) and `add(x, alpha=a)` computed as a fused
 * multiply-add (`fround(self + a * x)`, exact in double for float32 operands), which is what
 * PyTorch's AVX2/AVX512 builds compute. float64 parameters use the same formulas in double,
 * unfused (at most an ulp per operation away from PyTorch).
 *
 * float32 tensors of 64 elements or more are updated in WebAssembly SIMD (the same formulas, the
 * same bits; see kernel.ts and src/tensor/kernels/wasm/vector.ts), the state buffers living in the
 * optimizer's WebAssembly memory (`stateBuffer`), the JavaScript loop below being the reference.
 */
import { kernel, scalar, simdKernel, type FloatArray } from "./kernel.js";
import { Tensor, type FloatDType, type VectorKernelSpec } from "../tensor/index.js";
import { Optimizer, checkNonNegative, checkStateKeys, copyTensor, readBuffer, type ParamGroup, type ParamGroupInput, type ParamsInput, type SavedState } from "./optimizer.js";
import type { ParamStateDict } from "./state_dict.js";

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export type SGDGroup = ParamGroup<SGDOptions>;

export interface SGDState {
  /** null until a step with momentum (PyTorch keeps `momentum_buffer = None`). */
  momentumBuffer: Tensor | null;
}

/** PyTorch's message for a broken `violatesNesterovRule`; the schema layer reports the rule with it too. */
export const NESTEROV_RULE_MESSAGE = "Nesterov momentum requires a momentum and zero dampening";

/** Whether `options` ask for Nesterov momentum without a momentum > 0 and zero dampening (PyTorch refuses it). */
export function violatesNesterovRule(options: Pick<SGDOptions, "nesterov" | "momentum" | "dampening">): boolean {
  return options.nesterov && (options.momentum <= 0 || options.dampening !== 0);
}

function validateSGD(o: SGDOptions): void {
  if (o.lr !== undefined) checkNonNegative(o.lr, "Invalid learning rate");
  checkNonNegative(o.momentum, "Invalid momentum value");
  checkNonNegative(o.weightDecay, "Invalid weight_decay value");
  if (typeof o.dampening !== "number") throw new TypeError(`Invalid dampening value: ${String(o.dampening)}`);
  if (violatesNesterovRule(o)) throw new RangeError(NESTEROV_RULE_MESSAGE);
}

export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: Iterable<Tensor>, options: Partial<SGDOptions> & { lr: number });
  constructor(params: Iterable<ParamGroupInput<SGDOptions>>, options?: Partial<SGDOptions>);
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    const defaults: SGDOptions = {
      lr: options.lr as number, // required: here or in every group
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    };
    validateSGD(defaults);
    super(params, defaults);
  }

  protected validateGroup(group: SGDOptions): void {
    validateSGD(group);
  }

  protected updateGroup(group: SGDGroup): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    for (const p of group.params) {
      const g = this.gradData(p);
      if (g === null) continue;
      let st = this.state.get(p);
      if (st === undefined) {
        st = { momentumBuffer: null };
        this.state.set(p, st);
      }
      let mode: "none" | "first" | "steady" = "none";
      if (momentum !== 0) {
        mode = "steady";
        if (st.momentumBuffer === null) {
          st.momentumBuffer = this.stateBuffer(p);
          mode = "first"; // PyTorch: buf = clone(d_p)
        }
      }
      const dtype = p.dtype as FloatDType;
      const pd = p.data as FloatArray;
      const buf = (st.momentumBuffer?.data ?? null) as FloatArray | null;
      const decay = weightDecay !== 0;
      const mem = this.stateMemory();
      const resident = buf !== null && mem !== null && mem.addressOf(buf as Float32Array) >= 0;
      const key = `sgd:${+maximize}${+decay}${mode}${+nesterov}${+resident}`;
      const simd = simdKernel(key, dtype, pd.length, () => sgdSimd(maximize, decay, mode, nesterov, resident));
      if (simd) {
        simd.run(pd.length, [pd as Float32Array, g as Float32Array, buf as Float32Array | null],
          [scalar(dtype, -lr), scalar(dtype, weightDecay), scalar(dtype, momentum), scalar(dtype, 1 - dampening)], mem);
        continue;
      }
      const run = sgdKernel(dtype, maximize, decay, mode, nesterov);
      run(pd, g, buf, scalar(dtype, -lr), scalar(dtype, weightDecay), scalar(dtype, momentum), scalar(dtype, 1 - dampening));
    }
  }

  protected packState(st: SGDState): ParamStateDict {
    return { momentum_buffer: st.momentumBuffer === null ? null : copyTensor(st.momentumBuffer) };
  }

  protected unpackState(saved: SavedState, param: Tensor, _group: SGDOptions, where: string): SGDState {
    checkStateKeys(saved, [], ["momentum_buffer"], "SGD", where);
    const b = saved.momentum_buffer;
    return { momentumBuffer: b === undefined || b === null ? null : this.adoptState(readBuffer(saved, "momentum_buffer", param, where)) };
  }
}

type SGDKernel = (p: FloatArray, g: FloatArray, buf: FloatArray | null, negLr: number, wd: number, mom: number, damp: number) => void;

/** The fused SGD loop; scalars arrive already cast to the parameter dtype. */
function sgdKernel(dtype: FloatDType, maximize: boolean, decay: boolean, mode: "none" | "first" | "steady", nesterov: boolean): SGDKernel {
  return kernel<SGDKernel>(`sgd:${+maximize}${+decay}${mode}${+nesterov}`, dtype, () => {
    const lines = ["const pi = p[i];", `let d = ${maximize ? "-g[i]" : "g[i]"};`];
    if (decay) lines.push("d = R(d + wd * pi);"); // d_p = d_p.add(param, alpha=weight_decay)
    if (mode === "first") lines.push("const b = d;"); // buf = torch.clone(d_p)
    if (mode === "steady") lines.push("const b = R(R(buf[i] * mom) + damp * d);"); // buf.mul_(momentum).add_(d_p, alpha=1 - dampening)
    if (mode !== "none") lines.push("buf[i] = b;", nesterov ? "d = R(d + mom * b);" : "d = b;"); // d_p = d_p.add(buf, alpha=momentum) or buf
    lines.push("p[i] = pi + negLr * d;"); // param.add_(d_p, alpha=-lr)
    return { args: ["p", "g", "buf", "negLr", "wd", "mom", "damp"], body: lines.join("\n") };
  });
}

/** The same update in WebAssembly SIMD, float32 only, identical results. Arrays: p, g, buf (resident or not). */
function sgdSimd(maximize: boolean, decay: boolean, mode: "none" | "first" | "steady", nesterov: boolean, resident: boolean): VectorKernelSpec {
  return {
    arrays: [
      { read: true, write: true },
      { read: true, write: false },
      { read: mode === "steady", write: mode !== "none", resident },
    ],
    scalars: 4,
    body: (v) => {
      const [negLr, wd, mom, damp] = [0, 1, 2, 3].map((i) => v.scalar(i)) as [ReturnType<typeof v.scalar>, ReturnType<typeof v.scalar>, ReturnType<typeof v.scalar>, ReturnType<typeof v.scalar>];
      const pi = v.load(0);
      let d = v.load(1);
      if (maximize) d = v.neg(d);
      if (decay) d = v.fma(d, wd, pi);
      if (mode !== "none") {
        const b = mode === "first" ? d : v.fma(v.mul(v.load(2), mom), damp, d);
        v.store(2, b);
        d = nesterov ? v.fma(d, mom, b) : b;
      }
      v.store(0, v.fma(pi, negLr, d));
    },
  };
}
