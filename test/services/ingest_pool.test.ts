import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { BodyTooHeavyError, createIngestPool, ParsersBusyError, type IngestPool } from "../../src/services/index.js";
import { drawModel } from "../../src/services/models.js";
import { exportOnnx, JsonSyntaxError, ModelSpec, SpecError } from "../../src/schema/index.js";
import { fromTypedArray, safetensors } from "../../src/tensor/index.js";
import { csvDataset } from "../helpers/heavy_bodies.js";
import { eventLoopDelayDuring } from "../helpers/responsiveness.js";

let pool: IngestPool;
beforeAll(() => {
  pool = createIngestPool(1);
});
afterAll(() => pool.destroy());

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const rejection = async (work: Promise<unknown>): Promise<unknown> => work.then(() => new Error("expected a rejection"), (e: unknown) => e);

/** A model's weights file: a 2 → 3 Linear layer. */
const current = () =>
  Buffer.from(
    safetensors.serialize({
      "0.weight": fromTypedArray(new Float32Array(6), [3, 2]),
      "0.bias": fromTypedArray(new Float32Array(3), [3]),
    }),
  );

describe("createIngestPool", () => {
  it("builds datasets from JSON, CSV and safetensors on a worker, into shared memory", async () => {
    const fromJson = await pool.dataset({ format: "json", body: json({ name: "toy", features: [[1, 2], [3, 4]], labels: [0, 1] }), maxSamples: 10 });
    expect([fromJson.name, fromJson.numSamples, fromJson.featureShape, fromJson.numClasses]).toEqual(["toy", 2, [2], 2]);
    expect(Array.from(fromJson.features.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(fromJson.features.data.buffer).toBeInstanceOf(SharedArrayBuffer);

    const fromCsv = await pool.dataset({ format: "csv", body: Buffer.from("label,a\n1.5,2\n2.5,3\n"), maxSamples: 10, labelColumn: "label" });
    expect([fromCsv.name, fromCsv.labelDtype, Array.from(fromCsv.labels.data as Float32Array)]).toEqual([undefined, "float32", [1.5, 2.5]]);

    const file = safetensors.serialize({ features: fromTypedArray(Float32Array.from([1, 2, 3]), [3, 1]), labels: fromTypedArray(BigInt64Array.from([0n, 1n, 1n]), [3]) });
    const fromSafetensors = await pool.dataset({ format: "safetensors", body: Buffer.from(file), maxSamples: 10 });
    expect([fromSafetensors.numSamples, fromSafetensors.labelDtype, fromSafetensors.numClasses]).toEqual([3, "int64", 2]);
  });

  it("throws on the API thread what parsing threw on the worker", async () => {
    const spec = await rejection(pool.dataset({ format: "json", body: json({ features: [[1, 2], [3]], labels: [0, 1] }), maxSamples: 10 }));
    expect(spec).toBeInstanceOf(SpecError);
    expect((spec as SpecError).path).toEqual(["features", 1]);
    const zod = await rejection(pool.dataset({ format: "json", body: json({ features: [[1, "x"]], labels: [0] }), maxSamples: 10 }));
    expect(zod).toBeInstanceOf(z.ZodError);
    expect((zod as z.ZodError).issues[0]!.path).toEqual(["features", 0, 1]);
    expect(await rejection(pool.dataset({ format: "json", body: Buffer.from('{"features": [[1'), maxSamples: 10 }))).toBeInstanceOf(JsonSyntaxError);
    const corrupt = await rejection(pool.weights({ format: "safetensors", body: Buffer.from("not a file"), current: current() }));
    expect(corrupt).toBeInstanceOf(safetensors.SafetensorsError);
  });

  it("makes a model's next weights file from JSON, checked against the current one", async () => {
    const body = json({ tensors: { "0.bias": { shape: [3], dtype: "float32", data: [1, 2, 3] }, "0.weight": { shape: [3, 2], dtype: "float32", data: [1, 2, 3, 4, 5, 6] } } });
    const file = await pool.weights({ format: "json", body, current: current() });
    expect(file.buffer).toBeInstanceOf(SharedArrayBuffer);
    const tensors = safetensors.parse(file).tensors;
    expect(Object.keys(tensors)).toEqual(["0.weight", "0.bias"]); // the model's order
    expect(Array.from(tensors["0.bias"]!.data as Float32Array)).toEqual([1, 2, 3]);
    const missing = await rejection(pool.weights({ format: "json", body: json({ tensors: {} }), current: current() }));
    expect((missing as SpecError).path).toEqual(["tensors", "0.weight"]);
  });

  it("draws a new model on the worker as drawModel does here, without holding this thread", async () => {
    const spec = ModelSpec.parse({ input_shape: [4], layers: [{ type: "Linear", out_features: 3 }, { type: "ReLU" }, { type: "Linear", out_features: 2 }] });
    const draw = { spec, seed: 123n, maxParams: 1000 };
    const drawn = await pool.model(draw);
    expect(drawn.weights.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect({ ...drawn, weights: Array.from(drawn.weights) }).toEqual({ ...drawModel(draw), weights: Array.from(drawModel(draw).weights) });
    const tooBig = await rejection(pool.model({ ...draw, maxParams: 10 }));
    expect((tooBig as SpecError).path).toEqual(["layers"]);

    // 10M weights: a few hundred ms of drawing and serializing, all of it on the worker (drawn on
    // this thread, the longest stall would be about the whole call; a ratio holds on a busy machine)
    const big = { spec: ModelSpec.parse({ input_shape: [1000], layers: [{ type: "Linear", out_features: 9990 }] }), seed: 3n, maxParams: 1e7 };
    const started = performance.now();
    const { result, maxMs } = await eventLoopDelayDuring(() => pool.model(big));
    expect(result.summary.num_params).toBe(9_999_990);
    expect(maxMs).toBeLessThan(Math.max((performance.now() - started) / 2, 50));
  });

  it("writes a model as ONNX on the worker as exportOnnx does here, without holding this thread", async () => {
    const spec = ModelSpec.parse({ input_shape: [2], layers: [{ type: "Linear", out_features: 3, in_features: 2 }] });
    const weights = () =>
      Buffer.from(
        safetensors.serialize({
          "layers.0.weight": fromTypedArray(Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]),
          "layers.0.bias": fromTypedArray(Float32Array.from([7, 8, 9]), [3]),
        }),
      );
    const onnx = await pool.onnx({ spec, weights: weights(), name: "toy" });
    expect(onnx.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(onnx)).toEqual(Array.from(exportOnnx(spec, safetensors.parse(weights()).tensors, "toy")));

    // 10M weights: ~0.5 s of protobufjs, all of it on the worker
    const big = await pool.model({ spec: ModelSpec.parse({ input_shape: [1000], layers: [{ type: "Linear", out_features: 9990 }] }), seed: 3n, maxParams: 1e7 });
    const started = performance.now();
    const { result, maxMs } = await eventLoopDelayDuring(() => pool.onnx({ spec: big.resolvedSpec, weights: big.weights, name: "big" }));
    expect(result.byteLength).toBeGreaterThan(4 * 9_999_990);
    expect(maxMs).toBeLessThan(Math.max((performance.now() - started) / 2, 50));
  });

  it("moves a body of its own ArrayBuffer to the worker, and copies one in Node's pool of small Buffers", async () => {
    const large = csvDataset(1000, 4);
    expect(large.buffer.byteLength).toBe(large.length);
    await pool.dataset({ format: "csv", body: large, maxSamples: 1000 });
    expect(large.length).toBe(0);
    const small = Buffer.from("a,y\n1,0\n");
    await pool.dataset({ format: "csv", body: small, maxSamples: 10 });
    expect(small.toString()).toBe("a,y\n1,0\n");
  });

  it("refuses a body whose parsing runs out of the worker's heap, and goes on", async () => {
    const small = createIngestPool(1, { maxHeapMb: 64 });
    try {
      // sample 0 is read with JSON.parse (as the schema's slow path): 2M empty arrays need far more than 64 MB
      const body = Buffer.from(`{"features": [[${"[],".repeat(2_000_000)}[]]], "labels": [0]}`);
      const error = await rejection(small.dataset({ format: "json", body, maxSamples: 10 }));
      expect(error).toBeInstanceOf(BodyTooHeavyError);
      expect((error as Error).message).toBe("parsing the request body needs more than the 64 MB a parse worker may use");
      const next = await small.dataset({ format: "json", body: json({ features: [[1]], labels: [0] }), maxSamples: 10 });
      expect(next.numSamples).toBe(1);
    } finally {
      await small.destroy();
    }
  });

  it("refuses a body while as many wait as may", async () => {
    const busy = createIngestPool(1, { queuePerThread: 1 });
    try {
      const body = () => json({ features: [[1]], labels: [0] });
      await busy.dataset({ format: "json", body: body(), maxSamples: 10 }); // the worker is up and idle
      // the first runs at once, the second waits, the third finds the queue full
      const results = await Promise.allSettled([0, 1, 2].map(() => busy.dataset({ format: "json", body: body(), maxSamples: 10 })));
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
      expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(ParsersBusyError);
    } finally {
      await busy.destroy();
    }
  });
});
