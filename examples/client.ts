/**
 * The seed's toy training (Appendix A.7-A.8, as examples/appendix-a.ts does it in-process) through
 * Kiln's HTTP API, with the types openapi-typescript generates from the OpenAPI document
 * (openapi/kiln-api.d.ts, written by `npm run openapi`) and openapi-fetch:
 *
 *     npm start                        # in another terminal
 *     npx tsx examples/client.ts       # KILN_URL (default http://127.0.0.1:3000), KILN_API_KEY if keys are on
 *
 * It prints the losses as the book does (the same numbers: the job replays the seed's script),
 * the trained model's predictions, and where it saved the weights as safetensors.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import createClient from "openapi-fetch";
import type { components, paths } from "../openapi/kiln-api.js";

type JobEvent = components["schemas"]["JobEvent"];
type ApiError = components["schemas"]["ApiError"];

const baseUrl = process.env.KILN_URL ?? "http://127.0.0.1:3000";
const apiKey = process.env.KILN_API_KEY;
const client = createClient<paths>({ baseUrl, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });

/** Stops with the API's error (its code and message name what was wrong). */
function fail(what: string, response: Response, error: ApiError | undefined): never {
  throw new Error(`${what}: HTTP ${response.status} ${error ? `${error.error.code}: ${error.error.message}` : ""}`);
}

/** The events of a text/event-stream body as they arrive: each one's data, a JobEvent. */
async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<JobEvent> {
  let buffer = "";
  for await (const text of body.pipeThrough(new TextDecoderStream())) {
    buffer += text;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const line = block.split("\n").find((l) => l.startsWith("data: "));
      if (line === undefined) continue;
      const event: JobEvent = JSON.parse(line.slice("data: ".length));
      yield event;
    }
  }
}

// A.5: NeuralNetwork(2, 2), its weights drawn as after torch.manual_seed(123)
const model = await client.POST("/v1/models", {
  body: {
    name: "NeuralNetwork(2, 2)",
    input_shape: [2],
    seed: 123,
    layers: [
      { type: "Linear", out_features: 30 },
      { type: "ReLU" },
      { type: "Linear", out_features: 20 },
      { type: "ReLU" },
      { type: "Linear", out_features: 2 },
    ],
  },
});
if (!model.data) fail("create the model", model.response, model.error);
console.log(model.data.summary);
console.log(`Total number of trainable model parameters: ${model.data.trainable_params}`);

// A.6: the toy training set
const features = [[-1.2, 3.1], [-0.9, 2.9], [-0.5, 2.6], [2.3, -1.1], [2.7, -1.5]];
const labels = [0, 0, 0, 1, 1];
const dataset = await client.POST("/v1/datasets", { body: { name: "toy", features, labels } });
if (!dataset.data) fail("upload the dataset", dataset.response, dataset.error);

// A.7: SGD(lr=0.5), three epochs of DataLoader(batch_size=2, shuffle=True, drop_last=True)
const job = await client.POST("/v1/jobs", {
  body: {
    model_id: model.data.id,
    dataset_id: dataset.data.id,
    loss: "cross_entropy",
    optimizer: { type: "SGD", lr: 0.5 },
    epochs: 3,
    batch_size: 2,
    shuffle: true,
    drop_last: true,
  },
});
if (!job.data) fail("start the job", job.response, job.error);
const { epochs, total_steps } = job.data.progress;
const pad = (n: number): string => String(n).padStart(3, "0");

const stream = await client.GET("/v1/jobs/{id}/events", { params: { path: { id: job.data.id } }, parseAs: "stream" });
if (!stream.data) fail("follow the job", stream.response, stream.error);
for await (const event of readEvents(stream.data)) {
  if (event.type === "progress") {
    console.log(`Epoch: ${pad(event.epoch)}/${pad(epochs)} | Batch ${pad(event.batch)}/${pad(total_steps / epochs)} | Train Loss: ${event.loss.toFixed(2)}`);
  } else if (event.type === "done") {
    if (event.status !== "succeeded") throw new Error(`the job ${event.status}: ${event.error?.message ?? ""}`);
    console.log(`Job ${event.id} succeeded: train accuracy ${event.metrics.epochs.at(-1)?.train_accuracy}`);
  }
}

const predicted = await client.POST("/v1/models/{id}/predict", { params: { path: { id: model.data.id } }, body: { inputs: features } });
if (!predicted.data) fail("predict", predicted.response, predicted.error);
console.log("probabilities", JSON.stringify(predicted.data.probabilities));
console.log("predictions", JSON.stringify(predicted.data.predictions));

// A.8: the trained weights, as a safetensors file PyTorch loads (`safetensors.torch.load_file`)
const weights = await client.GET("/v1/models/{id}/weights", {
  params: { path: { id: model.data.id } },
  headers: { accept: "application/octet-stream" },
  parseAs: "arrayBuffer",
});
if (!weights.data) fail("download the weights", weights.response, weights.error);
const file = join(mkdtempSync(join(tmpdir(), "kiln-")), "model.safetensors");
writeFileSync(file, new Uint8Array(weights.data));
console.log(`saved ${weights.data.byteLength} bytes of weights to ${file}`);
