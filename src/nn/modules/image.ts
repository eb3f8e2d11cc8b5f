/**
 * torchvision's tensor transforms that a model may start with (torchvision/transforms/transforms.py,
 * 0.14): ConvertImageDtype turns images of bytes into floats in [0, 1], Normalize standardises each
 * channel. Neither has weights, so neither is in a state dict.
 */
import { div, reshape, sub, to } from "../../autograd/index.js";
import { isFloating, tensor, type DType, type FloatDType, type Tensor } from "../../tensor/index.js";
import { Module } from "../module.js";
import { pyFloat } from "../repr.js";

/** torchvision's `_max_value`: what the largest value of an integer dtype means (full intensity). */
const MAX_VALUE: Partial<Record<DType, number>> = { uint8: 255, int64: 2 ** 63 - 1, bool: 1 };

/**
 * torchvision's `convert_image_dtype` to a float dtype: a float image is only converted
 * (`image.to(dtype)`), an integer one is also scaled to [0, 1]: `image.to(dtype) / 255` for uint8.
 */
export function convertImageDtype(image: Tensor, dtype: FloatDType = "float32"): Tensor {
  if (isFloating(image.dtype)) return to(image, dtype);
  return div(to(image, dtype), MAX_VALUE[image.dtype]!);
}

/** torchvision's `str(dtype)` of a dtype, as its messages print it. */
const torchDtype = (dtype: DType): string => `torch.${dtype}`;

/**
 * torchvision's `normalize`: (x - mean[c]) / std[c] over images [..., C, H, W], the channels at
 * dim -3, with mean and std as tensors of the image's dtype (viewed [C, 1, 1], so one value serves
 * every channel).
 */
export function normalize(image: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  if (!isFloating(image.dtype)) throw new TypeError(`Input tensor should be a float tensor. Got ${torchDtype(image.dtype)}.`);
  if (image.ndim < 3) {
    throw new RangeError(
      `Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = torch.Size([${image.shape.join(", ")}])`,
    );
  }
  const m = reshape(tensor([...mean], { dtype: image.dtype }), [-1, 1, 1]);
  const s = reshape(tensor([...std], { dtype: image.dtype }), [-1, 1, 1]);
  if ((s.data as Float32Array | Float64Array).some((v) => v === 0)) {
    throw new RangeError(`std evaluated to zero after conversion to ${torchDtype(image.dtype)}, leading to division by zero.`);
  }
  return div(sub(image, m), s);
}

/** torchvision's `ConvertImageDtype(dtype)`: uint8 images become floats in [0, 1]. */
export class ConvertImageDtype extends Module {
  constructor(readonly dtype: FloatDType = "float32") {
    super();
  }

  forward(image: Tensor): Tensor {
    return convertImageDtype(image, this.dtype);
  }
}

/** torchvision's `Normalize(mean, std)`: per-channel (x - mean) / std of float images [..., C, H, W]. */
export class Normalize extends Module {
  readonly mean: readonly number[];
  readonly std: readonly number[];

  constructor(mean: readonly number[], std: readonly number[]) {
    super();
    this.mean = Object.freeze([...mean]);
    this.std = Object.freeze([...std]);
  }

  forward(image: Tensor): Tensor {
    return normalize(image, this.mean, this.std);
  }

  /** torchvision prints its own repr, `Normalize(mean=[0.1307], std=[0.3081])`: the lists as given. */
  override extraRepr(): string {
    const list = (xs: readonly number[]) => `[${xs.map(pyFloat).join(", ")}]`;
    return `mean=${list(this.mean)}, std=${list(this.std)}`;
  }
}
