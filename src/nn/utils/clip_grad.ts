/**
 * PyTorch 1.13's `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`.
 *
 * Unlike PyTorch, the clipped gradients are new tensors assigned to `.grad`, never written into
 * the old ones: Kiln never mutates a gradient in place, since it may share storage with other
 * tensors (see `Optimizer.zeroGrad`).
 *
 * Numerics: each gradient's norm is accumulated in double and rounded once to the gradient's
 * dtype (PyTorch accumulates float32 in float32 lanes, so the two may differ in the last bits);
 * the rest follows PyTorch's float32 tensor ops exactly: `clip_coef = max_norm / (total + 1e-6)`
 * is `fl(fl(1 / fl(total + fl(1e-6))) * fl(max_norm))` (Tensor.__rtruediv__ is reciprocal, then
 * multiply), clamped to 1, and every gradient is multiplied by it.
 */
import { Tensor, type FloatDType } from "../../tensor/index.js";

/** What the clipping functions take: one tensor, or an iterable of them (a module's parameters). */
export type Parameters = Tensor | Iterable<Tensor>;

export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite instead of scaling by it (default false). */
  errorIfNonfinite?: boolean;
}

/** The parameters that have a gradient, each once (an iterable is read once: it may be a generator). */
function withGrad(parameters: Parameters): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...new Set(parameters)];
  return list.filter((p) => p.grad !== null);
}

/** A gradient scaled or clamped element by element, as a new tensor of its dtype. */
function mapGrad(g: Tensor, f: (x: number) => number): Tensor {
  const src = floatData(g);
  const out = g.dtype === "float32" ? new Float32Array(src.length) : new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]!);
  return new Tensor(out, g.shape, g.dtype);
}

function floatData(t: Tensor): Float32Array | Float64Array {
  if (t.dtype !== "float32" && t.dtype !== "float64") throw new TypeError(`gradients must be float32 or float64, got ${t.dtype}`);
  return t.data as Float32Array | Float64Array;
}

const round = (dtype: FloatDType, x: number): number => (dtype === "float32" ? Math.fround(x) : x);

/** `torch.norm(x, p)` of a flat vector, in double: p = ±inf, 0 (nonzero count), or any other p. */
function vectorNorm(x: ArrayLike<number>, p: number): number {
  if (p === Infinity || p === -Infinity) {
    let m = p === Infinity ? 0 : Infinity;
    for (let i = 0; i < x.length; i++) {
      const a = Math.abs(x[i]!);
      if (Number.isNaN(a)) return NaN;
      m = p === Infinity ? Math.max(m, a) : Math.min(m, a);
    }
    return m;
  }
  let acc = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]!);
    acc += p === 0 ? (a !== 0 ? 1 : 0) : p === 1 ? a : p === 2 ? a * a : a ** p;
  }
  return p === 0 || p === 1 ? acc : p === 2 ? Math.sqrt(acc) : acc ** (1 / p);
}

/** Python's str() of a float, for PyTorch's message: 2.0, 1.5, inf. */
function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

/**
 * `clipGradNorm_(parameters, maxNorm, normType = 2, { errorIfNonfinite = false })`: scales the
 * gradients of `parameters` so that their norm, taken over all of them together, is at most
 * `maxNorm`. Returns that total norm (before clipping) as a 0-d tensor, as PyTorch: the
 * `normType`-norm of the per-gradient norms (`Infinity`: the largest |gradient|).
 */
export function clipGradNorm_(parameters: Parameters, maxNorm: number, normType = 2, options: ClipGradNormOptions = {}): Tensor {
  const params = withGrad(parameters);
  const grads = params.map((p) => p.grad!);
  if (grads.length === 0) return new Tensor(new Float32Array(1), [], "float32"); // torch.tensor(0.)
  const dtype: FloatDType = grads.some((g) => g.dtype === "float64") ? "float64" : "float32";
  const norms = grads.map((g) => round(g.dtype as FloatDType, vectorNorm(floatData(g), normType)));
  const total = round(dtype, vectorNorm(norms, normType));
  if (options.errorIfNonfinite === true && !Number.isFinite(total)) {
    throw new Error(
      `The total norm of order ${pyFloat(normType)} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
        "To disable this error and scale the gradients by the non-finite norm anyway, set `errorIfNonfinite=false`",
    );
  }
  const coef = round(dtype, round(dtype, 1 / round(dtype, total + round(dtype, 1e-6))) * round(dtype, maxNorm));
  const clamped = coef > 1 ? 1 : coef; // torch.clamp(max=1.0): NaN stays NaN
  for (const p of params) {
    const c = round(p.grad!.dtype as FloatDType, clamped);
    p.grad = mapGrad(p.grad!, (x) => x * c);
  }
  return new Tensor(dtype === "float32" ? Float32Array.of(total) : Float64Array.of(total), [], dtype);
}

/** `clipGradValue_(parameters, clipValue)`: clamps every gradient element into [-clipValue, clipValue] (NaN stays NaN). */
export function clipGradValue_(parameters: Parameters, clipValue: number): void {
  for (const p of withGrad(parameters)) {
    const dtype = p.grad!.dtype as FloatDType;
    const hi = round(dtype, clipValue);
    const lo = round(dtype, -clipValue);
    p.grad = mapGrad(p.grad!, (x) => (x < lo ? lo : x > hi ? hi : x));
  }
}
