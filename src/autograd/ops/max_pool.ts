import { allocate, formatShape, isFloating, Tensor, type FloatStorage } from "../../tensor/index.js";
import { record } from "../node.js";
import { pairOf, pool2dGeometry, type IntOrPair, type Pool2dParams } from "./pool_geometry.js";
import { squeeze, unsqueeze } from "./shape.js";

export interface MaxPool2dOptions {
  /** Default (null): the kernel size. */
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  dilation?: IntOrPair;
  ceilMode?: boolean;
}

export interface MaxPool1dOptions {
  stride?: number | null;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
}

/**
 * 2-d max pooling over the last two dims of [C, H, W] or [N, C, H, W] (PyTorch's `F.max_pool2d`).
 * Padding counts as −∞. The gradient goes to the maximum of each window: the first one in
 * row-major order on ties, a NaN if the window holds one, as PyTorch's CPU kernel picks them.
 */
export function maxPool2d(input: Tensor, kernelSize: IntOrPair, options: MaxPool2dOptions = {}): Tensor {
  const kernel = pairOf(kernelSize, "max_pool2d", "kernel_size");
  const params: Pool2dParams = {
    kernel,
    stride: options.stride == null ? kernel : pairOf(options.stride, "max_pool2d", "stride"),
    padding: pairOf(options.padding ?? 0, "max_pool2d", "padding"),
    dilation: pairOf(options.dilation ?? 1, "max_pool2d", "dilation"),
    ceilMode: options.ceilMode ?? false,
  };
  return maxPool2dChecked(input, params);
}

/**
 * 1-d max pooling over the last dim of [C, L] or [N, C, L] (PyTorch's `F.max_pool1d`): a 2-d
 * pooling of height 1, as PyTorch computes it when a gradient is wanted.
 */
export function maxPool1d(input: Tensor, kernelSize: number, options: MaxPool1dOptions = {}): Tensor {
  const stride = options.stride ?? kernelSize;
  const padding = options.padding ?? 0;
  const dilation = options.dilation ?? 1;
  if (input.ndim !== 2 && input.ndim !== 3) {
    throw new RangeError(`max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:${formatShape(input.shape)}`);
  }
  for (const [name, value] of Object.entries({ kernel_size: kernelSize, stride, padding, dilation })) {
    if (!Number.isInteger(value)) throw new TypeError(`max_pool1d(): ${name} must be an int, got ${value}`);
  }
  if (!(kernelSize > 0)) throw new RangeError(`max_pool1d() kernel_size must be greater than zero, but got ${kernelSize}`);
  if (!(stride > 0)) throw new RangeError(`max_pool1d() stride must be greater than zero, but got ${stride}`);
  if (!(padding >= 0)) throw new RangeError(`max_pool1d() padding must be non-negative, but got ${padding}`);
  if (padding > Math.floor(kernelSize / 2)) {
    throw new RangeError(`max_pool1d() padding should be at most half of kernel size, but got padding=${padding} and kernel_size=${kernelSize}`);
  }
  if (!(dilation > 0)) throw new RangeError(`max_pool1d() dilation must be greater than zero, but got ${dilation}`);
  const params: Pool2dParams = {
    kernel: [1, kernelSize],
    stride: [1, stride],
    padding: [0, padding],
    dilation: [1, dilation],
    ceilMode: options.ceilMode ?? false,
  };
  return squeeze(maxPool2dChecked(unsqueeze(input, -2), params), -2);
}

function maxPool2dChecked(input: Tensor, p: Pool2dParams): Tensor {
  if (!isFloating(input.dtype)) throw new TypeError(`max_pool2d: expected a floating point input, got ${input.dtype}`);
  const { planes, inH, inW, outH, outW, outShape } = pool2dGeometry(input, p);
  const [kH, kW] = p.kernel;
  const [dH, dW] = p.stride;
  const [padH, padW] = p.padding;
  const [dilH, dilW] = p.dilation;
  const x = input.data as FloatStorage;
  const out = allocate(input.dtype, planes * outH * outW) as FloatStorage;
  // per output element, the flat input index of its window's maximum (−1 for a window that lies
  // wholly in the padding, which only dilation makes possible)
  const argmax = new Int32Array(out.length);
  const inside = padH === 0 && padW === 0 && dilH === 1 && dilW === 1 && (outH - 1) * dH + kH <= inH && (outW - 1) * dW + kW <= inW;
  if (inside && kH === 2 && kW === 2) maxPool2x2(x, out, argmax, planes, inH, inW, outH, outW, dH, dW);
  else if (inside) maxPoolInside(x, out, argmax, planes, inH, inW, outH, outW, kH, kW, dH, dW);
  else {
    for (let plane = 0; plane < planes; plane++) {
      const base = plane * inH * inW;
      for (let oh = 0; oh < outH; oh++) {
        let h0 = oh * dH - padH;
        const h1 = Math.min(h0 + (kH - 1) * dilH + 1, inH);
        while (h0 < 0) h0 += dilH;
        for (let ow = 0; ow < outW; ow++) {
          let w0 = ow * dW - padW;
          const w1 = Math.min(w0 + (kW - 1) * dilW + 1, inW);
          while (w0 < 0) w0 += dilW;
          let best = h0 < h1 && w0 < w1 ? base + h0 * inW + w0 : -1;
          let max = -Infinity;
          for (let h = h0; h < h1; h += dilH) {
            for (let w = w0; w < w1; w += dilW) {
              const i = base + h * inW + w;
              const v = x[i]!;
              if (v > max || v !== v) {
                max = v;
                best = i;
              }
            }
          }
          const o = (plane * outH + oh) * outW + ow;
          out[o] = max;
          argmax[o] = best;
        }
      }
    }
  }
  const result = new Tensor(out, outShape, input.dtype);
  return record(result, "MaxPool2DWithIndicesBackward0", [input], (g) => {
    const gd = g.data as FloatStorage;
    const gx = allocate(input.dtype, x.length) as FloatStorage;
    for (let o = 0; o < gd.length; o++) {
      const i = argmax[o]!;
      if (i >= 0) gx[i]! += gd[o]!;
    }
    return [new Tensor(gx, input.shape, input.dtype)];
  });
}

/**
 * The common case of windows that lie wholly inside the input (no padding, no dilation): each
 * window starts at its first element, then takes a later one that is larger or NaN, exactly as the
 * general loop (which starts from −∞) decides.
 */
function maxPoolInside(
  x: FloatStorage,
  out: FloatStorage,
  argmax: Int32Array,
  planes: number,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
  kH: number,
  kW: number,
  dH: number,
  dW: number,
): void {
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    for (let oh = 0; oh < outH; oh++) {
      const row = (plane * inH + oh * dH) * inW;
      for (let ow = 0; ow < outW; ow++, o++) {
        const start = row + ow * dW;
        let best = start;
        let max = x[start]!;
        for (let h = 0; h < kH; h++) {
          const line = start + h * inW;
          for (let i = h === 0 ? line + 1 : line; i < line + kW; i++) {
            const v = x[i]!;
            if (v > max || v !== v) {
              max = v;
              best = i;
            }
          }
        }
        out[o] = max;
        argmax[o] = best;
      }
    }
  }
}

/** maxPoolInside for 2×2 windows (MaxPool2d(2), the usual one), unrolled. */
function maxPool2x2(
  x: FloatStorage,
  out: FloatStorage,
  argmax: Int32Array,
  planes: number,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
  dH: number,
  dW: number,
): void {
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    for (let oh = 0; oh < outH; oh++) {
      const row = (plane * inH + oh * dH) * inW;
      for (let ow = 0; ow < outW; ow++, o++) {
        const s = row + ow * dW;
        let best = s;
        let max = x[s]!;
        const b = x[s + 1]!;
        if (b > max || b !== b) {
          max = b;
          best = s + 1;
        }
        const c = x[s + inW]!;
        if (c > max || c !== c) {
          max = c;
          best = s + inW;
        }
        const d = x[s + inW + 1]!;
        if (d > max || d !== d) {
          max = d;
          best = s + inW + 1;
        }
        out[o] = max;
        argmax[o] = best;
      }
    }
  }
}
