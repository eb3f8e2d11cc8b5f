/**
 * /readyz and the training series of /metrics across real processes sharing Postgres and a BullMQ
 * queue on Redis: an API-only process (KILN_WORKERS=0) sees the whole queue and the trainers
 * connected to it, while each process counts the jobs it ended itself.
 */
import { afterAll, describe, expect, it } from "vitest";
import { value } from "../helpers/prometheus.js";
import { postgresAvailable, redisAvailable, scaleOutNamespace } from "../helpers/services.js";
import { waitUntil } from "../services/queue_contract.js";
import { Api } from "./support/api.js";
import { serverProcessScope } from "./support/scope.js";
import { startServer, type ServerProcess } from "./support/server_process.js";
import { dataset, jobSpec, MODEL } from "./support/training.js";

const TIMEOUT_MS = 120_000;
const servicesUp = (await postgresAvailable()) && (await redisAvailable());
const { dataDir } = serverProcessScope("kiln-scale-metrics-");
const namespace = scaleOutNamespace("kiln_metrics");

const scrape = async (server: ServerProcess): Promise<string> => (await fetch(`${server.baseUrl}/metrics`)).text();
const readiness = async (server: ServerProcess) => new Api(server.baseUrl).request<{ status: string; details?: { path: string; message: string }[] }>("GET", "/readyz");

describe.skipIf(!servicesUp)("readiness and metrics of an API-only process and its trainers", () => {
  afterAll(() => namespace.drop());

  it("is degraded while no trainer is connected, ready once one is, and the queue's series follow from every process", async () => {
    const api = await startServer({ dataDir: dataDir(), workers: 0, env: namespace.env });
    expect(await readiness(api)).toEqual({
      status: 200,
      body: { status: "degraded", details: [{ path: "trainers", message: "no trainer is connected to the job queue: jobs are accepted and wait until one connects" }] },
    });
    expect(value(await scrape(api), "kiln_trainers_connected")).toBe(0);

    // a job accepted meanwhile waits in the queue, which the API process sees
    const front = new Api(api.baseUrl);
    const model = (await front.create("/v1/models", MODEL)).id;
    const data = (await front.create("/v1/datasets", dataset(96))).id;
    const job = (await front.create("/v1/jobs", jobSpec(model, data, 3, 8), 202)).id;
    expect(value(await scrape(api), "kiln_queue_jobs", { state: "waiting" })).toBe(1);

    const trainer = await startServer({ dataDir: dataDir(), workers: 1, env: namespace.env });
    await waitUntil(async () => (await readiness(api)).body.status === "ok", "the API process is ready", 20_000);
    expect(await readiness(api)).toEqual({ status: 200, body: { status: "ok" } });
    expect(value(await scrape(api), "kiln_trainers_connected")).toBe(1);
    expect((await front.waitForJob(job, undefined, TIMEOUT_MS / 2)).status).toBe("succeeded");

    // the queue's series are the same from both (once the trainer's consumer has let the job go);
    // the ended job is counted where it ended
    const idle = async (server: ServerProcess): Promise<boolean> => value(await scrape(server), "kiln_queue_jobs", { state: "active" }) === 0;
    await waitUntil(async () => (await idle(api)) && (await idle(trainer)), "the queue has no active job", 10_000);
    const [fromApi, fromTrainer] = [await scrape(api), await scrape(trainer)];
    for (const text of [fromApi, fromTrainer]) {
      expect(value(text, "kiln_trainers_connected")).toBe(1);
      expect(value(text, "kiln_queue_jobs", { state: "waiting" })).toBe(0);
      expect(value(text, "kiln_queue_jobs", { state: "active" })).toBe(0);
    }
    expect(value(fromTrainer, "kiln_job_duration_seconds_count", { status: "succeeded" })).toBe(1);
    expect(value(fromApi, "kiln_job_duration_seconds_count", { status: "succeeded" })).toBeUndefined();

    // the trainer goes: degraded again
    expect((await trainer.stop()).code).toBe(0);
    await waitUntil(async () => (await readiness(api)).body.status === "degraded", "the API process is degraded again", 20_000);
    expect(value(await scrape(api), "kiln_trainers_connected")).toBe(0);
  }, TIMEOUT_MS);
});
