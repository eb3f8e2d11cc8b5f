import { describe, expect, it } from "vitest";
import { cat, index, stack } from "../../src/autograd/index.js";
import { linear } from "../../src/nn/functional/index.js";
import { arange, full, kernels, ones, promoteTypes, safetensors, Tensor, tensor, type DType } from "../../src/tensor/index.js";
import { DataLoader, defaultCollate, TensorDataset } from "../../src/data/index.js";
import { loadFixture } from "../helpers/fixtures.js";

interface Case {
  name: string;
  out?: { shape: number[]; dtype: string; data: (number | boolean)[] };
  repr?: string;
  error?: string;
}

const { cases } = loadFixture<{ cases: Case[] }>("uint8.json");

const a = (): Tensor => tensor([[1, 2], [3, 250]], { dtype: "uint8" });
const f = (): Tensor => tensor([[0.5, -1.0], [2.0, 3.0]]);
const u8 = { dtype: "uint8" as DType };

/** Each fixture case's expression, as generate_uint8.py writes it in PyTorch. */
const EXPRESSIONS: Record<string, () => Tensor> = {
  tensor: a,
  empty: () => tensor([], u8),
  "negative int wraps": () => tensor([-1, -128], u8),
  "fraction truncates": () => tensor([1.7, 254.9], u8),
  "int over 255": () => tensor([256], u8),
  "negative fraction": () => tensor([-0.5], u8),
  "full over 255": () => full([2], 300, u8),
  "add uint8": () => a().add(a()),
  "mul scalar": () => a().mul(3),
  neg: () => a().neg(),
  "add float scalar": () => a().add(1.5),
  "add int scalar": () => a().add(7),
  "add float32": () => a().add(f()),
  "add float64": () => a().add(f().double()),
  "add int64": () => a().add(tensor([1, 2])),
  "add bool": () => a().add(tensor([true, false])),
  div: () => a().div(2),
  gt: () => a().gt(2),
  "to float32": () => a().to("float32"),
  "to float64": () => a().to("float64"),
  "to int64": () => a().to("int64"),
  "to bool": () => tensor([0, 3], u8).to("bool"),
  "bool to uint8": () => tensor([true, false]).to("uint8"),
  "float to uint8": () => tensor([-1.5, 300.7, 2.9]).to("uint8"),
  "int64 to uint8": () => tensor([-1, 300, 7]).to("uint8"),
  sum: () => a().sum(),
  "sum dim": () => a().sum(0),
  mean: () => a().mean(),
  "matmul uint8": () => a().matmul(a()),
  "matmul byte float": () => a().matmul(f()),
  "matmul float byte": () => f().matmul(a()),
  "linear byte": () => linear(a(), ones([3, 2])),
  cat: () => cat([a(), a()], 1),
  stack: () => {
    const rows = a();
    return stack([index(rows, [0]).reshape([2]), index(rows, [1]).reshape([2])]);
  },
  index: () => index(a(), tensor([1, 0, 1])),
  argmax: () => a().argmax(),
  "large repr": () => tensor(Array.from({ length: 1200 }, (_, i) => i % 256), u8).reshape([30, 40]),
};

describe("uint8 against PyTorch 1.13", () => {
  it("has an expression for every fixture case", () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(EXPRESSIONS).sort());
  });

  for (const c of cases) {
    it(c.name, () => {
      const run = EXPRESSIONS[c.name]!;
      if (c.error !== undefined) {
        expect(run).toThrow(c.error);
        return;
      }
      const out = run();
      expect(out.dtype).toBe(c.out!.dtype);
      expect([...out.shape]).toEqual(c.out!.shape);
      const data = out.shape.length === 0 ? [out.tolist()] : (out.reshape([-1]).tolist() as unknown[]);
      expect(data).toEqual(c.out!.data);
      expect(out.toString()).toBe(c.repr);
    });
  }
});

describe("uint8 storage", () => {
  it("is a Uint8Array named uint8, promoted as PyTorch promotes it", () => {
    const t = a();
    expect(t.data).toBeInstanceOf(Uint8Array);
    expect(t.byte()).toBe(t);
    expect(promoteTypes("uint8", "float32")).toBe("float32");
    expect(promoteTypes("int64", "uint8")).toBe("int64");
    expect(promoteTypes("bool", "uint8")).toBe("uint8");
  });

  it("casts to float32 exactly and back, through kernels.cast", () => {
    const all = kernels.cast(arange(256), "uint8");
    const floats = kernels.cast(all, "float32");
    expect(Array.from(floats.data as Float32Array)).toEqual(Array.from({ length: 256 }, (_, i) => i));
    expect(kernels.cast(floats, "uint8").data).toEqual(all.data);
  });

  it("refuses gradients", () => {
    expect(() => a().requiresGrad_()).toThrow("only tensors of floating point dtype can require gradients");
  });

  it("round-trips through safetensors as U8", () => {
    const bytes = safetensors.serialize({ images: a() });
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))).toString());
    expect(header.images.dtype).toBe("U8");
    const back = safetensors.parse(bytes).tensors["images"]!;
    expect(back.dtype).toBe("uint8");
    expect(back.tolist()).toEqual([[1, 2], [3, 250]]);
  });

  it("crosses threads as uint8", () => {
    const back = Tensor.fromShared(a().toShared());
    expect(back.dtype).toBe("uint8");
    expect(back.tolist()).toEqual([[1, 2], [3, 250]]);
  });
});

describe("uint8 through the data pipeline", () => {
  const images = tensor(Array.from({ length: 5 * 28 * 28 }, (_, i) => (i * 7) % 256), u8).reshape([5, 1, 28, 28]);
  const labels = tensor([0, 1, 2, 3, 4]);

  it("batches keep their dtype and bytes, by gather and by collation alike", () => {
    const dataset = new TensorDataset(images, labels);
    const [x, y] = [...new DataLoader(dataset, { batchSize: 3 })][0]!;
    expect(x!.dtype).toBe("uint8");
    expect([...x!.shape]).toEqual([3, 1, 28, 28]);
    expect(x!.data).toEqual(images.data.subarray(0, 3 * 784));
    expect(y!.tolist()).toEqual([0, 1, 2]);
    const collated = defaultCollate([0, 1, 2].map((i) => dataset.getItem(i)));
    expect(collated[0]!.dtype).toBe("uint8");
    expect(collated[0]!.data).toEqual(x!.data);
  });
});
