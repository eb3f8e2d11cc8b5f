import { describe, expect, it } from "vitest";
import { F, fromTypedArray, manualSeed } from "../../src/index.js";
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
