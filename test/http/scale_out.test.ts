/**
 * The scale-out deployment through real processes: an API-only server (KILN_WORKERS=0) and
 * training servers sharing a real Postgres (the store) and a BullMQ queue on a real Redis. A job
 * posted to the API process is trained by another process, streamed live by the API process, and
 * ends with the same per-step losses and weights, bit for bit, as the same job on the embedded
 * SQLite server.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { postgresAvailable, redisAvailable, TEST_DATABASE_URL, TEST_REDIS_URL } from "../helpers/services.js";
import { Api, lossesOf, type SseEvent } from "./support/api.js";
import { serverProcessScope } from "./support/scope.js";
import { dataset, jobSpec, MODEL } from "./support/training.js";
import { freePort, startServer, type ServerProcess } from "./support/server_process.js";

const TIMEOUT_MS = 180_000;
/** The queue lock of the trainers that the fencing test stops: short, so that the other takes over soon. */
const FENCE_LOCK_MS = 2000;
const servicesUp = (await postgresAvailable()) && (await redisAvailable());

const { dataDir, streams } = serverProcessScope("kiln-scale-");

/** A Postgres schema and a queue name of this file's own, dropped at the end. */
const schema = `kiln_scale_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
const queueName = `kiln-scale-${randomUUID().slice(0, 8)}`;

describe.skipIf(!servicesUp)("API and trainer processes sharing Postgres and Redis", () => {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`bull:${queueName}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const sharedEnv = { KILN_DATABASE_URL: TEST_DATABASE_URL, KILN_DATABASE_SCHEMA: schema, KILN_REDIS_URL: TEST_REDIS_URL, KILN_QUEUE_NAME: queueName };
  const shared = (workers: number): Promise<ServerProcess> => startServer({ dataDir: dataDir(), workers, env: sharedEnv });

  /** Posts the model, dataset and job to `api`; returns the ids. */
  async function submit(api: Api, epochs: number): Promise<{ model: string; job: string }> {
    const model = (await api.create("/v1/models", MODEL)).id;
    const data = (await api.create("/v1/datasets", dataset(96))).id;
    return { model, job: (await api.create("/v1/jobs", jobSpec(model, data, epochs, 8), 202)).id };
  }

  /** The first of `servers` found to have logged `msg` about the job (each writes its log every 250 ms: wait for it). */
  async function whoLogged(servers: ServerProcess[], jobId: string, msg: string, timeoutMs = 2000): Promise<ServerProcess | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = servers.find((server) => server.logs.some((l) => l.jobId === jobId && l.msg === msg));
      if (found) return found;
      if (Date.now() > deadline) return null;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Whether `server` logged `msg` about the job. */
  const logged = async (server: ServerProcess, jobId: string, msg: string, timeoutMs?: number): Promise<boolean> =>
    (await whoLogged([server], jobId, msg, timeoutMs)) !== null;

  it("the API process queues the job, a trainer trains it, the API process streams it live", async () => {
    const trainer = await shared(1);
    const api = await shared(0);
    const front = new Api(api.baseUrl);
    const ids = await submit(front, 6);
    const stream = await front.events(ids.job);
    streams.push(stream);
    const events = await stream.readToEnd();

    expect(events.at(-1)).toMatchObject({ event: "done", data: { id: ids.job, status: "succeeded" } });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(await logged(trainer, ids.job, "job started")).toBe(true);
    expect(api.logs.some((l) => l.jobId === ids.job)).toBe(false);

    // the same job on the embedded single-process server: the same losses and weights, bit for bit
    const embedded = await startServer({ dataDir: dataDir(), workers: 1 });
    const local = new Api(embedded.baseUrl);
    const reference = await submit(local, 6);
    const referenceEvents = await local.allEvents(reference.job);
    expect(lossesOf(events)).toHaveLength(6 * 12);
    expect(lossesOf(events)).toEqual(lossesOf(referenceEvents));
    const weights = (api: Api, id: string) => api.get<{ tensors: unknown }>(`/v1/models/${id}/weights`);
    expect((await weights(front, ids.model)).tensors).toEqual((await weights(local, reference.model)).tensors);
    // and the trainer serves what the API process serves: one store
    expect(await new Api(trainer.baseUrl).get(`/v1/jobs/${ids.job}`)).toEqual(await front.get(`/v1/jobs/${ids.job}`));
  }, TIMEOUT_MS);

  it("a trainer that stops hands its job over: another trainer resumes it and ends as the uninterrupted run", async () => {
    const env = { KILN_CHECKPOINT_INTERVAL_MS: "100" };
    const first = await startServer({ dataDir: dataDir(), workers: 1, env: { ...sharedEnv, ...env } });
    const api = await shared(0);
    const front = new Api(api.baseUrl);
    const ids = await submit(front, 600);
    const stream = await front.events(ids.job);
    streams.push(stream);
    expect(await stream.until((events: SseEvent[]) => lossesOf(events).length >= 300)).toBe(true);
    expect((await first.stop()).code).toBe(0); // SIGTERM: checkpoint, suspend, back to the queue
    // the job waits in the queue, its stream open on the API process, until a trainer comes
    const second = await startServer({ dataDir: dataDir(), workers: 1, env: { ...sharedEnv, ...env } });
    const events = await stream.readToEnd(TIMEOUT_MS);
    expect(await logged(first, ids.job, "job suspended for shutdown")).toBe(true);
    expect(await logged(second, ids.job, "job resumed")).toBe(true);

    const embedded = await startServer({ dataDir: dataDir(), workers: 1 });
    const local = new Api(embedded.baseUrl);
    const reference = await submit(local, 600);
    const referenceEvents = await local.allEvents(reference.job);
    expect(events.at(-1)).toMatchObject({ event: "done", data: { status: "succeeded" } });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(lossesOf(events)).toEqual(lossesOf(referenceEvents));
    const weights = (api: Api, id: string) => api.get<{ tensors: unknown }>(`/v1/models/${id}/weights`);
    expect((await weights(front, ids.model)).tensors).toEqual((await weights(local, reference.model)).tensors);
  }, TIMEOUT_MS);

  it("a trainer stopped past its lock loses its job to another, and none of its writes land once it wakes: one run's events, the uninterrupted run's weights", async () => {
    const epochs = 3000;
    const env = { ...sharedEnv, KILN_QUEUE_LOCK_MS: String(FENCE_LOCK_MS), KILN_CHECKPOINT_INTERVAL_MS: "100" };
    const trainers = [await startServer({ dataDir: dataDir(), workers: 1, env }), await startServer({ dataDir: dataDir(), workers: 1, env })];
    const api = await shared(0);
    const front = new Api(api.baseUrl);
    const ids = await submit(front, epochs);
    await front.waitForJob(ids.job, (job) => job.progress.step >= 500);
    const owner = (await whoLogged(trainers, ids.job, "job started"))!;
    const other = trainers.find((t) => t !== owner)!;

    owner.child.kill("SIGSTOP"); // every thread stands still: mid-step, its last events unsent
    try {
      // past the owner's lock, the other trainer's stall check hands the job to it
      expect(await logged(other, ids.job, "job resumed", TIMEOUT_MS / 2)).toBe(true);
    } finally {
      owner.child.kill("SIGCONT");
    }
    // awake while the other trainer runs the job, the owner gives its run up (its lock renewal or
    // its next write is refused) and ends nothing
    const ownerLines = (): string => JSON.stringify(owner.logs.slice(-30)) + owner.stderr.slice(-3000);
    expect(await logged(owner, ids.job, "job abandoned to another run", TIMEOUT_MS / 2), ownerLines()).toBe(true);
    const ended = await front.waitForJob(ids.job, undefined, TIMEOUT_MS / 2);
    expect(ended.status).toBe("succeeded");
    expect(await logged(other, ids.job, "job finished")).toBe(true);
    expect(owner.logs.filter((l) => l.jobId === ids.job).map((l) => l.msg)).toEqual(["job started", "job abandoned to another run"]);

    // the stored events are exactly one run's
    const events = await front.allEvents(ids.job);
    const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
    expect(events.map((e) => e.id)).toEqual(range(events.length));
    expect(events.filter((e) => e.event === "progress").map((e) => e.data.step)).toEqual(range(epochs * 12));
    expect(events.filter((e) => e.event === "epoch").map((e) => e.data.epoch)).toEqual(range(epochs));
    expect(events.filter((e) => e.event === "status").map((e) => e.data.status)).toEqual(["queued", "running", "succeeded"]);
    expect(events.findIndex((e) => e.event === "done")).toBe(events.length - 1);

    // and the uninterrupted run of the same job (a twin model: same spec and seed) ends the same
    const twin = (await front.create("/v1/models", MODEL)).id;
    const job = await front.get<{ dataset_id: string }>(`/v1/jobs/${ids.job}`);
    const reference = (await front.create("/v1/jobs", jobSpec(twin, job.dataset_id, epochs, 8), 202)).id;
    const referenceEnded = await front.waitForJob(reference, undefined, TIMEOUT_MS / 2);
    expect(lossesOf(events)).toEqual(lossesOf(await front.allEvents(reference)));
    expect(ended.metrics).toEqual(referenceEnded.metrics);
    const weights = (id: string) => front.get<{ tensors: unknown }>(`/v1/models/${id}/weights`);
    expect((await weights(ids.model)).tensors).toEqual((await weights(twin)).tensors);
  }, 2 * TIMEOUT_MS);

  it("a cancel sent to the API process stops the job on the trainer; the weights stay as they were", async () => {
    await shared(1);
    const api = await shared(0);
    const front = new Api(api.baseUrl);
    const ids = await submit(front, 2000);
    const before = await front.get(`/v1/models/${ids.model}/weights`);
    const stream = await front.events(ids.job);
    streams.push(stream);
    expect(await stream.until((events: SseEvent[]) => lossesOf(events).length >= 5)).toBe(true);
    const asked = Date.now();
    expect((await front.request("POST", `/v1/jobs/${ids.job}/cancel`)).status).toBe(202);
    const ended = await front.waitForJob(ids.job);
    expect(ended.status).toBe("cancelled");
    expect(Date.now() - asked).toBeLessThan(5_000);
    expect(ended.progress.step).toBeLessThan(ended.progress.total_steps);
    expect(await front.get(`/v1/models/${ids.model}/weights`)).toEqual(before);
    const events = await stream.readToEnd();
    expect(events.at(-1)).toMatchObject({ event: "done", data: { status: "cancelled" } });
  }, TIMEOUT_MS);

  it("Redis down: a job posted meanwhile is stored and accepted, /readyz says why, and the job runs once Redis is back", async () => {
    // a Redis of this test's own, to stop and start again
    const port = await freePort();
    const redis = new OwnRedis(port);
    await redis.start();
    try {
      const env = { ...sharedEnv, KILN_REDIS_URL: `redis://127.0.0.1:${port}` };
      await startServer({ dataDir: dataDir(), workers: 1, env });
      const api = await startServer({ dataDir: dataDir(), workers: 0, env });
      const front = new Api(api.baseUrl);
      const model = (await front.create("/v1/models", MODEL)).id;
      const data = (await front.create("/v1/datasets", dataset(96))).id;

      await redis.stop();
      const ready = await front.request<{ error: { details: { path: string }[] } }>("GET", "/readyz");
      expect(ready.status).toBe(503);
      expect(ready.body.error.details.map((d) => d.path)).toEqual(["queue"]);
      const metrics = await fetch(`${api.baseUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain("# HELP kiln_queue_jobs"); // its help line, without values
      const asked = Date.now();
      const posted = await front.create<{ id: string; status: string }>("/v1/jobs", jobSpec(model, data, 3, 8), 202);
      expect(Date.now() - asked).toBeLessThan(3000); // at once, not after Redis's reconnection attempts
      expect(posted.status).toBe("queued");

      await redis.start(); // empty: the job is only in the store
      const ended = await front.waitForJob(posted.id, undefined, 30_000);
      expect(ended.status).toBe("succeeded");
      expect((await front.request("GET", "/readyz")).status).toBe(200);
    } finally {
      await redis.stop();
    }
  }, TIMEOUT_MS);

  it("API keys hold across processes: a key made on one works on the other, a revocation on one is refused by the other at once, and another tenant's model is a 404 there", async () => {
    const operatorKey = `operator-${randomUUID()}`;
    const env = { ...sharedEnv, KILN_ADMIN_KEY: operatorKey };
    const [one, two] = [await startServer({ dataDir: dataDir(), workers: 0, env }), await startServer({ dataDir: dataDir(), workers: 0, env })];
    const operator = new Api(one!.baseUrl, operatorKey);
    const suffix = randomUUID().slice(0, 8);
    const keyOf = async (tenant: string, role: string): Promise<{ id: string; key: string }> => operator.create("/v1/keys", { role, tenant_id: tenant });
    const a = await operator.create("/v1/tenants", { name: `a-${suffix}` });
    const b = await operator.create("/v1/tenants", { name: `b-${suffix}` });
    const [keyA, keyB, member] = [await keyOf(a.id, "admin"), await keyOf(b.id, "admin"), await keyOf(a.id, "member")];

    expect((await new Api(two!.baseUrl).request("GET", "/v1/models")).status).toBe(401);
    const model = (await new Api(one!.baseUrl, keyA.key).create("/v1/models", MODEL)).id;
    expect((await new Api(two!.baseUrl, keyA.key).request("GET", `/v1/models/${model}`)).status).toBe(200);
    const asB = await new Api(two!.baseUrl, keyB.key).request<{ error: { code: string; message: string } }>("GET", `/v1/models/${model}`);
    expect(asB).toEqual({ status: 404, body: { error: { code: "not_found", message: `model ${model} not found` } } });
    expect(await new Api(two!.baseUrl, keyB.key).listIds("/v1/models")).not.toContain(model);

    const asMember = new Api(two!.baseUrl, member.key);
    expect((await asMember.request("GET", "/v1/models")).status).toBe(200);
    expect((await new Api(one!.baseUrl, keyA.key).request("DELETE", `/v1/keys/${member.id}`)).status).toBe(200);
    expect((await asMember.request("GET", "/v1/models")).status).toBe(401);
  }, TIMEOUT_MS);
});

/** A redis-server on `port` that keeps nothing on disk, started and stopped by a test. */
class OwnRedis {
  private child: ChildProcess | null = null;
  constructor(private readonly port: number) {}

  async start(): Promise<void> {
    this.child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    const client = new Redis({ port: this.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => {}); // refused until the server listens: retried below
    for (let i = 0; ; i++) {
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch (error) {
        if (i === 100) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
}
