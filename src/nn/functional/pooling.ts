export {
  maxPool1d,
  maxPool2d,
  avgPool2d,
  adaptiveAvgPool2d,
  type MaxPool1dOptions,
  type MaxPool2dOptions,
  type AvgPool2dOptions,
  type AdaptiveSize,
  type IntOrPair,
} from "../../autograd/index.js";
