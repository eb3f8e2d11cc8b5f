import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFixture, type RefTensor } from "../helpers/fixtures.js";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";
import { rows, seedLayers } from "../helpers/seed.js";
import { JobEventView } from "../../src/services/index.js";

interface SseEvent {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

/** Parses a finished text/event-stream body. */
function parseSse(body: string): SseEvent[] {
  return body
    .split("\n\n")
    .filter((block) => block.includes("event:"))
    .map((block) => {
      const line = (name: string) => block.split("\n").find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
      return { id: Number(line("id")), event: line("event")!, data: JSON.parse(line("data")!) as Record<string, unknown> };
    });
}


let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ config: { workers: 2 } });
});
afterAll(async () => t.close());

async function post(url: string, payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({ method: "POST", url, payload: payload as object, headers });
}

async function waitForEnd(id: string): Promise<Record<string, unknown>> {
  for (;;) {
    const job = (await t.app.inject({ method: "GET", url: `/v1/jobs/${id}` })).json() as Record<string, unknown>;
    if (!["queued", "running"].includes(job.status as string)) return job;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function eventsOf(id: string, lastEventId?: number): Promise<SseEvent[]> {
  const res = await t.app.inject({
    method: "GET",
    url: `/v1/jobs/${id}/events`,
    headers: lastEventId === undefined ? {} : { "last-event-id": String(lastEventId) },
  });
  expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
  return parseSse(res.body);
}

const losses = (events: SseEvent[]): number[] => events.filter((e) => e.event === "progress").map((e) => e.data.loss as number);

async function createModel(body: object): Promise<string> {
  const res = await post("/v1/models", body);
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

async function createDataset(features: number[][], labels: number[] | number[][]): Promise<string> {
  const res = await post("/v1/datasets", { features, labels });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

describe("the seed's toy training over HTTP", () => {
  interface Toy {
    X_train: RefTensor;
    y_train: RefTensor;
    losses: number[];
    losses_printed: string[];
    train_predictions: RefTensor;
  }
  const toy = loadFixture<{ toy_training: Toy }>("appendix-a.json").toy_training;

  it("matches PyTorch's six losses, streams them, and trains the model's weights", async () => {
    const layers = seedLayers(2);
    const modelId = await createModel({ input_shape: [2], layers, seed: 123 });
    const datasetId = await createDataset(rows(toy.X_train), toy.y_train.data as number[]);
    const res = await post("/v1/jobs", {
      model_id: modelId,
      dataset_id: datasetId,
      loss: "cross_entropy",
      optimizer: { type: "SGD", lr: 0.5 },
      epochs: 3,
      batch_size: 2,
      shuffle: true,
      drop_last: true,
    });
    expect(res.statusCode, res.body).toBe(202);
    const job = res.json() as { id: string; status: string; progress: { total_steps: number } };
    expect(job.status).toBe("queued");
    expect(job.progress.total_steps).toBe(6);
    const ended = await waitForEnd(job.id);
    expect(ended.status).toBe("succeeded");
    const events = await eventsOf(job.id);
    expect(losses(events).map((l) => l.toFixed(2))).toEqual(toy.losses_printed);
    losses(events).forEach((l, i) => expect(l).toBeCloseTo(toy.losses[i]!, 5));
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.event === "status").map((e) => e.data.status)).toEqual(["queued", "running", "succeeded"]);
    expect(events.filter((e) => e.event === "epoch").map((e) => e.data.epoch)).toEqual([1, 2, 3]);
    // each data line is what the OpenAPI document says (JobEvent: strict objects), its type the event's name
    for (const e of events) {
      expect(JobEventView.safeParse(e.data).error, JSON.stringify(e)).toBeUndefined();
      expect(e.data.type).toBe(e.event);
    }
    const done = events.at(-1)!;
    expect(done.event).toBe("done");
    expect(done.data).toMatchObject({ id: job.id, status: "succeeded" });
    const metrics = ended.metrics as { loss: number; epochs: { train_accuracy: number }[] };
    expect(metrics.loss).toBeCloseTo(toy.losses.at(-1)!, 5);
    expect(metrics.epochs).toHaveLength(3);
    expect(metrics.epochs[2]!.train_accuracy).toBe(1);
    const predicted = await post(`/v1/models/${modelId}/predict`, { inputs: rows(toy.X_train) });
    expect((predicted.json() as { predictions: number[] }).predictions).toEqual(toy.train_predictions.data);
    expect((await t.app.inject({ method: "GET", url: `/v1/models/${modelId}` })).json()).toMatchObject({ version: 2 });

    // resume the stream after any event: exactly the later events
    const tail = await eventsOf(job.id, 5);
    expect(tail).toEqual(events.slice(5));
    expect(await eventsOf(job.id, events.length)).toEqual([]);
  });
});

describe("PyTorch's training trajectories over HTTP", () => {
  interface Run {
    config: { name: string; in_features: number; layers: object[]; seed: number; loss: string; optimizer: object; batch_size: number; shuffle: boolean; drop_last: boolean; epochs: number };
    X: RefTensor;
    y: RefTensor;
    losses: number[];
    final_state_dict: Record<string, RefTensor>;
  }
  const runs = loadFixture<{ runs: Run[] }>("trajectories.json").runs;
  for (const run of runs) {
    it(`${run.config.name}: every streamed loss and the final weights`, async () => {
      const c = run.config;
      const modelId = await createModel({ input_shape: [c.in_features], layers: c.layers, seed: c.seed });
      const labels = run.y.shape.length === 1 ? (run.y.data as number[]) : rows(run.y);
      const datasetId = await createDataset(rows(run.X), labels);
      const res = await post("/v1/jobs", {
        model_id: modelId,
        dataset_id: datasetId,
        loss: c.loss,
        optimizer: c.optimizer,
        epochs: c.epochs,
        batch_size: c.batch_size,
        shuffle: c.shuffle,
        drop_last: c.drop_last,
      });
      expect(res.statusCode, res.body).toBe(202);
      const { id } = res.json() as { id: string };
      expect((await waitForEnd(id)).status).toBe("succeeded");
      const got = losses(await eventsOf(id));
      expect(got).toHaveLength(run.losses.length);
      got.forEach((l, i) => expect(Math.abs(l - run.losses[i]!), `step ${i}`).toBeLessThan(3e-5 * Math.abs(run.losses[i]!) + 1e-7));
      const weights = (await t.app.inject({ method: "GET", url: `/v1/models/${modelId}/weights` })).json() as { tensors: Record<string, { data: number[] }> };
      for (const [key, ref] of Object.entries(run.final_state_dict)) {
        weights.tensors[key]!.data.forEach((v, i) => expect(Math.abs(v - (ref.data[i] as number))).toBeLessThan(1e-4 * Math.abs(ref.data[i] as number) + 1e-6));
      }
    });
  }
});

describe("PyTorch's training with a scheduler and gradient clipping over HTTP", () => {
  interface Run {
    config: { name: string; in_features: number; layers: object[]; seed: number; optimizer: object; scheduler: object; grad_clip_norm?: number; batch_size: number; epochs: number };
    losses: number[];
    epochs: { epoch: number; lr: number; train_loss: number }[];
    grad_norms: number[];
    final_state_dict: Record<string, RefTensor>;
  }
  const fixture = loadFixture<{ X: RefTensor; y: RefTensor; runs: Run[] }>("scheduled_training.json");
  for (const run of fixture.runs) {
    it(`${run.config.name}: every streamed loss, each epoch's lr and the final weights`, async () => {
      const c = run.config;
      if (c.grad_clip_norm !== undefined) expect(run.grad_norms.some((n) => n > c.grad_clip_norm!), "clipping is active").toBe(true);
      const modelId = await createModel({ input_shape: [c.in_features], layers: c.layers, seed: c.seed });
      const datasetId = await createDataset(rows(fixture.X), fixture.y.data as number[]);
      const res = await post("/v1/jobs", {
        model_id: modelId,
        dataset_id: datasetId,
        loss: "cross_entropy",
        optimizer: c.optimizer,
        scheduler: c.scheduler,
        ...(c.grad_clip_norm === undefined ? {} : { grad_clip_norm: c.grad_clip_norm }),
        epochs: c.epochs,
        batch_size: c.batch_size,
      });
      expect(res.statusCode, res.body).toBe(202);
      const { id } = res.json() as { id: string };
      expect((await waitForEnd(id)).status).toBe("succeeded");
      const events = await eventsOf(id);
      const got = losses(events);
      expect(got).toHaveLength(run.losses.length);
      got.forEach((l, i) => expect(Math.abs(l - run.losses[i]!), `step ${i}`).toBeLessThan(2e-4));
      const epochs = events.filter((e) => e.event === "epoch").map((e) => e.data as Run["epochs"][number]);
      expect(epochs.map((e) => e.epoch)).toEqual(run.epochs.map((e) => e.epoch));
      // the lrs are computed from the same doubles as PyTorch's, except ReduceLROnPlateau's, which depend on the losses
      epochs.forEach((e, i) => expect(e.lr, `epoch ${i + 1}`).toBeCloseTo(run.epochs[i]!.lr, 12));
      const weights = (await t.app.inject({ method: "GET", url: `/v1/models/${modelId}/weights` })).json() as { tensors: Record<string, { data: number[] }> };
      for (const [key, ref] of Object.entries(run.final_state_dict)) {
        weights.tensors[key]!.data.forEach((v, i) => expect(Math.abs(v - (ref.data[i] as number)), key).toBeLessThan(2e-4));
      }
    });
  }

  it("refuses a scheduler that cannot run with the job, naming the field (422)", async () => {
    const modelId = await createModel({ input_shape: [5], layers: [{ type: "Linear", out_features: 4 }], seed: 1 });
    const datasetId = await createDataset(rows(fixture.X), fixture.y.data as number[]);
    const job = { model_id: modelId, dataset_id: datasetId, loss: "cross_entropy", epochs: 2, batch_size: 8 };
    const momentumless = await post("/v1/jobs", { ...job, optimizer: { type: "Adadelta" }, scheduler: { type: "OneCycleLR", max_lr: 0.1 } });
    expect(momentumless.statusCode).toBe(422);
    expect(errorOf(momentumless).details?.[0]?.path).toBe("scheduler.cycle_momentum");
    // 48 samples in batches of 8 for 2 epochs: 12 steps
    const short = await post("/v1/jobs", { ...job, optimizer: { type: "SGD", lr: 0.1 }, scheduler: { type: "OneCycleLR", max_lr: 0.1, total_steps: 11 } });
    expect(short.statusCode).toBe(422);
    expect(errorOf(short).details?.[0]).toEqual({
      path: "scheduler.total_steps",
      message: "total_steps is 11, below the job's 12 optimizer steps (OneCycleLR cannot step past its cycle)",
    });
    const unknown = await post("/v1/jobs", { ...job, optimizer: { type: "SGD", lr: 0.1 }, scheduler: { type: "LambdaLR" } });
    expect(unknown.statusCode).toBeGreaterThanOrEqual(400);
    expect(errorOf(unknown).details?.[0]?.path).toBe("scheduler.type");
  });
});

describe("jobs", () => {
  const features = Array.from({ length: 40 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7), (i % 7) / 7]);
  const labels = features.map(([a, b]) => (a! + b! > 0 ? 1 : 0));
  const layers = [{ type: "Linear", out_features: 8 }, { type: "ReLU" }, { type: "Linear", out_features: 2 }];

  async function setup() {
    return { modelId: await createModel({ input_shape: [3], layers, seed: 1 }), datasetId: await createDataset(features, labels) };
  }

  it("returns the same job for a retried Idempotency-Key, and 409 for a different body", async () => {
    const { modelId, datasetId } = await setup();
    const body = { model_id: modelId, dataset_id: datasetId, loss: "cross_entropy", optimizer: { type: "SGD", lr: 0.1 }, epochs: 1, batch_size: 8 };
    const first = await post("/v1/jobs", body, { "idempotency-key": "retry-me" });
    const second = await post("/v1/jobs", body, { "idempotency-key": "retry-me" });
    expect(second.statusCode).toBe(202);
    expect((second.json() as { id: string }).id).toBe((first.json() as { id: string }).id);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    const other = await post("/v1/jobs", { ...body, epochs: 2 }, { "idempotency-key": "retry-me" });
    expect(other.statusCode).toBe(409);
    expect(errorOf(other).code).toBe("idempotency_conflict");
    await waitForEnd((first.json() as { id: string }).id);
  });

  it("cancels a running job within a step; the model keeps its weights", async () => {
    const { modelId, datasetId } = await setup();
    const before = (await t.app.inject({ method: "GET", url: `/v1/models/${modelId}/weights` })).json();
    const res = await post("/v1/jobs", { model_id: modelId, dataset_id: datasetId, loss: "cross_entropy", optimizer: { type: "SGD", lr: 0.1 }, epochs: 5000, batch_size: 4 });
    const { id } = res.json() as { id: string };
    for (;;) {
      const job = (await t.app.inject({ method: "GET", url: `/v1/jobs/${id}` })).json() as { progress: { step: number } };
      if (job.progress.step > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const cancel = await t.app.inject({ method: "POST", url: `/v1/jobs/${id}/cancel` });
    expect(cancel.statusCode).toBe(202);
    const ended = await waitForEnd(id);
    expect(ended.status).toBe("cancelled");
    expect((await t.app.inject({ method: "GET", url: `/v1/models/${modelId}/weights` })).json()).toEqual(before);
    const again = await t.app.inject({ method: "POST", url: `/v1/jobs/${id}/cancel` });
    expect(again.statusCode).toBe(409);
    expect(errorOf(again).code).toBe("job_not_active");
    const events = await eventsOf(id);
    expect(events.at(-2)).toMatchObject({ event: "status", data: { status: "cancelled" } });
  });

  it("reports validation metrics from a validation split, and stops early", async () => {
    const { modelId, datasetId } = await setup();
    const res = await post("/v1/jobs", {
      model_id: modelId,
      dataset_id: datasetId,
      loss: "cross_entropy",
      optimizer: { type: "Adam", lr: 0.05 },
      epochs: 200,
      batch_size: 8,
      validation_split: 0.25,
      early_stopping: { patience: 2, min_delta: 0.5 },
    });
    expect(res.statusCode, res.body).toBe(202);
    const ended = await waitForEnd((res.json() as { id: string }).id);
    expect(ended.status).toBe("succeeded");
    const metrics = ended.metrics as { stopped_early: boolean; epochs: { val_loss: number; val_accuracy: number }[] };
    expect(metrics.stopped_early).toBe(true);
    expect(metrics.epochs.length).toBeLessThan(200);
    expect(metrics.epochs[0]!.val_loss).toBeGreaterThan(0);
    expect(metrics.epochs[0]!.val_accuracy).toBeGreaterThanOrEqual(0);
    expect((ended.progress as { total_steps: number }).total_steps).toBe(200 * 4);
  });

  it("fails a job whose loss stops being finite, naming the step, and keeps the weights", async () => {
    const { modelId, datasetId } = await setup();
    const res = await post("/v1/jobs", { model_id: modelId, dataset_id: datasetId, loss: "cross_entropy", optimizer: { type: "SGD", lr: 1e30 }, epochs: 3, batch_size: 8 });
    const ended = await waitForEnd((res.json() as { id: string }).id);
    expect(ended.status).toBe("failed");
    expect(ended.error).toMatchObject({ code: "non_finite_loss" });
    expect((ended.error as { message: string }).message).toMatch(/at step \d+/);
    expect((await t.app.inject({ method: "GET", url: `/v1/models/${modelId}` })).json()).toMatchObject({ version: 1 });
  });

  it("lists jobs by status and 404s unknown ones", async () => {
    const list = (await t.app.inject({ method: "GET", url: "/v1/jobs?status=succeeded&limit=2" })).json() as { items: { status: string }[]; next_cursor: string | null };
    expect(list.items.length).toBeLessThanOrEqual(2);
    expect(list.items.every((j) => j.status === "succeeded")).toBe(true);
    const missing = await t.app.inject({ method: "GET", url: "/v1/jobs/job_nope" });
    expect(missing.statusCode).toBe(404);
    expect((await t.app.inject({ method: "GET", url: "/v1/jobs/job_nope/events" })).statusCode).toBe(404);
  });
});
