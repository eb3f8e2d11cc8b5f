import { describe, expect, it } from "vitest";
import * as nn from "../../src/nn/index.js";
import { tensor, type FloatDType } from "../../src/tensor/index.js";
import { fromRef, loadFixture, type RefTensor } from "../helpers/fixtures.js";

interface ConvertCase {
  name: string;
  input: RefTensor;
  dtype: FloatDType;
  out: RefTensor;
}

interface NormalizeCase {
  name: string;
  input: RefTensor;
  mean: number[];
  std: number[];
  out?: RefTensor;
  w?: RefTensor;
  grad?: RefTensor;
  error?: string;
}

const fixture = loadFixture<{ convert: ConvertCase[]; normalize: NormalizeCase[]; reprs: Record<string, string> }>("image.json");

/** A fixture tensor, uint8 included (fromRef knows the dtypes other tests use). */
function input(ref: RefTensor) {
  return ref.dtype === "uint8" ? tensor(ref.data as number[], { dtype: "uint8" }).reshape(ref.shape) : fromRef(ref);
}

/** The values bit for bit: each output is one correctly rounded operation per element, as in PyTorch. */
function expectExact(actual: { shape: readonly number[]; dtype: string; data: ArrayLike<number | bigint> }, expected: RefTensor): void {
  expect(actual.dtype).toBe(expected.dtype);
  expect([...actual.shape]).toEqual(expected.shape);
  expect(Array.from(actual.data, Number)).toEqual(expected.data);
}

describe("nn.ConvertImageDtype against torchvision 0.14's convert_image_dtype", () => {
  for (const c of fixture.convert) {
    it(c.name, () => {
      const x = input(c.input);
      const out = new nn.ConvertImageDtype(c.dtype).forward(x);
      expectExact(out, c.out);
      if (x.dtype === c.dtype) expect(out).toBe(x);
    });
  }

  it("prints as torchvision's", () => {
    expect(String(new nn.ConvertImageDtype())).toBe(fixture.reprs["ConvertImageDtype"]);
  });
});

describe("nn.Normalize against torchvision 0.14's normalize", () => {
  for (const c of fixture.normalize) {
    it(c.name, () => {
      const x = input(c.input);
      const module = new nn.Normalize(c.mean, c.std);
      if (c.error !== undefined) {
        expect(() => module.forward(x)).toThrow(c.error);
        return;
      }
      x.requiresGrad = true;
      const out = module.forward(x);
      expectExact(out, c.out!);
      out.mul(fromRef(c.w!)).sum().backward();
      expectExact(x.grad!, c.grad!);
    });
  }

  it("prints as torchvision's and has no state", () => {
    const module = new nn.Normalize([0.1307], [0.3081]);
    expect(String(module)).toBe(fixture.reprs["Normalize"]);
    expect(String(new nn.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 1e-5]))).toBe(fixture.reprs["Normalize3"]);
    expect(Object.keys(module.stateDict())).toEqual([]);
  });
});

describe("ConvertImageDtype then Normalize", () => {
  it("takes bytes to standardised floats, as a model's first layers", () => {
    const model = new nn.Sequential(new nn.ConvertImageDtype(), new nn.Normalize([0.5], [0.5]));
    const out = model.forward(tensor([0, 255], { dtype: "uint8" }).reshape([1, 1, 1, 2]));
    expect(out.tolist()).toEqual([[[[-1, 1]]]]);
  });
});
