import { describe, it } from "vitest";
import * as ops from "../../src/autograd/index.js";
import { tensor, type Tensor } from "../../src/tensor/index.js";
import { gradcheck, sample } from "../helpers/gradcheck.js";

const idx = tensor([2, 0, 2, 1]);
const mask = tensor([[true, false, true], [false, false, true]]);

/** Every differentiable op, checked in float64 against finite differences. */
const CASES: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
  ["add broadcast", (a, b) => ops.add(a!, b!), [sample([3, 4], 1), sample([4], 2)]],
  ["add alpha", (a, b) => ops.add(a!, b!, 2.5), [sample([3, 4], 1), sample([3, 1], 2)]],
  ["add scalar", (a) => ops.add(a!, 1.5), [sample([2, 3], 3)]],
  ["sub broadcast", (a, b) => ops.sub(a!, b!), [sample([2, 3, 4], 1), sample([3, 1], 2)]],
  ["scalar minus tensor", (a) => ops.sub(2, a!), [sample([5], 4)]],
  ["mul broadcast", (a, b) => ops.mul(a!, b!), [sample([2, 3, 4], 1), sample([1, 4], 2)]],
  ["div both", (a, b) => ops.div(a!, b!), [sample([3, 4], 1), sample([4], 2, true)]],
  ["scalar over tensor", (a) => ops.div(1, a!), [sample([4], 2, true)]],
  ["pow 3", (a) => ops.pow(a!, 3), [sample([5], 1)]],
  ["pow 0.5", (a) => ops.pow(a!, 0.5), [sample([5], 1, true)]],
  ["neg", (a) => ops.neg(a!), [sample([2, 3], 1)]],
  ["exp", (a) => ops.exp(a!), [sample([2, 3], 1)]],
  ["log", (a) => ops.log(a!), [sample([2, 3], 1, true)]],
  ["sqrt", (a) => ops.sqrt(a!), [sample([2, 3], 1, true)]],
  ["abs", (a) => ops.abs(a!), [sample([2, 3], 7)]],
  ["tanh", (a) => ops.tanh(a!), [sample([2, 3], 1)]],
  ["sigmoid", (a) => ops.sigmoid(a!), [sample([2, 3], 1)]],
  ["relu", (a) => ops.relu(a!), [sample([3, 5], 1)]],
  ["leakyRelu 0.2", (a) => ops.leakyRelu(a!, 0.2), [sample([3, 5], 1)]],
  ["gelu exact", (a) => ops.gelu(a!), [sample([3, 5], 1)]],
  ["gelu tanh", (a) => ops.gelu(a!, "tanh"), [sample([3, 5], 1)]],
  ["where", (a, b) => ops.where(mask, a!, b!), [sample([2, 3], 1), sample([3], 2)]],
  ["sum all", (a) => ops.sum(a!), [sample([3, 4], 1)]],
  ["sum dim 0", (a) => ops.sum(a!, 0), [sample([3, 4], 1)]],
  ["sum dim -1 keepdim", (a) => ops.sum(a!, -1, true), [sample([2, 3, 4], 1)]],
  ["mean all", (a) => ops.mean(a!), [sample([3, 4], 1)]],
  ["mean dim 1", (a) => ops.mean(a!, 1), [sample([2, 3, 4], 1)]],
  ["max all", (a) => ops.max(a!), [sample([3, 4], 1)]],
  ["min all", (a) => ops.min(a!), [sample([3, 4], 1)]],
  ["max dim 1", (a) => ops.max(a!, 1).values, [sample([3, 4], 1)]],
  ["min dim 0 keepdim", (a) => ops.min(a!, 0, true).values, [sample([3, 4], 1)]],
  ["logsumexp dim 0", (a) => ops.logsumexp(a!, 0), [sample([3, 4], 1)]],
  ["logsumexp keepdim", (a) => ops.logsumexp(a!, 1, true), [sample([2, 3, 4], 1)]],
  ["matmul dot", (a, b) => ops.matmul(a!, b!), [sample([5], 1), sample([5], 2)]],
  ["matmul mv", (a, b) => ops.matmul(a!, b!), [sample([3, 5], 1), sample([5], 2)]],
  ["matmul vm", (a, b) => ops.matmul(a!, b!), [sample([5], 1), sample([5, 3], 2)]],
  ["matmul mm", (a, b) => ops.matmul(a!, b!), [sample([4, 5], 1), sample([5, 3], 2)]],
  ["matmul batched broadcast", (a, b) => ops.matmul(a!, b!), [sample([2, 1, 3, 4], 1), sample([3, 4, 2], 2)]],
  ["matmul batch x vector", (a, b) => ops.matmul(a!, b!), [sample([2, 3, 4], 1), sample([4], 2)]],
  ["linear", (x, w, b) => ops.linear(x!, w!, b!), [sample([4, 6], 1), sample([3, 6], 2), sample([3], 3)]],
  ["linear 3d no bias", (x, w) => ops.linear(x!, w!), [sample([2, 4, 6], 1), sample([3, 6], 2)]],
  ["reshape", (a) => ops.reshape(a!, [2, -1]), [sample([3, 4], 1)]],
  ["flatten", (a) => ops.flatten(a!, 1), [sample([2, 3, 4], 1)]],
  ["permute", (a) => ops.permute(a!, [2, 0, 1]), [sample([2, 3, 4], 1)]],
  ["transpose", (a) => ops.transpose(a!, 0, 2), [sample([2, 3, 4], 1)]],
  ["t", (a) => ops.t(a!), [sample([3, 4], 1)]],
  ["T", (a) => a!.T, [sample([2, 3, 4], 1)]],
  ["squeeze", (a) => ops.squeeze(a!), [sample([3, 1, 4], 1)]],
  ["squeeze dim", (a) => ops.squeeze(a!, 1), [sample([3, 1, 4], 1)]],
  ["unsqueeze", (a) => ops.unsqueeze(a!, -1), [sample([3, 4], 1)]],
  ["expand", (a) => ops.expand(a!, [2, 3, 4]), [sample([3, 1], 1)]],
  ["cat dim 1", (a, b) => ops.cat([a!, b!], 1), [sample([2, 3], 1), sample([2, 2], 2)]],
  ["stack dim 1", (a, b) => ops.stack([a!, b!], 1), [sample([2, 3], 1), sample([2, 3], 2)]],
  ["indexSelect dim 1", (a) => ops.indexSelect(a!, 1, idx), [sample([2, 3], 1)]],
  ["index rows with repeats", (a) => ops.index(a!, idx), [sample([3, 2], 1)]],
  ["clone", (a) => ops.clone(a!), [sample([3], 1)]],
  ["softmax dim 0", (a) => ops.softmax(a!, 0), [sample([3, 4], 1)]],
  ["softmax 3d dim 1", (a) => ops.softmax(a!, 1), [sample([2, 3, 4], 1)]],
  ["logSoftmax dim -1", (a) => ops.logSoftmax(a!, -1), [sample([2, 3, 4], 1)]],
  ["layerNorm affine", (a, w, b) => ops.layerNorm(a!, [4], w!, b!), [sample([3, 4], 1), sample([4], 2), sample([4], 3)]],
  ["layerNorm two dims, no affine", (a) => ops.layerNorm(a!, [3, 4]), [sample([2, 3, 4], 1)]],
  ["a value used twice", (a) => ops.mul(ops.exp(a!), ops.tanh(a!)), [sample([4], 1)]],
];

describe("finite-difference gradient checks in float64", () => {
  for (const [name, f, inputs] of CASES) it(name, () => gradcheck(f, inputs));
});
