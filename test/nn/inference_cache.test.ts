/**
 * Inference keeps each Linear's packed weight in WebAssembly memory (kernels/gemm.ts, `cacheB`),
 * checked against the weight's storage version (tensor/version.ts), and `nn.Sequential` runs a
 * Linear followed by a ReLU as one product. These tests pin down that neither ever changes a
 * number and that every way of changing a weight is seen by the next forward.
 */
import { afterEach, describe, expect, it } from "vitest";
import { enableGrad, linear, linearRelu, noGrad, relu } from "../../src/autograd/index.js";
import * as nn from "../../src/nn/index.js";
import * as F from "../../src/nn/functional/index.js";
import * as optim from "../../src/optim/index.js";
import { bumpVersion, fromTypedArray, manualSeed, rand, randn, storageVersion, Tensor, tensor } from "../../src/tensor/index.js";
import { gemm, setGemmBackend, wasmKernel } from "../../src/tensor/kernels/gemm.js";
import { DEFAULT_SHAPE } from "../../src/tensor/kernels/wasm/gemm_module.js";
import { WasmGemm } from "../../src/tensor/kernels/wasm/gemm_wasm.js";

afterEach(() => {
  setGemmBackend("wasm");
});

function mlp(sizes: readonly number[]): nn.Sequential {
  const mods: nn.Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    if (i > 0) mods.push(new nn.ReLU());
    mods.push(new nn.Linear(sizes[i]!, sizes[i + 1]!));
  }
  return new nn.Sequential(...mods);
}

/** The model's output computed op by op with every parameter requiring grad: no cache, no fusion. */
function reference(model: nn.Sequential, x: Tensor): Float32Array {
  return enableGrad(() => {
    let y = x;
    for (const m of model) y = m instanceof nn.Linear ? linear(y, m.weight, m.bias) : m.forward(y);
    return Float32Array.from(y.data as Float32Array);
  });
}

function infer(model: nn.Sequential, x: Tensor): Float32Array {
  return Float32Array.from(noGrad(() => model.forward(x)).data as Float32Array);
}

function expectBits(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.from(actual.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
}

const hits = (): number => wasmKernel()!.stats.hits;

describe("WasmGemm.computeRows (products of one to three rows)", () => {
  it.each([false, true])("gives every row exactly what the four-row kernel gives it (fused: %s)", (fma) => {
    const g = new WasmGemm({ ...DEFAULT_SHAPE, fma });
    manualSeed(3);
    for (const [n, k] of [
      [256, 784],
      [10, 128],
      [37, 1030],
      [5, 3],
    ] as const) {
      for (const transB of [false, true]) {
        const a = rand([6, k]).data as Float32Array;
        const b = randn([k, n]).data as Float32Array;
        const bias = randn([n]).data as Float32Array;
        const full = new Float32Array(6 * n);
        g.gemm(6, n, k, a, 0, false, b, 0, transB, full, 0, false, bias, 0, true);
        for (const rows of [1, 2, 3]) {
          for (let start = 0; start + rows <= 6; start += rows) {
            const part = new Float32Array(rows * n);
            g.gemm(rows, n, k, a, start * k, false, b, 0, transB, part, 0, false, bias, 0, true);
            expectBits(part, full.slice(start * n, (start + rows) * n));
          }
        }
      }
    }
  });
});

describe("packed weights kept across inference calls", () => {
  it("are reused, and change no number (batch 1, 2, 3, 4 and 64)", () => {
    manualSeed(1);
    const model = mlp([784, 256, 128, 10]).eval();
    for (const m of [1, 2, 3, 4, 64]) {
      const x = randn([m, 784]);
      const expected = reference(model, x);
      expectBits(infer(model, x), expected);
      const before = hits();
      expectBits(infer(model, x), expected);
      expect(hits() - before).toBe(3); // all three layers came from the arena
    }
  });

  it("an optimizer step is seen by the next forward", () => {
    manualSeed(2);
    const model = mlp([20, 64, 32, 4]);
    const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
    const x = randn([1, 20]);
    const xb = randn([16, 20]);
    const y = tensor([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3].map(BigInt), { dtype: "int64" });
    for (let step = 0; step < 3; step++) {
      const before = infer(model, x);
      expectBits(before, reference(model, x));
      const loss = F.crossEntropy(model.forward(xb), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      const after = infer(model, x);
      expectBits(after, reference(model, x));
      expect(Buffer.from(after.buffer).equals(Buffer.from(before.buffer))).toBe(false);
    }
  });

  it("every optimizer bumps the versions of its parameters", () => {
    for (const make of [
      (p: Tensor[]) => new optim.SGD(p, { lr: 0.1 }),
      (p: Tensor[]) => new optim.Adam(p),
      (p: Tensor[]) => new optim.AdamW(p),
      (p: Tensor[]) => new optim.RMSprop(p),
    ]) {
      const w = randn([8, 8]).requiresGrad_();
      const opt = make([w]);
      w.grad = randn([8, 8]);
      const v = storageVersion(w.data);
      opt.step();
      expect(storageVersion(w.data)).toBeGreaterThan(v);
    }
  });

  it("loadStateDict, resetParameters and bumpVersion after a direct write are seen", () => {
    manualSeed(4);
    const model = mlp([30, 40, 5]).eval();
    const other = mlp([30, 40, 5]);
    const x = randn([2, 30]);
    const first = infer(model, x);
    model.loadStateDict(other.stateDict());
    expectBits(infer(model, x), reference(other, x));
    expect(Buffer.from(infer(model, x).buffer).equals(Buffer.from(first.buffer))).toBe(false);

    // a state dict that differs in one element outside the sampled positions: only the version tells
    const sd = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, fromTypedArray(Float32Array.from(t.data as Float32Array), t.shape)]));
    (sd["0.weight"]!.data as Float32Array)[5] += 1;
    model.loadStateDict(sd);
    expectBits(infer(model, x), reference(model, x));

    const lin = model.at(0) as nn.Linear;
    lin.resetParameters();
    expectBits(infer(model, x), reference(model, x));

    // a single element written directly, outside the sampled positions: only the version tells
    const w = lin.weight.data as Float32Array;
    w[7] = w[7]! + 0.5;
    bumpVersion(lin.weight);
    expectBits(infer(model, x), reference(model, x));
  });

  it("a whole weight rewritten without a version bump is caught by the sampled elements", () => {
    manualSeed(5);
    const model = mlp([50, 30, 3]).eval();
    const x = randn([1, 50]);
    infer(model, x);
    const lin = model.at(0) as nn.Linear;
    (lin.weight.data as Float32Array).set(randn([30, 50]).data as Float32Array);
    expectBits(infer(model, x), reference(model, x));
  });

  it("weights of the same size in different storages never share panels", () => {
    manualSeed(6);
    const a = new nn.Linear(64, 64);
    const b = new nn.Linear(64, 64);
    const x = randn([1, 64]);
    for (let i = 0; i < 3; i++) {
      const ya = noGrad(() => a.forward(x)).data as Float32Array;
      const yb = noGrad(() => b.forward(x)).data as Float32Array;
      expectBits(Float32Array.from(ya), Float32Array.from(enableGrad(() => linear(x, a.weight, a.bias).data as Float32Array)));
      expectBits(Float32Array.from(yb), Float32Array.from(enableGrad(() => linear(x, b.weight, b.bias).data as Float32Array)));
    }
  });

  it("weights shared across threads' copies: a new view of the same buffer is a new key, same numbers", () => {
    manualSeed(7);
    const lin = new nn.Linear(40, 24);
    const x = randn([1, 40]);
    const y1 = Float32Array.from(noGrad(() => lin.forward(x)).data as Float32Array);
    const copy = Tensor.fromShared(lin.weight.toShared());
    (copy.data as Float32Array)[3] = 9; // written through another view of the buffer
    bumpVersion(copy); // the version is the buffer's: the original sees it
    const y2 = Float32Array.from(noGrad(() => lin.forward(x)).data as Float32Array);
    expect(Buffer.from(y2.buffer).equals(Buffer.from(y1.buffer))).toBe(false);
    expectBits(y2, Float32Array.from(enableGrad(() => linear(x, lin.weight, lin.bias).data as Float32Array)));
  });

  it("starts over when the arena is full, still right; a weight larger than the arena is not kept", () => {
    const g = new WasmGemm(undefined, 1 << 20); // room for two of the 512 KiB weights below
    manualSeed(8);
    const weights = Array.from({ length: 3 }, () => randn([256, 512]).data as Float32Array);
    const x = randn([1, 512]).data as Float32Array;
    const run = (w: Float32Array): void => {
      const cached = new Float32Array(256);
      const plain = new Float32Array(256);
      g.gemm(1, 256, 512, x, 0, false, w, 0, true, cached, 0, false, null, 0, false, storageVersion(w));
      g.gemm(1, 256, 512, x, 0, false, w, 0, true, plain, 0, false);
      expectBits(cached, plain);
    };
    for (let round = 0; round < 3; round++) for (const w of weights) run(w); // a, b, then c starts over
    expect(g.stats.packs).toBe(9); // never a hit: each weight is evicted before its turn comes again
    run(weights[2]!);
    expect(g.stats.hits).toBe(1);
    const huge = randn([1024, 512]).data as Float32Array; // 2 MiB of panels
    const packs = g.stats.packs;
    const cached = new Float32Array(1024);
    const plain = new Float32Array(1024);
    g.gemm(1, 1024, 512, x, 0, false, huge, 0, true, cached, 0, false, null, 0, false, storageVersion(huge));
    g.gemm(1, 1024, 512, x, 0, false, huge, 0, true, plain, 0, false);
    expectBits(cached, plain);
    expect(g.stats.packs).toBe(packs);
  });

  it("is not used while a graph is recorded", () => {
    manualSeed(9);
    const lin = new nn.Linear(64, 32);
    const x = randn([1, 64]);
    const before = hits();
    lin.forward(x);
    lin.forward(x);
    expect(hits()).toBe(before);
  });
});

describe("Linear followed by ReLU in nn.Sequential", () => {
  it("without a graph: one fused product, the same numbers as the two ops", () => {
    manualSeed(10);
    const model = mlp([50, 30, 20, 3]);
    for (const m of [1, 5, 32]) {
      const x = randn([m, 50]);
      expectBits(infer(model, x), reference(model, x));
      // the TypeScript kernel (float32 products below the WebAssembly threshold go there too)
      setGemmBackend("ts");
      expectBits(infer(model, x), reference(model, x));
      setGemmBackend("wasm");
    }
    // NaN stays NaN, -0 and negatives become 0
    const lin = new nn.Linear(2, 3);
    const x = fromTypedArray(Float32Array.from([NaN, 1, -1e30, 0]), [2, 2]);
    const fused = noGrad(() => linearRelu(x, lin.weight, lin.bias)).data as Float32Array;
    const plain = enableGrad(() => relu(linear(x, lin.weight, lin.bias))).data as Float32Array;
    expectBits(Float32Array.from(fused), Float32Array.from(plain));
  });

  it("with a graph: PyTorch's nodes (ReluBackward0 over AddmmBackward0) and the same gradients", () => {
    manualSeed(11);
    const model = mlp([6, 5, 4]);
    const x = randn([3, 6]);
    const y = model.forward(x);
    expect(y.gradFn?.name).toBe("AddmmBackward0");
    const hidden = (y.gradFn as unknown as { inputs: Tensor[] }).inputs[0]!;
    expect(hidden.gradFn?.name).toBe("ReluBackward0");
    const pre = (hidden.gradFn as unknown as { inputs: Tensor[] }).inputs[0]!;
    expect(pre.gradFn?.name).toBe("AddmmBackward0");
    // the pre-activation holds the Linear's output, not the ReLU's
    expectBits(Float32Array.from(pre.data as Float32Array), Float32Array.from(enableGrad(() => linear(x, (model.at(0) as nn.Linear).weight, (model.at(0) as nn.Linear).bias)).data as Float32Array));
    y.sum().backward();
    const grads = model.parameters().map((p) => Float32Array.from(p.grad!.data as Float32Array));
    model.zeroGrad();
    let z = x;
    for (const m of model) z = m.forward(z);
    z.sum().backward();
    model.parameters().forEach((p, i) => expectBits(Float32Array.from(p.grad!.data as Float32Array), grads[i]!));
  });

  it("a subclass of Linear or ReLU runs its own forward", () => {
    class Doubled extends nn.ReLU {
      override forward(input: Tensor): Tensor {
        return super.forward(input).mul(2);
      }
    }
    manualSeed(12);
    const model = new nn.Sequential(new nn.Linear(4, 3), new Doubled());
    const x = randn([2, 4]);
    const out = noGrad(() => model.forward(x)).data as Float32Array;
    const lin = model.at(0) as nn.Linear;
    const expected = noGrad(() => relu(linear(x, lin.weight, lin.bias)).mul(2)).data as Float32Array;
    expectBits(Float32Array.from(out), Float32Array.from(expected));
  });

  it("gemm with cacheB on a float64 or tiny product takes the TypeScript path unchanged", () => {
    const a = Float32Array.from([1, 2, 3]);
    const b = Float32Array.from([4, 5, 6]);
    const c = new Float32Array(1);
    gemm(1, 1, 3, a, 0, false, b, 0, true, c, 0, false, { cacheB: true });
    expect(c[0]).toBe(32);
  });
});
