/**
 * A TypeScript client generated from `openapi/openapi.json` (openapi-typescript's `paths` types +
 * openapi-fetch) trains the seed's toy model through a listening server: the six losses PyTorch
 * prints and the training-set predictions.
 *
 * Everything generated lives in a temporary directory: the `.d.ts`, the client script (which
 * imports nothing but openapi-fetch and those types), its compiled `.js`, and a `node_modules`
 * link to the project's so that both the compiler and Node resolve openapi-fetch from there. The
 * script is type-checked strictly against the generated types (no diagnostics), a deliberately
 * wrong one must not be, and then the checked script itself runs against the app, which requires
 * API keys: the client sends one with every request.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFixture, type RefTensor } from "../helpers/fixtures.js";
import { buildTestApp, type TestApp } from "./helper.js";
import { ROOT } from "./support/server_process.js";

/** The client script: what a user of the generated client would write. */
const CLIENT = String.raw`
import createClient from "openapi-fetch";
import type { components, paths } from "./kiln-api.js";

export type Job = paths["/v1/jobs/{id}"]["get"]["responses"][200]["content"]["application/json"];
export type ApiError = components["schemas"]["ApiError"];

export interface StreamedEvent {
  id: number;
  event: string;
  data: unknown;
}

export interface ToyRun {
  modelId: string;
  numParams: number;
  job: Job;
  events: StreamedEvent[];
  losses: number[];
  printed: string[];
  predictions: number[];
}

function fail(what: string, response: Response, error: ApiError | undefined): never {
  throw new Error(what + ": HTTP " + response.status + " " + JSON.stringify(error));
}

/** Parses a finished text/event-stream body into its events. */
export function parseEvents(text: string): StreamedEvent[] {
  const events: StreamedEvent[] = [];
  for (const block of text.split("\n\n")) {
    let id = NaN;
    let event: string | undefined;
    let data: string | undefined;
    for (const line of block.split("\n")) {
      if (line.startsWith("id: ")) id = Number(line.slice(4));
      else if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data = line.slice(6);
    }
    if (event !== undefined && data !== undefined) events.push({ id, event, data: JSON.parse(data) as unknown });
  }
  return events;
}

/**
 * The seed's toy example: NeuralNetwork(2, 2) after torch.manual_seed(123), SGD(lr=0.5), three epochs
 * of a shuffled DataLoader(batch_size=2, drop_last=True); the job has no seed of its own, so it goes
 * on with the model's generator, as the seed's script does.
 */
export async function trainToy(baseUrl: string, apiKey: string, toy: { features: number[][]; labels: number[] }): Promise<ToyRun> {
  // without a key: a 401, typed as the API's Error
  const denied = await createClient<paths>({ baseUrl }).GET("/v1/models");
  if (denied.response.status !== 401 || denied.error?.error.code !== "unauthorized") fail("expected a 401 without a key", denied.response, denied.error);

  const client = createClient<paths>({ baseUrl, headers: { authorization: "Bearer " + apiKey } });

  const model = await client.POST("/v1/models", {
    body: {
      name: "toy",
      input_shape: [2],
      layers: [
        { type: "Linear", out_features: 30 },
        { type: "ReLU" },
        { type: "Linear", out_features: 20 },
        { type: "ReLU" },
        { type: "Linear", out_features: 2 },
      ],
      seed: 123,
    },
  });
  if (!model.data) fail("create the model", model.response, model.error);

  const dataset = await client.POST("/v1/datasets", { body: { name: "toy", features: toy.features, labels: toy.labels } });
  if (!dataset.data) fail("upload the dataset", dataset.response, dataset.error);

  const created = await client.POST("/v1/jobs", {
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
  if (!created.data) fail("submit the job", created.response, created.error);

  let job: Job = created.data;
  const deadline = Date.now() + 20_000;
  while (job.status === "queued" || job.status === "running") {
    if (Date.now() > deadline) throw new Error("job " + job.id + " still " + job.status);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const polled = await client.GET("/v1/jobs/{id}", { params: { path: { id: job.id } } });
    if (!polled.data) fail("poll the job", polled.response, polled.error);
    job = polled.data;
  }

  const stream = await client.GET("/v1/jobs/{id}/events", { params: { path: { id: job.id } }, parseAs: "text" });
  if (stream.data === undefined) fail("read the events", stream.response, stream.error);
  const events = parseEvents(stream.data);
  const losses = events.flatMap((e) => (e.event === "progress" ? [(e.data as { loss: number }).loss] : []));

  const predicted = await client.POST("/v1/models/{id}/predict", {
    params: { path: { id: model.data.id } },
    body: { inputs: toy.features },
  });
  if (!predicted.data) fail("predict", predicted.response, predicted.error);

  return {
    modelId: model.data.id,
    numParams: model.data.num_params,
    job,
    events,
    losses,
    printed: losses.map((loss) => loss.toFixed(2)),
    predictions: predicted.data.predictions ?? [],
  };
}
`;

/** Calls the generated types must reject: a wrong path, a wrong loss name, a missing field, a wrong field type. */
const WRONG = String.raw`
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

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ["lib.es2023.d.ts"],
  types: ["node"],
  // the generated .d.ts is checked too: library files are not skipped
  skipLibCheck: false,
  declaration: false,
  sourceMap: false,
};

/** Formats diagnostics as tsc prints them (empty for none). */
function format(diagnostics: readonly ts.Diagnostic[], dir: string): string {
  return ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => "\n" });
}

/** What the compiled client script exports (its own types are in the temporary directory). */
interface ToyClientModule {
  trainToy(
    baseUrl: string,
    apiKey: string,
    toy: { features: number[][]; labels: number[] },
  ): Promise<{
    modelId: string;
    numParams: number;
    job: { status: string };
    events: { id: number; event: string; data: unknown }[];
    losses: number[];
    printed: string[];
    predictions: number[];
  }>;
}

interface Toy {
  X_train: RefTensor;
  y_train: RefTensor;
  losses: number[];
  losses_printed: string[];
  train_predictions: RefTensor;
}
const toy = loadFixture<{ toy_training: Toy }>("appendix-a.json").toy_training;
const rows = (t: RefTensor): number[][] => Array.from({ length: t.shape[0]! }, (_, i) => (t.data as number[]).slice(i * t.shape[1]!, (i + 1) * t.shape[1]!));

let dir: string;
let t: TestApp;
let baseUrl: string;
/** A member key of a tenant of its own, which the client sends. */
let apiKey: string;

async function postAsOperator(operatorKey: string, path: string, body: unknown): Promise<Record<string, string>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${operatorKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Record<string, string>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kiln-client-"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  const operatorKey = randomBytes(32).toString("hex");
  t = await buildTestApp({ config: { adminKey: operatorKey } });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const tenant = await postAsOperator(operatorKey, "/v1/tenants", { name: "client" });
  apiKey = (await postAsOperator(operatorKey, "/v1/keys", { role: "member", tenant_id: tenant.id })).key!;
});
afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a client generated from openapi/openapi.json", () => {
  it("is generated from the document the server serves, type-checks strictly, and trains the seed's toy model", async () => {
    const document = JSON.parse(readFileSync(join(ROOT, "openapi", "openapi.json"), "utf8")) as Record<string, unknown>;
    expect(await (await fetch(`${baseUrl}/openapi.json`)).json()).toEqual(document);

    // openapi-typescript's Node API: the document → a TypeScript AST → the .d.ts
    const ast = await openapiTS(document as never, { silent: true });
    const declarations = astToString(ast);
    expect(declarations).toContain("export interface paths");
    expect(declarations).toContain('"/v1/jobs/{id}/events"');
    writeFileSync(join(dir, "kiln-api.d.ts"), declarations);
    writeFileSync(join(dir, "toy_client.ts"), CLIENT);
    writeFileSync(join(dir, "wrong.ts"), WRONG);

    // the types are real: one strict program over the client and wrong.ts (and the .d.ts and the
    // libraries they use); the client, the .d.ts and everything else check without a diagnostic ...
    const clientFile = join(dir, "toy_client.ts");
    const wrongFile = join(dir, "wrong.ts");
    const program = ts.createProgram([clientFile, wrongFile], { ...COMPILER_OPTIONS, outDir: dir });
    expect(program.getSourceFile(join(dir, "kiln-api.d.ts"))).toBeDefined();
    const diagnostics = ts.getPreEmitDiagnostics(program);
    const outside = diagnostics.filter((d) => d.file?.fileName !== wrongFile);
    expect(format(outside, dir)).toBe("");
    // ... and every wrong call in wrong.ts is an error, each on its own line
    const rejected = diagnostics.filter((d) => d.file?.fileName === wrongFile);
    const lines = new Set(rejected.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1));
    expect([...lines].sort((a, b) => a - b), format(rejected, dir)).toEqual([7, 8, 9, 11]);
    expect(format(rejected, dir)).toContain('"cross_entropyy"');
    expect(format(rejected, dir)).toContain("input_shape");
    const emitted = program.emit(program.getSourceFile(clientFile));
    expect(emitted.emitSkipped).toBe(false);
    expect(format(emitted.diagnostics, dir)).toBe("");

    // the very script that was checked runs (compiled by the same program) against the server
    const client = (await import(pathToFileURL(join(dir, "toy_client.js")).href)) as ToyClientModule;
    const run = await client.trainToy(baseUrl, apiKey, { features: rows(toy.X_train), labels: toy.y_train.data as number[] });

    expect(run.job.status).toBe("succeeded");
    expect(run.numParams).toBe(2 * 30 + 30 + 30 * 20 + 20 + 20 * 2 + 2);
    expect(run.printed).toEqual(["0.75", "0.65", "0.44", "0.13", "0.03", "0.00"]);
    expect(run.printed).toEqual(toy.losses_printed);
    expect(run.losses).toHaveLength(toy.losses.length);
    run.losses.forEach((loss, i) => expect(Math.abs(loss - toy.losses[i]!), `step ${i + 1}`).toBeLessThan(1e-5));
    expect(run.predictions).toEqual(toy.train_predictions.data);
    expect(run.events.map((e) => e.event).at(-1)).toBe("done");
    expect(run.events.filter((e) => e.event === "status").map((e) => (e.data as { status: string }).status)).toEqual(["queued", "running", "succeeded"]);
  });
});
