import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as spec from "../../src/schema/index.js";

/** Every Zod schema the schema layer exports, by name. */
const schemas = Object.entries(spec as Record<string, unknown>).filter((entry): entry is [string, z.ZodType] => entry[1] instanceof z.ZodType);

type JsonSchema = { [key: string]: unknown };

/** Every property schema of every object schema inside `schema`, with its JSON pointer. */
function properties(schema: unknown, at = "#"): [string, JsonSchema][] {
  if (typeof schema !== "object" || schema === null) return [];
  const out: [string, JsonSchema][] = [];
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" && typeof value === "object" && value !== null) {
      for (const [name, prop] of Object.entries(value)) out.push([`${at}/properties/${name}`, prop as JsonSchema]);
    }
    out.push(...properties(value, `${at}/${key}`));
  }
  return out;
}

describe("JSON Schema conversion (the OpenAPI document)", () => {
  it("finds every exported schema", () => {
    expect(schemas.map(([name]) => name).sort()).toEqual(
      [
        "AdadeltaSpec",
        "AdamSpec",
        "AdamWSpec",
        "CosineAnnealingLRSpec",
        "ExponentialLRSpec",
        "MultiStepLRSpec",
        "OneCycleLRSpec",
        "ReduceLROnPlateauSpec",
        "SchedulerSpec",
        "StepLRSpec",
        "AdaptiveAvgPool2dSpec",
        "AvgPool2dSpec",
        "BatchNorm1dSpec",
        "BatchNorm2dSpec",
        "Conv1dSpec",
        "Conv2dSpec",
        "Dropout2dSpec",
        "DropoutSpec",
        "EarlyStopping",
        "FlattenSpec",
        "GELUSpec",
        "IdentitySpec",
        "JsonDataset",
        "LayerNormSpec",
        "LayerSpec",
        "LeakyReLUSpec",
        "LinearSpec",
        "LogSoftmaxSpec",
        "Loss",
        "MaxPool1dSpec",
        "MaxPool2dSpec",
        "ModelSpec",
        "OptimizerSpec",
        "RMSpropSpec",
        "ReLUSpec",
        "SGDSpec",
        "SigmoidSpec",
        "SoftmaxSpec",
        "TanhSpec",
        "TrainingSpec",
        "WeightsJson",
      ].sort(),
    );
  });

  for (const [name, schema] of schemas) {
    it(`converts ${name} in input mode, for JSON Schema 2020-12 and OpenAPI 3.0, with every field described`, () => {
      const json = z.toJSONSchema(schema, { io: "input" }) as JsonSchema;
      expect(z.toJSONSchema(schema, { io: "input", target: "openapi-3.0" })).toBeTypeOf("object");
      expect(z.toJSONSchema(schema, { io: "output" })).toBeTypeOf("object");
      expect(json["description"], `${name} has no description`).toBeTypeOf("string");
      for (const [pointer, prop] of properties(json)) expect(prop["description"], `${name}: ${pointer}`).toBeTypeOf("string");
      // JSON all the way: a round trip changes nothing
      expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    });
  }

  it("keeps defaults optional in input mode and rejects unknown fields", () => {
    const json = z.toJSONSchema(spec.TrainingSpec, { io: "input" }) as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, JsonSchema>;
    };
    expect(json.required.sort()).toEqual(["batch_size", "dataset_id", "epochs", "loss", "model_id", "optimizer"]);
    expect(json.additionalProperties).toBe(false);
    expect(json.properties["shuffle"]!["default"]).toBe(true);
    const linear = z.toJSONSchema(spec.LinearSpec, { io: "input" }) as { required: string[]; properties: Record<string, JsonSchema>; title: string };
    expect(linear.required).toEqual(["type", "out_features"]);
    expect(linear.title).toBe("Linear");
    expect(linear.properties["out_features"]).toMatchObject({ type: "integer", minimum: 1 });
    const model = z.toJSONSchema(spec.ModelSpec, { io: "input" }) as { title: string; properties: Record<string, JsonSchema> };
    expect(model.title).toBe("ModelSpec");
    expect((model.properties["layers"]!["items"] as { oneOf: unknown[] }).oneOf).toHaveLength(spec.LAYER_TYPES.length);
  });
});
