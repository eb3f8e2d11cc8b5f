import { allocate, dtypeOfStorage, formatShape, isFloating, kernels, Tensor, type FloatStorage } from "../../tensor/index.js";
import { record } from "../node.js";
import { squeeze, unsqueeze } from "./shape.js";

/** An int for every spatial dim, a list of one per dim, or PyTorch's "same" / "valid". */
export type ConvPadding = number | readonly number[] | "same" | "valid";

/** The keyword arguments of `F.conv1d` / `F.conv2d`, with PyTorch's defaults. */
export interface ConvOptions {
  /** default 1 */
  stride?: number | readonly number[];
  /** zeros on both sides of each spatial dim; "same" keeps the input's size (stride 1 only); default 0 */
  padding?: ConvPadding;
  /** spacing between kernel elements; default 1 */
  dilation?: number | readonly number[];
  /** input and output channels split into this many independent groups; default 1 */
  groups?: number;
}

/**
 * 1-d convolution (PyTorch's cross-correlation) of input [N, C, L] (or unbatched [C, L]) with
 * weight [out, C / groups, k], plus an optional bias [out]. Runs as conv2d over a height of 1.
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return convolution("conv1d", 1, input, weight, bias ?? null, options);
}

/** 2-d convolution of input [N, C, H, W] (or unbatched [C, H, W]) with weight [out, C / groups, kH, kW]. */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return convolution("conv2d", 2, input, weight, bias ?? null, options);
}

/**
 * Everything about one convolution, in 2-d terms (a 1-d one has height 1 and a 1-row kernel).
 * Padding at the bottom and right only shows in outH / outW: "same" may pad one more there.
 */
interface Geometry {
  batch: number;
  groups: number;
  /** input channels of one group: the weight's dim 1 */
  groupChannels: number;
  /** output channels of one group */
  groupOut: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  dilationH: number;
  dilationW: number;
  outH: number;
  outW: number;
  /**
   * Per kernel row ki, the output rows [rowFirst, rowEnd) whose input row lies inside the image
   * (the others read padding); likewise per kernel column kj, the output columns.
   */
  rowFirst: Int32Array;
  rowEnd: Int32Array;
  colFirst: Int32Array;
  colEnd: Int32Array;
}

type Name = "conv1d" | "conv2d";

const SCALAR_NAMES: Record<string, string> = { float32: "Float", float64: "Double", int64: "Long", bool: "Bool" };
const C_TYPE_NAMES: Record<string, string> = { float32: "float", float64: "double", int64: "long", bool: "bool" };

function convolution(name: Name, dims: 1 | 2, input: Tensor, weight: Tensor, bias: Tensor | null, options: ConvOptions): Tensor {
  if (input.ndim !== dims + 1 && input.ndim !== dims + 2) {
    throw new RangeError(
      `Expected ${dims + 1}D (unbatched) or ${dims + 2}D (batched) input to ${name}, but got input of size: ${formatShape(input.shape)}`,
    );
  }
  // an unbatched input runs as a batch of one, as in PyTorch (whose grad_fn is then SqueezeBackward1)
  if (input.ndim === dims + 1) return squeeze(convolution(name, dims, unsqueeze(input, 0), weight, bias, options), 0);
  const { geometry, outShape } = plan(name, dims, input, weight, bias, options);
  return convolutionOp(input, weight, bias, geometry, outShape);
}

/**
 * Checks a batched convolution's arguments in PyTorch's order, with its messages, and works out
 * its geometry and output shape.
 */
function plan(
  name: Name,
  dims: 1 | 2,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: ConvOptions,
): { geometry: Geometry; outShape: number[] } {
  if (weight.ndim !== dims + 2) {
    const kernel = dims === 1 ? "kW" : "kH, kW";
    throw new RangeError(
      `${name}: expected a ${dims + 2}-dimensional weight [out_channels, in_channels / groups, ${kernel}], ` +
        `but got weight of size ${formatShape(weight.shape)}`,
    );
  }
  const stride = expand(name, "stride", options.stride ?? 1, dims);
  const dilation = expand(name, "dilation", options.dilation ?? 1, dims);
  const padding = options.padding ?? 0;
  if (typeof padding === "string" && padding !== "same" && padding !== "valid") {
    throw new RangeError(`Invalid padding string: '${padding}'`);
  }
  const kernel = weight.shape.slice(2);
  // "same" splits the total padding d·(k − 1) as PyTorch does: the odd one out goes at the end
  const total = kernel.map((k, i) => (padding === "same" ? dilation[i]! * (k - 1) : 0));
  const before =
    typeof padding === "string" ? total.map((t) => Math.floor(t / 2)) : expand(name, "padding", padding, dims);
  const after = typeof padding === "string" ? total.map((t, i) => t - before[i]!) : before;
  if (before.some((p) => p < 0)) throw new RangeError("negative padding is not supported");
  if (stride.some((s) => s <= 0)) throw new RangeError("non-positive stride is not supported");
  if (dilation.some((d) => d <= 0)) throw new RangeError(`dilation should be greater than zero, but got ${formatShape(dilation)}`);
  if (padding === "same" && stride.some((s) => s !== 1)) {
    throw new RangeError("padding='same' is not supported for strided convolutions");
  }
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups)) throw new TypeError(`${name}: groups must be an integer, got ${groups}`);
  if (groups <= 0) throw new RangeError("non-positive groups is not supported");
  const outChannels = weight.shape[0]!;
  if (outChannels % groups !== 0) {
    throw new RangeError(
      `Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, ` +
        `but got weight of size ${formatShape(weight.shape)} instead`,
    );
  }
  const channels = input.shape[1]!;
  if (channels !== weight.shape[1]! * groups) {
    throw new RangeError(
      `Given groups=${groups}, weight of size ${formatShape(weight.shape)}, expected input${formatShape(input.shape)} to have ` +
        `${weight.shape[1]! * groups} channels, but got ${channels} channels instead`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new RangeError(
      `Given weight of size ${formatShape(weight.shape)}, expected bias to be 1-dimensional with ${outChannels} elements, ` +
        `but got bias of size ${formatShape(bias.shape)} instead`,
    );
  }
  const spatial = input.shape.slice(2);
  const padded = spatial.map((s, i) => s + before[i]! + after[i]!);
  const dilatedKernel = kernel.map((k, i) => dilation[i]! * (k - 1) + 1);
  if (padded.some((p, i) => p < dilatedKernel[i]!)) {
    throw new RangeError(
      `Calculated padded input size per channel: (${padded.join(" x ")}). Kernel size: (${dilatedKernel.join(" x ")}). ` +
        "Kernel size can't be greater than actual input size",
    );
  }
  if (!isFloating(input.dtype)) throw new TypeError(`${name}: expected a floating point input, but got ${input.dtype}`);
  if (weight.dtype !== input.dtype) {
    throw new TypeError(`expected scalar type ${SCALAR_NAMES[input.dtype]} but found ${SCALAR_NAMES[weight.dtype]}`);
  }
  if (bias && bias.dtype !== input.dtype) {
    throw new TypeError(`Input type (${C_TYPE_NAMES[input.dtype]}) and bias type (${C_TYPE_NAMES[bias.dtype]}) should be the same`);
  }
  const outSpatial = padded.map((p, i) => Math.floor((p - dilatedKernel[i]!) / stride[i]!) + 1);
  // a 1-d convolution is a 2-d one of height 1
  const hw = (xs: readonly number[], fill: number): [number, number] => (dims === 1 ? [fill, xs[0]!] : [xs[0]!, xs[1]!]);
  const [height, width] = hw(spatial, 1);
  const [kernelH, kernelW] = hw(kernel, 1);
  const [strideH, strideW] = hw(stride, 1);
  const [padTop, padLeft] = hw(before, 0);
  const [dilationH, dilationW] = hw(dilation, 1);
  const [outH, outW] = hw(outSpatial, 1);
  const [rowFirst, rowEnd] = insideRanges(kernelH, dilationH, padTop, strideH, height, outH);
  const [colFirst, colEnd] = insideRanges(kernelW, dilationW, padLeft, strideW, width, outW);
  const geometry: Geometry = {
    batch: input.shape[0]!,
    groups,
    groupChannels: weight.shape[1]!,
    groupOut: outChannels / groups,
    height,
    width,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padTop,
    padLeft,
    dilationH,
    dilationW,
    outH,
    outW,
    rowFirst,
    rowEnd,
    colFirst,
    colEnd,
  };
  return { geometry, outShape: [input.shape[0]!, outChannels, ...outSpatial] };
}

/**
 * For each kernel index along one dim, the outputs [first, end) whose input index
 * o·stride + k·dilation − pad lies in [0, size).
 */
function insideRanges(kernel: number, dilation: number, pad: number, stride: number, size: number, out: number): [Int32Array, Int32Array] {
  const first = new Int32Array(kernel);
  const end = new Int32Array(kernel);
  for (let k = 0; k < kernel; k++) {
    const shift = k * dilation - pad; // input index of output 0
    first[k] = Math.min(Math.max(Math.ceil(-shift / stride), 0), out);
    end[k] = Math.min(Math.max(Math.ceil((size - shift) / stride), first[k]!), out);
  }
  return [first, end];
}

/** `value` as one int per spatial dim, checked as PyTorch's `expand_param_if_needed` does. */
function expand(name: Name, what: string, value: number | readonly number[], dims: number): number[] {
  const list = typeof value === "number" ? new Array<number>(dims).fill(value) : [...value];
  if (list.length !== dims) {
    throw new RangeError(
      `expected ${what} to be a single integer value or a list of ${dims} values to match the convolution dimensions, ` +
        `but got ${what}=${formatShape(list)}`,
    );
  }
  if (!list.every(Number.isInteger)) throw new TypeError(`${name}: ${what} must be integers, got ${formatShape(list)}`);
  return list;
}

/**
 * Whether the input is already its own column matrix: a 1×1 kernel at stride 1 without padding
 * reads every input element once, in order, so the products read the input in place.
 */
function readsInPlace(g: Geometry): boolean {
  return g.kernelH === 1 && g.kernelW === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0 &&
    g.outH === g.height && g.outW === g.width;
}

/**
 * Per sample and group, out[oc, l] = Σ_r W[oc, r]·cols[r, l] + b[oc], cols being the input's
 * patches (im2col): one product per sample and group on the shared gemm kernel. Backward reuses
 * the kernel with its transpose flags (dW = G·colsᵀ, dcols = Wᵀ·G, then col2im adds dcols into
 * dX) and rebuilds cols rather than keeping them from the forward pass.
 */
function convolutionOp(input: Tensor, weight: Tensor, bias: Tensor | null, g: Geometry, outShape: number[]): Tensor {
  const dtype = input.dtype;
  const x = input.data as FloatStorage;
  const w = weight.data as FloatStorage;
  const cells = g.outH * g.outW; // L: output positions per channel
  const outChannels = g.groupOut * g.groups;
  const out = allocate(dtype, g.batch * outChannels * cells) as FloatStorage;
  if (bias) fillBias(out, bias.data as FloatStorage, g.batch, outChannels, cells);
  gemmForward(x, w, out, g, bias !== null);
  const inputs = bias ? [input, weight, bias] : [input, weight];
  return record(new Tensor(out, outShape, dtype), "ConvolutionBackward0", inputs, (grad, needs) => {
    const gd = grad.data as FloatStorage;
    const gx = needs[0] ? (allocate(dtype, x.length) as FloatStorage) : null;
    const gw = needs[1] ? (allocate(dtype, w.length) as FloatStorage) : null;
    gemmBackward(gd, x, w, gx, gw, g);
    const gb = bias && needs[2] ? biasGrad(gd, g.batch, outChannels, cells, dtype) : null;
    return [gx && new Tensor(gx, input.shape, dtype), gw && new Tensor(gw, weight.shape, dtype), gb];
  });
}

/** Starts every output plane at its channel's bias. */
function fillBias(out: FloatStorage, b: FloatStorage, batch: number, channels: number, cells: number): void {
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const start = (n * channels + c) * cells;
      const v = b[c]!;
      for (let l = start; l < start + cells; l++) out[l] = v;
    }
  }
}

/** out (+)= W·cols per sample and group (accumulating onto the bias when there is one). */
function gemmForward(x: FloatStorage, w: FloatStorage, out: FloatStorage, g: Geometry, accumulate: boolean): void {
  const rows = g.groupChannels * g.kernelH * g.kernelW; // K: one column's length
  const cells = g.outH * g.outW;
  const inPlace = readsInPlace(g);
  const cols = inPlace ? null : (allocate(dtypeOfStorage(x), rows * cells) as FloatStorage);
  for (let n = 0; n < g.batch; n++) {
    for (let grp = 0; grp < g.groups; grp++) {
      const xOffset = (n * g.groups + grp) * g.groupChannels * g.height * g.width;
      const outOffset = (n * g.groups + grp) * g.groupOut * cells;
      if (cols) im2col(x, xOffset, g, cols);
      const wOffset = grp * g.groupOut * rows;
      kernels.gemm(g.groupOut, cells, rows, w, wOffset, false, cols ?? x, cols ? 0 : xOffset, false, out, outOffset, accumulate);
    }
  }
}

/** The gradients of input (gx) and weight (gw), each when asked for, from the output's gradient gd. */
function gemmBackward(
  gd: FloatStorage,
  x: FloatStorage,
  w: FloatStorage,
  gx: FloatStorage | null,
  gw: FloatStorage | null,
  g: Geometry,
): void {
  const rows = g.groupChannels * g.kernelH * g.kernelW;
  const cells = g.outH * g.outW;
  const inPlace = readsInPlace(g);
  const dtype = dtypeOfStorage(x);
  const cols = gw && !inPlace ? (allocate(dtype, rows * cells) as FloatStorage) : null;
  const dcols = gx && !inPlace ? (allocate(dtype, rows * cells) as FloatStorage) : null;
  for (let n = 0; n < g.batch; n++) {
    for (let grp = 0; grp < g.groups; grp++) {
      const xOffset = (n * g.groups + grp) * g.groupChannels * g.height * g.width;
      const gOffset = (n * g.groups + grp) * g.groupOut * cells;
      const wOffset = grp * g.groupOut * rows;
      if (gx) {
        // dcols[K×L] = Wᵀ·G: W stored [groupOut × K]; in place, dX's slice is dcols itself
        kernels.gemm(rows, cells, g.groupOut, w, wOffset, true, gd, gOffset, false, dcols ?? gx, dcols ? 0 : xOffset, false);
        if (dcols) col2im(dcols, gx, xOffset, g);
      }
      if (gw) {
        // dW[groupOut×K] += G·colsᵀ: cols stored [K × L]
        if (cols) im2col(x, xOffset, g, cols);
        kernels.gemm(g.groupOut, rows, cells, gd, gOffset, false, cols ?? x, cols ? 0 : xOffset, true, gw, wOffset, n > 0);
      }
    }
  }
}

/** Σ over samples and positions of the output gradient, per output channel (in doubles). */
function biasGrad(gd: FloatStorage, batch: number, channels: number, cells: number, dtype: Tensor["dtype"]): Tensor {
  const sums = new Float64Array(channels);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const start = (n * channels + c) * cells;
      let s = 0;
      for (let l = 0; l < cells; l++) s += gd[start + l]!;
      sums[c]! += s;
    }
  }
  const out = Tensor.empty([channels], dtype);
  (out.data as FloatStorage).set(sums);
  return out;
}

/**
 * Writes one group's patches of one sample as cols[K × L]: row (c, ki, kj) holds, for each output
 * position, the input element that kernel element meets there (0 in the padding).
 */
function im2col(x: FloatStorage, xOffset: number, g: Geometry, cols: FloatStorage): void {
  const { width, outW, strideH, strideW } = g;
  const cells = g.outH * outW;
  let row = 0;
  for (let c = 0; c < g.groupChannels; c++) {
    const plane = xOffset + c * g.height * width;
    for (let ki = 0; ki < g.kernelH; ki++) {
      const rowShift = ki * g.dilationH - g.padTop;
      const r0 = g.rowFirst[ki]!;
      const r1 = g.rowEnd[ki]!;
      for (let kj = 0; kj < g.kernelW; kj++, row++) {
        const colShift = kj * g.dilationW - g.padLeft;
        const first = g.colFirst[kj]!;
        const end = g.colEnd[kj]!;
        const base = row * cells;
        // plain loops, not fill(): a fill() call costs ~100 ns, more than the short runs it zeroes
        for (let i = base; i < base + r0 * outW; i++) cols[i] = 0;
        for (let oh = r0; oh < r1; oh++) {
          const dst = base + oh * outW;
          const src = plane + (oh * strideH + rowShift) * width + colShift;
          for (let ow = 0; ow < first; ow++) cols[dst + ow] = 0;
          if (strideW === 1) for (let ow = first; ow < end; ow++) cols[dst + ow] = x[src + ow]!;
          else for (let ow = first; ow < end; ow++) cols[dst + ow] = x[src + ow * strideW]!;
          for (let ow = end; ow < outW; ow++) cols[dst + ow] = 0;
        }
        for (let i = base + r1 * outW; i < base + cells; i++) cols[i] = 0;
      }
    }
  }
}

/** The adjoint of im2col: adds each entry of cols[K × L] into the input element it was read from. */
function col2im(cols: FloatStorage, dx: FloatStorage, xOffset: number, g: Geometry): void {
  const { width, outW, strideH, strideW } = g;
  const cells = g.outH * outW;
  let row = 0;
  for (let c = 0; c < g.groupChannels; c++) {
    const plane = xOffset + c * g.height * width;
    for (let ki = 0; ki < g.kernelH; ki++) {
      const rowShift = ki * g.dilationH - g.padTop;
      for (let kj = 0; kj < g.kernelW; kj++, row++) {
        const colShift = kj * g.dilationW - g.padLeft;
        const first = g.colFirst[kj]!;
        const end = g.colEnd[kj]!;
        for (let oh = g.rowFirst[ki]!; oh < g.rowEnd[ki]!; oh++) {
          const src = row * cells + oh * outW;
          const dst = plane + (oh * strideH + rowShift) * width + colShift;
          for (let ow = first; ow < end; ow++) dx[dst + ow * strideW]! += cols[src + ow]!;
        }
      }
    }
  }
}
