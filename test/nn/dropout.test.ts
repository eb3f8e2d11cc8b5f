import { describe, expect, it } from "vitest";
import { F, fromTypedArray, Generator, manualSeed, nn } from "../../src/index.js";
import { loadFixture } from "../helpers/fixtures.js";

const cases = loadFixture<Record<string, { input: number[]; output: number[] }>>("dropout.json");

describe("F.dropout", () => {
  for (const [p, { input, output }] of Object.entries(cases)) {
    it(`p=${p} draws PyTorch's mask and scales by 1/(1-p) in float32, bit for bit`, () => {
      manualSeed(0);
      const y = F.dropout(fromTypedArray(Float32Array.from(input), [input.length]), Number(p));
      expect(Array.from(y.data as Float32Array)).toEqual(output);
    });
  }
});

describe("nn.Dropout", () => {
  const x = () => fromTypedArray(new Float32Array(1000).fill(1), [1000]);

  it("draws its masks from the generator it is given instead of the global one", () => {
    const dropout = new nn.Dropout(0.3, { generator: new Generator().manualSeed(5) });
    manualSeed(77);
    const y = dropout.forward(x());
    expect(Array.from(y.data as Float32Array)).toEqual(Array.from(F.dropout(x(), 0.3, true, new Generator().manualSeed(5)).data as Float32Array));
    expect(String(dropout)).toBe("Dropout(p=0.3, inplace=False)");
  });

  it("draws from the global generator by default", () => {
    manualSeed(5);
    const y = new nn.Dropout(0.3).forward(x());
    manualSeed(5);
    expect(Array.from(y.data as Float32Array)).toEqual(Array.from(F.dropout(x(), 0.3).data as Float32Array));
  });
});
