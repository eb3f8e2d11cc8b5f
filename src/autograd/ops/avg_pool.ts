import { allocate, isFloating, Tensor, type FloatStorage } from "../../tensor/index.js";
import { record } from "../node.js";
import { pairOf, pool2dGeometry, type IntOrPair } from "./pool_geometry.js";

export interface AvgPool2dOptions {
  /** Default (null): the kernel size. */
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  ceilMode?: boolean;
  /** Whether the zero padding counts in a window's divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead (default null). */
  divisorOverride?: number | null;
}

/**
 * 2-d average pooling over the last two dims of [C, H, W] or [N, C, H, W] (PyTorch's
 * `F.avg_pool2d`). A window's divisor is `divisorOverride` if given, else its size clipped to the
 * padded input (countIncludePad) or to the input alone; the gradient spreads back by the same divisor.
 */
export function avgPool2d(input: Tensor, kernelSize: IntOrPair, options: AvgPool2dOptions = {}): Tensor {
  const [kH, kW] = pairOf(kernelSize, "avg_pool2d", "kernel_size");
  const [dH, dW] = options.stride == null ? [kH, kW] : pairOf(options.stride, "avg_pool2d", "stride");
  const [padH, padW] = pairOf(options.padding ?? 0, "avg_pool2d", "padding");
  const countIncludePad = options.countIncludePad ?? true;
  const divisorOverride = options.divisorOverride ?? null;
  if (divisorOverride === 0) throw new RangeError("divisor must be not zero");
  if (!isFloating(input.dtype)) throw new TypeError(`avg_pool2d: expected a floating point input, got ${input.dtype}`);
  const ceilMode = options.ceilMode ?? false;
  const geometry = pool2dGeometry(input, { kernel: [kH, kW], stride: [dH, dW], padding: [padH, padW], dilation: [1, 1], ceilMode });
  const { planes, inH, inW, outH, outW, outShape } = geometry;

  /** Each output position's window, clipped to the input, and its divisor; the same for every plane. */
  const windows: { h0: number; h1: number; w0: number; w1: number; divisor: number }[] = [];
  for (let oh = 0; oh < outH; oh++) {
    for (let ow = 0; ow < outW; ow++) {
      const top = oh * dH - padH;
      const left = ow * dW - padW;
      const bottom = Math.min(top + kH, inH + padH);
      const right = Math.min(left + kW, inW + padW);
      const [h0, h1, w0, w1] = [Math.max(top, 0), Math.min(bottom, inH), Math.max(left, 0), Math.min(right, inW)];
      const divisor = divisorOverride ?? (countIncludePad ? (bottom - top) * (right - left) : (h1 - h0) * (w1 - w0));
      windows.push({ h0, h1, w0, w1, divisor });
    }
  }

  const x = input.data as FloatStorage;
  const out = allocate(input.dtype, planes * outH * outW) as FloatStorage;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * inH * inW;
    windows.forEach(({ h0, h1, w0, w1, divisor }, k) => {
      let sum = 0;
      for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) sum += x[base + h * inW + w]!;
      out[plane * windows.length + k] = sum / divisor;
    });
  }
  const result = new Tensor(out, outShape, input.dtype);
  return record(result, "AvgPool2DBackward0", [input], (g) => {
    const gd = g.data as FloatStorage;
    const gx = allocate(input.dtype, x.length) as FloatStorage;
    for (let plane = 0; plane < planes; plane++) {
      const base = plane * inH * inW;
      windows.forEach(({ h0, h1, w0, w1, divisor }, k) => {
        const share = gd[plane * windows.length + k]! / divisor;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) gx[base + h * inW + w]! += share;
      });
    }
    return [new Tensor(gx, input.shape, input.dtype)];
  });
}
