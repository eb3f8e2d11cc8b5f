import { describe, expect, it } from "vitest";
import * as ops from "../../src/autograd/index.js";
import { grad } from "../../src/autograd/index.js";
import type { Tensor } from "../../src/tensor/index.js";
import { expectClose, fromRef, loadFixture, type RefTensor } from "../helpers/fixtures.js";

interface OpCase {
  name: string;
  inputs: RefTensor[];
  output: RefTensor;
  grad_output: RefTensor;
  grads: (RefTensor | null)[];
}

/** The engine's version of each op in ops.json (losses are tested in test/nn/loss.test.ts). */
const OPS: Record<string, (...xs: Tensor[]) => Tensor> = {
  "add broadcast": (a, b) => ops.add(a!, b!),
  "sub broadcast col": (a, b) => ops.sub(a!, b!),
  "mul broadcast 3d": (a, b) => ops.mul(a!, b!),
  div: (a, b) => ops.div(a!, b!),
  "pow scalar 3": (a) => ops.pow(a!, 3),
  neg: (a) => ops.neg(a!),
  exp: (a) => ops.exp(a!),
  log: (a) => ops.log(a!),
  sqrt: (a) => ops.sqrt(a!),
  tanh: (a) => ops.tanh(a!),
  sigmoid: (a) => ops.sigmoid(a!),
  relu: (a) => ops.relu(a!),
  "leaky_relu 0.01": (a) => ops.leakyRelu(a!, 0.01),
  "gelu erf": (a) => ops.gelu(a!),
  "gelu tanh": (a) => ops.gelu(a!, "tanh"),
  "sum all": (a) => ops.sum(a!),
  "sum dim1 keepdim": (a) => ops.sum(a!, 1, true),
  "mean dim0": (a) => ops.mean(a!, 0),
  "max dim1 values": (a) => ops.max(a!, 1).values,
  "logsumexp dim1": (a) => ops.logsumexp(a!, 1),
  "matmul 2d": (a, b) => ops.matmul(a!, b!),
  "matmul vec": (a, b) => ops.matmul(a!, b!),
  "matmul batched broadcast": (a, b) => ops.matmul(a!, b!),
  linear: (x, w, b) => ops.linear(x!, w!, b!),
  transpose: (a) => ops.t(a!),
  reshape: (a) => ops.reshape(a!, [6, 2]),
  "softmax dim1": (a) => ops.softmax(a!, 1),
  "log_softmax dim1": (a) => ops.logSoftmax(a!, 1),
  layer_norm: (a, w, b) => ops.layerNorm(a!, [5], w!, b!),
};

const cases = loadFixture<{ cases: OpCase[] }>("ops.json").cases.filter((c) => c.name in OPS);

function run(c: OpCase, dtype: "float32" | "float64") {
  const inputs = c.inputs.map((r) => fromRef(r, { dtype, requiresGrad: r.dtype.startsWith("float") }));
  const out = OPS[c.name]!(...inputs);
  const grads = grad(out, inputs, { gradOutputs: [fromRef(c.grad_output, { dtype })] });
  return { out, grads };
}

describe("ops match PyTorch (values and input gradients)", () => {
  it("covers every non-loss case of ops.json", () => {
    expect(cases.length).toBe(Object.keys(OPS).length);
  });

  for (const c of cases) {
    it(`${c.name} in float64`, () => {
      const { out, grads } = run(c, "float64");
      expectClose(out, c.output, 1e-12, 1e-12);
      c.grads.forEach((g, i) => g && expectClose(grads[i]!, g, 1e-12, 1e-12));
    });

    it(`${c.name} in float32`, () => {
      const { out, grads } = run(c, "float32");
      expect(out.dtype).toBe("float32");
      expectClose(out, c.output, 1e-5, 1e-6);
      c.grads.forEach((g, i) => g && expectClose(grads[i]!, g, 1e-5, 1e-6));
    });
  }
});
