export { Module, type StateDict } from "./module.js";
export { Parameter } from "./parameter.js";
export { Linear, type LinearOptions } from "./modules/linear.js";
export { Conv1d, Conv2d, type ConvModuleOptions, type PaddingMode } from "./modules/conv.js";
export { ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Softmax, LogSoftmax } from "./modules/activation.js";
export { Dropout, Flatten, Identity, LayerNorm, type DropoutOptions, type LayerNormOptions } from "./modules/misc.js";
export { Sequential } from "./modules/container.js";
export { NeuralNetwork } from "./modules/neural_network.js";
export * as functional from "./functional/index.js";
