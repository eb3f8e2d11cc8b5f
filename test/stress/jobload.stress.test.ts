/**
 * Issue 13's figure for the work the job manager does for a training job: `/healthz` p99 under
 * 50 ms on a real server process while a 10M-parameter job (1000 -> Linear 9990, Adam: 40 MB of
 * weights, 120 MB checkpoints) starts, checkpoints and ends: on a small dataset to its end (the
 * trained weights stored), and on a 64 MB dataset through its start and first checkpoints, then
 * cancelled (an epoch of it is hours of work here). The longest wait (one SQLite write) is printed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { safetensors, Tensor } from "../../src/tensor/index.js";
import { expectHealthzResponsiveDuring } from "../helpers/responsiveness.js";
import { startServer, type ServerProcess } from "../http/support/server_process.js";

const dataDir = mkdtempSync(join(tmpdir(), "kiln-stress-jobs-"));
let server: ServerProcess;
let modelId: string;

interface JobState {
  id: string;
  status: string;
  progress: { step: number; total_steps: number };
}

async function post<T>(path: string, body: string | Buffer, contentType = "application/json"): Promise<T> {
  const res = await fetch(`${server.baseUrl}${path}`, { method: "POST", headers: { "content-type": contentType }, body });
  const json = (await res.json()) as T;
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

async function job(id: string): Promise<JobState> {
  return (await (await fetch(`${server.baseUrl}/v1/jobs/${id}`)).json()) as JobState;
}

/** Polls the job (a small request every 100 ms) until `done` says it is where it should be. */
async function until(id: string, done: (j: JobState) => boolean): Promise<JobState> {
  for (;;) {
    const j = await job(id);
    if (done(j)) return j;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A dataset of `n` samples of 1000 features, as a safetensors upload. */
async function createDataset(n: number): Promise<string> {
  const features = new Tensor(Float32Array.from({ length: n * 1000 }, (_, i) => Math.sin(i)), [n, 1000], "float32");
  const labels = new Tensor(BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 157) % 9990)), [n], "int64");
  const body = safetensors.serialize({ features, labels });
  return (await post<{ id: string }>("/v1/datasets", Buffer.from(body.buffer, body.byteOffset, body.byteLength), "application/octet-stream")).id;
}

/** Runs `work` while probing the server's /healthz, and checks the p99. */
const responsiveWhile = async <T>(what: string, work: () => Promise<T>): Promise<T> => (await expectHealthzResponsiveDuring(what, server.baseUrl, work)).result;

beforeAll(async () => {
  server = await startServer({ dataDir, workers: 1 });
  modelId = (await post<{ id: string }>("/v1/models", JSON.stringify({ input_shape: [1000], layers: [{ type: "Linear", out_features: 9990 }], seed: 1 }))).id;
});
afterAll(async () => {
  await server.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("a 10M-parameter training job", () => {
  it("on 64 samples, from its start through its checkpoints to its end", async () => {
    const datasetId = await createDataset(64);
    const spec = { model_id: modelId, dataset_id: datasetId, loss: "cross_entropy", optimizer: { type: "Adam", lr: 1e-3 }, epochs: 40, batch_size: 16 };
    const ended = await responsiveWhile("10M-parameter job, start to end", async () => {
      const { id } = await post<JobState>("/v1/jobs", JSON.stringify(spec));
      return until(id, (j) => j.status !== "queued" && j.status !== "running");
    });
    expect(ended).toMatchObject({ status: "succeeded", progress: { step: 160, total_steps: 160 } });
  });

  it("on a 64 MB dataset, from its start through its first checkpoints, then cancelled", async () => {
    const datasetId = await createDataset(16_000);
    const spec = { model_id: modelId, dataset_id: datasetId, loss: "cross_entropy", optimizer: { type: "Adam", lr: 1e-3 }, epochs: 1, batch_size: 16 };
    const ended = await responsiveWhile("10M-parameter job on 64 MB, start to cancel", async () => {
      const { id } = await post<JobState>("/v1/jobs", JSON.stringify(spec));
      // past its first checkpoint, due a second into training
      await until(id, (j) => j.progress.step >= 40);
      await post(`/v1/jobs/${id}/cancel`, "{}");
      return until(id, (j) => j.status === "cancelled");
    });
    expect(ended.status).toBe("cancelled");
  });
});
