/**
 * What a user of each generated client would write, as source text for client.test.ts to write
 * beside the generated files, type-check strictly and run: both train the seed's toy model
 * (NeuralNetwork(2, 2) after torch.manual_seed(123), SGD(lr=0.5), three epochs of a shuffled
 * DataLoader(batch_size=2, drop_last=True); the job has no seed of its own, so it goes on with the
 * model's generator, as the seed's script does) and read the job's events, told apart by their
 * `type` alone: no casts, and `IsAny` fails to compile should a payload be `any`.
 */
import { jobExamples } from "../../../src/http/routes/jobs/schemas.js";
import { modelExamples } from "../../../src/http/routes/models/schemas.js";

/** What both scripts export, as the test sees it. */
export interface ToyRun {
  modelId: string;
  numParams: number;
  job: { status: string };
  /** Each event's SSE name (`event:` line) and its data's `type`, which must agree. */
  events: { event: string; type: string }[];
  losses: number[];
  statuses: string[];
  epochs: number[];
  predictions: number[];
}

export interface ToyClientModule {
  trainToy(baseUrl: string, apiKey: string, toy: { features: number[][]; labels: number[] }): Promise<ToyRun>;
}

/** The API's own examples of the toy model and job (the job's ids those the script just created). */
const TOY_MODEL = JSON.stringify(modelExamples.toy.value);
const TOY_JOB = `{ ...${JSON.stringify(jobExamples.toy.value)}, model_id: model.id, dataset_id: dataset.id }`;

/** Sorts one event into the run, by its type: each branch sees that event's own fields. */
const TALLY = `
type IsAny<T> = 0 extends 1 & T ? true : false;

function tally(run: ToyRun, event: JobEvent): void {
  const notAny: IsAny<typeof event> = false;
  void notAny;
  switch (event.type) {
    case "progress":
      run.losses.push(event.loss);
      break;
    case "epoch":
      run.epochs.push(event.epoch);
      break;
    case "status":
      run.statuses.push(event.status);
      break;
    case "done":
      run.job = event;
      break;
    default: {
      const unknownEvent: never = event;
      throw new Error("unexpected event " + JSON.stringify(unknownEvent));
    }
  }
}
`;

const TOY_RUN = `
export interface ToyRun {
  modelId: string;
  numParams: number;
  job: Job;
  events: { event: string; type: JobEvent["type"] }[];
  losses: number[];
  statuses: Job["status"][];
  epochs: number[];
  predictions: number[];
}
`;

/** openapi-typescript's types (`kiln-api.d.ts`) with openapi-fetch; SSE frames parsed by hand. */
export const OPENAPI_FETCH_CLIENT = String.raw`
import createClient from "openapi-fetch";
import type { components, paths } from "./kiln-api.js";

type Job = components["schemas"]["Job"];
type Model = components["schemas"]["Model"];
type JobEvent = components["schemas"]["JobEvent"];
type ApiError = components["schemas"]["ApiError"];
${TOY_RUN}
${TALLY}
function fail(what: string, response: Response, error: ApiError | undefined): never {
  throw new Error(what + ": HTTP " + response.status + " " + JSON.stringify(error));
}

/** A finished text/event-stream body's events: each one's name and its data, a JobEvent. */
function parseEvents(text: string): { event: string; data: JobEvent }[] {
  const events: { event: string; data: JobEvent }[] = [];
  for (const block of text.split("\n\n")) {
    let event: string | undefined;
    let data: JobEvent | undefined;
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data = JSON.parse(line.slice(6));
    }
    if (event !== undefined && data !== undefined) events.push({ event, data });
  }
  return events;
}

export async function trainToy(baseUrl: string, apiKey: string, toy: { features: number[][]; labels: number[] }): Promise<ToyRun> {
  // without a key: a 401, typed as the API's ApiError
  const denied = await createClient<paths>({ baseUrl }).GET("/v1/models");
  if (denied.response.status !== 401 || denied.error?.error.code !== "unauthorized") fail("expected a 401 without a key", denied.response, denied.error);

  const client = createClient<paths>({ baseUrl, headers: { authorization: "Bearer " + apiKey } });
  const created = await client.POST("/v1/models", { body: ${TOY_MODEL} });
  if (!created.data) fail("create the model", created.response, created.error);
  const model: Model = created.data;

  const uploaded = await client.POST("/v1/datasets", { body: { name: "toy", features: toy.features, labels: toy.labels } });
  if (!uploaded.data) fail("upload the dataset", uploaded.response, uploaded.error);
  const dataset = uploaded.data;

  const submitted = await client.POST("/v1/jobs", { body: ${TOY_JOB} });
  if (!submitted.data) fail("submit the job", submitted.response, submitted.error);
  let job: Job = submitted.data;
  const deadline = Date.now() + 20_000;
  while (job.status === "queued" || job.status === "running") {
    if (Date.now() > deadline) throw new Error("job " + job.id + " still " + job.status);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const polled = await client.GET("/v1/jobs/{id}", { params: { path: { id: job.id } } });
    if (!polled.data) fail("poll the job", polled.response, polled.error);
    job = polled.data;
  }

  const run: ToyRun = { modelId: model.id, numParams: model.num_params, job, events: [], losses: [], statuses: [], epochs: [], predictions: [] };
  const stream = await client.GET("/v1/jobs/{id}/events", { params: { path: { id: job.id } }, parseAs: "text" });
  if (stream.data === undefined) fail("read the events", stream.response, stream.error);
  for (const { event, data } of parseEvents(stream.data)) {
    run.events.push({ event, type: data.type });
    tally(run, data);
  }

  const predicted = await client.POST("/v1/models/{id}/predict", { params: { path: { id: model.id } }, body: { inputs: toy.features } });
  if (!predicted.data) fail("predict", predicted.response, predicted.error);
  run.predictions = predicted.data.predictions ?? [];
  return run;
}
`;

/** @hey-api/openapi-ts's SDK (its fetch client) in `./hey/`; its SSE client yields each event's data. */
export const HEY_API_CLIENT = String.raw`
import { createClient, createConfig } from "./hey/client/index.js";
import { createDataset, createJob, createModel, listModels, predict, streamJobEvents } from "./hey/sdk.gen.js";
import type { Job, JobEvent, Model } from "./hey/types.gen.js";
${TOY_RUN}
${TALLY}
export async function trainToy(baseUrl: string, apiKey: string, toy: { features: number[][]; labels: number[] }): Promise<ToyRun> {
  // without a key: a 401, typed as the API's ApiError
  const denied = await listModels({ client: createClient(createConfig({ baseUrl })) });
  if (denied.response.status !== 401 || denied.error?.error.code !== "unauthorized") throw new Error("expected a 401 without a key");

  const client = createClient(createConfig({ baseUrl, auth: apiKey }));
  const model: Model = (await createModel({ client, throwOnError: true, body: ${TOY_MODEL} })).data;
  const dataset = (await createDataset({ client, throwOnError: true, body: { name: "toy", features: toy.features, labels: toy.labels } })).data;
  const submitted: Job = (await createJob({ client, throwOnError: true, body: ${TOY_JOB} })).data;

  // the stream replays from the first event and ends after "done"
  const run: ToyRun = { modelId: model.id, numParams: model.num_params, job: submitted, events: [], losses: [], statuses: [], epochs: [], predictions: [] };
  let name: string | undefined;
  const { stream } = await streamJobEvents({ client, path: { id: submitted.id }, sseMaxRetryAttempts: 1, onSseEvent: (e) => (name = e.event) });
  for await (const event of stream) {
    run.events.push({ event: name ?? "", type: event.type });
    tally(run, event);
  }

  const predicted = await predict({ client, throwOnError: true, path: { id: model.id }, body: { inputs: toy.features } });
  run.predictions = predicted.data.predictions ?? [];
  return run;
}
`;

/** Calls openapi-typescript's types must reject: a wrong path, a wrong loss name, a missing field, a wrong field type. */
export const WRONG = String.raw`
import createClient from "openapi-fetch";
import type { paths } from "./kiln-api.js";

const client = createClient<paths>({ baseUrl: "http://127.0.0.1:1" });
export async function wrong(): Promise<void> {
  await client.GET("/v1/job/{id}", { params: { path: { id: "x" } } });
  await client.POST("/v1/jobs", { body: { model_id: "m", dataset_id: "d", loss: "cross_entropyy", optimizer: { type: "SGD", lr: 0.5 }, epochs: 3, batch_size: 2 } });
  await client.POST("/v1/models", { body: { layers: [{ type: "Linear", out_features: 2 }] } });
  const job = await client.GET("/v1/jobs/{id}", { params: { path: { id: "x" } } });
  const status: number = job.data!.status;
  void status;
}
`;
