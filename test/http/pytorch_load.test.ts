import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFixture, type RefTensor } from "../helpers/fixtures.js";
import { buildTestApp, type TestApp } from "./helper.js";
import { SEED_MODEL } from "../helpers/seed.js";

const PYTHON = "/usr/bin/python3";
const hasTorch = spawnSync(PYTHON, ["-c", "import torch"]).status === 0;

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

describe.skipIf(!hasTorch)("PyTorch loads the weights Kiln serves", () => {
  it("the seed's NeuralNetwork(50, 3) loads the safetensors file and computes Kiln's outputs", async () => {
    const mlp = loadFixture<{ mlp: { X: RefTensor } }>("appendix-a.json").mlp;
    const { layers } = SEED_MODEL;
    const created = await t.app.inject({ method: "POST", url: "/v1/models", payload: SEED_MODEL });
    const { id } = created.json() as { id: string };
    const file = await t.app.inject({ method: "GET", url: `/v1/models/${id}/weights`, headers: { accept: "application/octet-stream" } });
    expect(file.headers["content-type"]).toBe("application/octet-stream");
    const path = join(t.dataDir, "model.safetensors");
    writeFileSync(path, file.rawPayload);
    const inputs = [mlp.X.data as number[]];
    const script = new URL("./support/load_safetensors.py", import.meta.url).pathname;
    const result = JSON.parse(execFileSync(PYTHON, [script, path, JSON.stringify(layers), "50", JSON.stringify(inputs)], { encoding: "utf8" })) as {
      metadata: Record<string, string>;
      dtypes: string[];
      outputs: number[][];
    };
    expect(result.metadata).toEqual({ format: "pt" });
    expect(result.dtypes).toEqual(["torch.float32"]);
    const ours = (await t.app.inject({ method: "POST", url: `/v1/models/${id}/predict`, payload: { inputs } })).json() as { outputs: number[][] };
    result.outputs[0]!.forEach((v, i) => expect(v).toBeCloseTo(ours.outputs[0]![i]!, 6));
  });
});
