/**
 * The training series of /metrics on the embedded server (SQLite, the queue and one training
 * thread in the process): jobs trained, cancelled and failed for real, and the scrape read back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { samples, value } from "../helpers/prometheus.js";
import { waitUntil } from "../services/queue_contract.js";
import { buildTestApp, type TestApp } from "./helper.js";
import { dataset, jobSpec, MODEL } from "./support/training.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ config: { workers: 1 } });
});
afterAll(() => t.close());

async function create(url: string, payload: object): Promise<string> {
  const res = await t.app.inject({ method: "POST", url, payload });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return (res.json() as { id: string }).id;
}

async function scrape(): Promise<string> {
  const res = await t.app.inject({ method: "GET", url: "/metrics" });
  expect(res.statusCode).toBe(200);
  return res.body;
}

const statusOf = async (id: string): Promise<string> => ((await t.app.inject({ method: "GET", url: `/v1/jobs/${id}` })).json() as { status: string }).status;

async function waitForEnd(id: string): Promise<string> {
  await waitUntil(async () => !["queued", "running"].includes(await statusOf(id)), `job ${id} ended`, 60_000);
  return statusOf(id);
}

describe("the training series of /metrics", () => {
  it("shows a running job's samples/s and step time, the queue by state, and each ended job's duration by status", async () => {
    const data = await create("/v1/datasets", dataset(96)); // 12 batches of 8 an epoch
    const long = await create("/v1/jobs", jobSpec(await create("/v1/models", MODEL), data, 5000, 8));
    const short = await create("/v1/jobs", jobSpec(await create("/v1/models", MODEL), data, 2, 8));

    let text = "";
    await waitUntil(async () => value((text = await scrape()), "kiln_job_samples_per_second", { job_id: long }) !== undefined, "the long job's throughput", 30_000);
    const perSecond = value(text, "kiln_job_samples_per_second", { job_id: long })!;
    const stepSeconds = value(text, "kiln_job_step_seconds", { job_id: long })!;
    // a step of this small model takes microseconds to milliseconds; every batch holds 8 samples
    expect(stepSeconds).toBeGreaterThan(1e-6);
    expect(stepSeconds).toBeLessThan(1);
    expect(perSecond).toBeCloseTo(8 / stepSeconds, 6);
    // one training thread: the short job waits behind the long one
    expect(samples(text, "kiln_job_samples_per_second").map((s) => s.labels.job_id)).toEqual([long]);
    expect(value(text, "kiln_queue_jobs", { state: "waiting" })).toBe(1);
    expect(value(text, "kiln_queue_jobs", { state: "active" })).toBe(1);
    expect(value(text, "kiln_queue_jobs", { state: "deferred" })).toBe(0);
    expect(value(text, "kiln_jobs_running")).toBe(1);
    expect(value(text, "kiln_trainers_connected")).toBe(1);
    expect(value(text, "kiln_job_duration_seconds_count", { status: "cancelled" })).toBeUndefined();

    expect((await t.app.inject({ method: "POST", url: `/v1/jobs/${long}/cancel` })).statusCode).toBe(202);
    expect(await waitForEnd(long)).toBe("cancelled");
    expect(await waitForEnd(short)).toBe("succeeded");
    text = await scrape();
    expect(samples(text, "kiln_job_samples_per_second")).toEqual([]); // an ended job's series are gone
    expect(samples(text, "kiln_job_step_seconds")).toEqual([]);
    expect(value(text, "kiln_job_duration_seconds_count", { status: "cancelled" })).toBe(1);
    expect(value(text, "kiln_job_duration_seconds_count", { status: "succeeded" })).toBe(1);
    expect(value(text, "kiln_job_duration_seconds_sum", { status: "succeeded" })).toBeGreaterThan(0);
    expect(value(text, "kiln_job_duration_seconds_sum", { status: "succeeded" })).toBeLessThan(60);
    expect(value(text, "kiln_job_duration_seconds_bucket", { status: "succeeded", le: "+Inf" })).toBe(1);
    expect(value(text, "kiln_queue_jobs", { state: "waiting" })).toBe(0);
    expect(value(text, "kiln_queue_jobs", { state: "active" })).toBe(0);
    expect(value(text, "kiln_jobs_running")).toBe(0);
  }, 90_000);

  it("counts a failed job under its error code", async () => {
    const before = await scrape();
    expect(value(before, "kiln_jobs_failed_total", { code: "training_error" })).toBe(0);
    expect(value(before, "kiln_jobs_failed_total", { code: "non_finite_loss" })).toBe(0);

    const data = await create("/v1/datasets", dataset(96));
    // ReLU, not Tanh: nothing saturates, and a huge step takes the loss past float32's range
    const model = await create("/v1/models", { ...MODEL, layers: [{ type: "Linear", out_features: 8 }, { type: "ReLU" }, { type: "Linear", out_features: 4 }] });
    const job = await create("/v1/jobs", { ...jobSpec(model, data, 3, 8), optimizer: { type: "SGD", lr: 1e30 } });
    expect(await waitForEnd(job)).toBe("failed");
    const after = await scrape();
    expect(value(after, "kiln_jobs_failed_total", { code: "non_finite_loss" })).toBe(1);
    expect(value(after, "kiln_jobs_failed_total", { code: "training_error" })).toBe(0);
    expect(value(after, "kiln_job_duration_seconds_count", { status: "failed" })).toBe(1);
  }, 60_000);
});
