import type { Tensor } from "../../tensor/index.js";

/** A pooling size given as one int for both spatial dims or as (height, width), as in PyTorch. */
export type IntOrPair = number | readonly [number, number];

/** The (height, width) of `value`; `op` and `name` go into the error for a malformed one. */
export function pairOf(value: IntOrPair, op: string, name: string): [number, number] {
  const pair: readonly number[] = typeof value === "number" ? [value, value] : value;
  if (pair.length !== 2 || !pair.every(Number.isInteger)) {
    throw new RangeError(`${op}: ${name} must either be a single int, or a tuple of two ints, got ${JSON.stringify(value)}`);
  }
  return [pair[0]!, pair[1]!];
}

/**
 * PyTorch's `pooling_output_shape` for one spatial dim, with its argument checks. With ceil_mode the
 * last window may hang over the end, but must start inside the input or its left padding.
 */
export function pooledSize(input: number, kernel: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  if (stride === 0) throw new RangeError("stride should not be zero");
  if (pad < 0) throw new RangeError(`pad must be non-negative, but got pad: ${pad}`);
  if (pad > Math.floor(kernel / 2)) throw new RangeError(`pad should be at most half of kernel size, but got pad=${pad} and kernel_size=${kernel}`);
  let out = Math.floor((input + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= input + pad) out--;
  return out;
}

/** Where a 2-d pooling reads and writes: `planes` independent [H, W] images of the input. */
export interface PoolGeometry {
  planes: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  /** The output's shape: the input's with the last two dims pooled. */
  outShape: number[];
}

export interface Pool2dParams {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
}

/** PyTorch's `pool2d_shape_check` for an input [C, H, W] or [N, C, H, W], and the output's size. */
export function pool2dGeometry(input: Tensor, p: Pool2dParams): PoolGeometry {
  const [kH, kW] = p.kernel;
  const [dH, dW] = p.stride;
  const [padH, padW] = p.padding;
  const [dilH, dilW] = p.dilation;
  const inH = input.shape[input.ndim - 2] ?? 0;
  const inW = input.shape[input.ndim - 1] ?? 0;
  const outH = pooledSize(inH, kH, padH, dH, dilH, p.ceilMode);
  const outW = pooledSize(inW, kW, padW, dW, dilW, p.ceilMode);
  if (kH <= 0 || kW <= 0) throw new RangeError(`kernel size should be greater than zero, but got kH: ${kH} kW: ${kW}`);
  if (dH <= 0 || dW <= 0) throw new RangeError(`stride should be greater than zero, but got dH: ${dH} dW: ${dW}`);
  if (dilH <= 0 || dilW <= 0) {
    throw new RangeError(`dilation should be greater than zero, but got dilationH: ${dilH} dilationW: ${dilW}`);
  }
  const nonEmpty = input.shape.slice(-3).every((s) => s > 0);
  if ((input.ndim !== 3 && input.ndim !== 4) || !nonEmpty) throw new RangeError("non-empty 3D or 4D (batch mode) tensor expected for input");
  if (outH < 1 || outW < 1) {
    const c = input.shape[input.ndim - 3]!;
    throw new RangeError(`Given input size: (${c}x${inH}x${inW}). Calculated output size: (${c}x${outH}x${outW}). Output size is too small`);
  }
  const planes = input.numel() / (inH * inW);
  return { planes, inH, inW, outH, outW, outShape: [...input.shape.slice(0, -2), outH, outW] };
}
