import { allocate, formatShape, numel, Tensor, type FloatStorage } from "../../tensor/index.js";
import { record } from "../node.js";

/**
 * Layer normalisation over the trailing `normalizedShape` dims, with optional elementwise affine
 * weight and bias (PyTorch's `F.layer_norm`). Statistics use the biased variance.
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || x.ndim < k || tail.some((s, i) => s !== normalizedShape[i])) {
    throw new RangeError(
      `Given normalized_shape=${formatShape(normalizedShape)}, expected input with shape [*, ${normalizedShape.join(", ")}], ` +
        `but got input of size ${formatShape(x.shape)}`,
    );
  }
  const n = numel(normalizedShape);
  const rows = x.numel() / Math.max(n, 1);
  const xd = x.data as FloatStorage;
  const wd = weight ? (weight.data as FloatStorage) : null;
  const bd = bias ? (bias.data as FloatStorage) : null;
  const out = allocate(x.dtype, xd.length) as FloatStorage;
  const xhat = new Float64Array(xd.length);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += xd[base + i]!;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (xd[base + i]! - mean) ** 2;
    const rs = 1 / Math.sqrt(v / n + eps);
    rstd[r] = rs;
    for (let i = 0; i < n; i++) {
      const h = (xd[base + i]! - mean) * rs;
      xhat[base + i] = h;
      out[base + i] = h * (wd ? wd[i]! : 1) + (bd ? bd[i]! : 0);
    }
  }
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const result = new Tensor(out, x.shape, x.dtype);
  return record(result, "NativeLayerNormBackward0", inputs, (g, needs) => {
    const gd = g.data as FloatStorage;
    const gx = needs[0] ? (allocate(x.dtype, xd.length) as FloatStorage) : null;
    const gw = weight ? new Float64Array(n) : null;
    const gb = bias ? new Float64Array(n) : null;
    for (let r = 0; r < rows; r++) {
      const base = r * n;
      // dx̂ = g·w;  dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂))
      let sumD = 0;
      let sumDH = 0;
      for (let i = 0; i < n; i++) {
        const dh = gd[base + i]! * (wd ? wd[i]! : 1);
        sumD += dh;
        sumDH += dh * xhat[base + i]!;
        if (gw) gw[i]! += gd[base + i]! * xhat[base + i]!;
        if (gb) gb[i]! += gd[base + i]!;
      }
      if (gx) {
        for (let i = 0; i < n; i++) {
          const dh = gd[base + i]! * (wd ? wd[i]! : 1);
          gx[base + i] = rstd[r]! * (dh - sumD / n - xhat[base + i]! * (sumDH / n));
        }
      }
    }
    const asTensor = (d: Float64Array | null, like: Tensor | null | undefined): Tensor | null => {
      if (!d || !like) return null;
      const t = Tensor.empty(like.shape, like.dtype);
      (t.data as FloatStorage).set(d);
      return t;
    };
    const grads: (Tensor | null)[] = [gx && new Tensor(gx, x.shape, x.dtype)];
    if (weight) grads.push(asTensor(gw, weight));
    if (bias) grads.push(asTensor(gb, bias));
    return grads;
  });
}
