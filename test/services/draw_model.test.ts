import { describe, expect, it } from "vitest";
import { drawModel } from "../../src/services/models.js";
import { ModelSpec } from "../../src/schema/index.js";

describe("drawModel", () => {
  const layers = [{ type: "Linear", out_features: 3 }] as const;

  it("draws with the spec's seed when it has one, else with the draw's", () => {
    const seeded = drawModel({ spec: ModelSpec.parse({ input_shape: [4], layers, seed: 7 }), seed: 99n, maxParams: 1000 });
    const unseeded = drawModel({ spec: ModelSpec.parse({ input_shape: [4], layers }), seed: 7n, maxParams: 1000 });
    expect(Array.from(seeded.weights)).toEqual(Array.from(unseeded.weights));
    expect(Array.from(seeded.generatorState)).toEqual(Array.from(unseeded.generatorState));
  });
});
