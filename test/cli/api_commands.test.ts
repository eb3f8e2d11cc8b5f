/**
 * The API's commands of `kiln` run as users run them (child processes, stdout a pipe), against a
 * real server process that requires API keys, the key made by `kiln keys create` on its store.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferenceSession } from "onnxruntime-node";
import { parse } from "../../src/tensor/safetensors.js";
import type { DatasetView, JobView, ModelView } from "../../src/services/index.js";
import { Api } from "../http/support/api.js";
import { freePort, killServers, ServerProcess, startServer } from "../http/support/server_process.js";
import { dataset, jobSpec, MODEL } from "../http/support/training.js";
import { kiln, spawnKiln, type Run } from "./support/kiln.js";

const SLOW = 180_000;
const ROWS = 48;

let dir: string;
let server: ServerProcess;
let api: Api;
let env: Record<string, string>;
const file = (name: string): string => join(dir, name);

/** The lines of a run's stdout, after checking that it succeeded. */
function lines(run: Run, code = 0): string[] {
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(code);
  return run.stdout.trimEnd().split("\n");
}

/** A CSV with a header row, the label last, of `n` of the training support's samples. */
function csv(n: number, offset = 0): string {
  const { features, labels } = dataset(n + offset);
  const header = [...features[0]!.map((_, j) => `x${j}`), "label"].join(",");
  return [header, ...features.slice(offset).map((row, i) => [...row, labels[i + offset]].join(","))].join("\n") + "\n";
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kiln-cli-api-"));
  const made = await kiln(["keys", "create", "--tenant", "cli", "--role", "admin"], { KILN_DATA_DIR: file("data") });
  expect(made.code, made.stderr).toBe(0);
  const key = made.stdout.trim();
  server = await startServer({ dataDir: file("data"), env: { KILN_AUTH: "keys" } });
  api = new Api(server.baseUrl, key);
  env = { KILN_URL: server.baseUrl, KILN_API_KEY: key };
  writeFileSync(file("model.json"), JSON.stringify(MODEL));
  // ReLU, unlike the model's Tanh, lets a huge step overflow the outputs: the loss turns NaN
  writeFileSync(file("relu.json"), JSON.stringify({ input_shape: [5], seed: 1, layers: [{ type: "Linear", out_features: 8 }, { type: "ReLU" }, { type: "Linear", out_features: 4 }] }));
  writeFileSync(file("train.csv"), csv(ROWS));
  writeFileSync(file("val.csv"), csv(16, ROWS));
  writeFileSync(file("x.json"), JSON.stringify(dataset(3).features));
}, SLOW);

afterAll(async () => {
  await killServers();
  rmSync(dir, { recursive: true, force: true });
});

describe("kiln train", () => {
  it(
    "uploads a model spec and CSV files, trains, and ends with the job id and its metrics (plain lines off a terminal)",
    async () => {
      const args = ["train", "--model", file("model.json"), "--data", file("train.csv"), "--val", file("val.csv")];
      const out = lines(await kiln([...args, "--optimizer", "Adam", "--lr", "0.01", "--epochs", "3", "--batch-size", "8", "--seed", "5"], env));
      const job = (await api.request<JobView>("GET", `/v1/jobs/${/^job (job_\w+) /.exec(out.at(-1)!)![1]}`)).body;
      expect(job.status).toBe("succeeded");
      const [model, data, val] = await Promise.all([
        api.request<ModelView>("GET", `/v1/models/${job.model_id}`),
        api.request<DatasetView>("GET", `/v1/datasets/${job.dataset_id}`),
        api.request<DatasetView>("GET", `/v1/datasets/${job.validation_dataset_id}`),
      ]);
      expect(model.body.name).toBe(MODEL.name);
      expect(data.body).toMatchObject({ name: "train.csv", num_samples: ROWS, feature_shape: [5], label_dtype: "int64" });
      expect(val.body).toMatchObject({ name: "val.csv", num_samples: 16 });
      expect(job.spec).toMatchObject({ optimizer: { type: "Adam", lr: 0.01 }, loss: "cross_entropy", epochs: 3, batch_size: 8, seed: 5 });

      const f = (x: number | undefined): string => x!.toFixed(4);
      const epochLine = (e: JobView["metrics"]["epochs"][number]): string =>
        `train_loss ${f(e.train_loss)}, train_accuracy ${f(e.train_accuracy)}, val_loss ${f(e.val_loss)}, val_accuracy ${f(e.val_accuracy)}, lr 0.0100`;
      expect(out).toEqual([
        `model ${model.body.id}: ${file("model.json")}, ${model.body.num_params} parameters`,
        `dataset ${data.body.id}: ${file("train.csv")}, ${ROWS} samples of [5]`,
        `validation dataset ${val.body.id}: ${file("val.csv")}, 16 samples of [5]`,
        `job ${job.id}: 3 epochs, 18 steps`,
        "status: queued",
        "status: running",
        ...job.metrics.epochs.map((e) => `epoch ${e.epoch}/3: ${epochLine(e)}`),
        "status: succeeded",
        `job ${job.id} succeeded: ${epochLine(job.metrics.epochs[2]!)} (3 epochs, 18 steps)`,
      ]);
    },
    SLOW,
  );

  it(
    "trains stored resources by id, and with --json prints only the finished job",
    async () => {
      const model = await api.create<ModelView>("/v1/models", MODEL);
      const data = await api.create<DatasetView>("/v1/datasets", dataset(20));
      const out = lines(await kiln(["train", "--model", model.id, "--data", data.id, "--epochs", "2", "--batch-size", "10", "--json"], env));
      expect(out).toHaveLength(1);
      const job = JSON.parse(out[0]!) as JobView;
      expect(job).toMatchObject({ model_id: model.id, dataset_id: data.id, status: "succeeded", progress: { step: 4, total_steps: 4 } });
      expect(job).toEqual((await api.request<JobView>("GET", `/v1/jobs/${job.id}`)).body);
    },
    SLOW,
  );

  it(
    "exits 1 when the job fails, saying why",
    async () => {
      const run = await kiln(["train", "--model", file("relu.json"), "--data", file("train.csv"), "--optimizer", "sgd", "--lr", "1e30", "--epochs", "2", "--batch-size", "8", "--seed", "1"], env);
      const out = lines(run, 1);
      expect(out.at(-2)).toBe("status: failed");
      expect(out.at(-1)).toMatch(/^job job_\w+ failed: non_finite_loss: loss became (NaN|Infinity|-Infinity) at step \d+/);
    },
    SLOW,
  );

  it(
    "stops following on Ctrl-C, saying that the job goes on; `jobs cancel` and `jobs follow` then end it",
    async () => {
      const following = spawnKiln(["train", "--model", file("model.json"), "--data", file("train.csv"), "--epochs", "10000", "--batch-size", "4"], env);
      await following.printed(/status: running\n/);
      following.child.kill("SIGINT");
      const stopped = await following.done;
      expect(stopped.code).toBe(130);
      const id = /^job (job_\w+):/m.exec(stopped.stdout)![1]!;
      expect(stopped.stderr).toContain(`stopped following; job ${id} goes on`);
      expect((await api.request<JobView>("GET", `/v1/jobs/${id}`)).body.status).toBe("running");

      expect(lines(await kiln(["jobs", "cancel", id], env))).toEqual([expect.stringMatching(new RegExp(`^job ${id} (cancelled|running, cancel requested)`))]);
      const followed = lines(await kiln(["jobs", "follow", id], env), 1);
      expect(followed.at(-1)).toMatch(new RegExp(`^job ${id} cancelled \\(\\d+ epochs, \\d+ steps\\)$`));
    },
    SLOW,
  );
});

describe("kiln jobs follow", () => {
  it(
    "goes on across a restart of the server, from the event after the last it printed",
    async () => {
      const model = await api.create<ModelView>("/v1/models", MODEL);
      const data = await api.create<DatasetView>("/v1/datasets", dataset(40));
      const job = await api.create<JobView>("/v1/jobs", jobSpec(model.id, data.id, 10_000, 4), 202);
      const following = spawnKiln(["jobs", "follow", job.id], env);
      await following.printed(/^epoch 2\/10000: /m);
      const stopped = await server.stop();
      expect(stopped.code).toBe(0);
      server = ServerProcess.spawn({ dataDir: file("data"), port: server.port, env: { KILN_AUTH: "keys" } });
      await server.waitReady();
      // the job resumed on the new server: the follower sees its end there
      await api.create(`/v1/jobs/${job.id}/cancel`, undefined, 202);
      const out = lines(await following.done, 1);
      expect(out.at(-1)).toMatch(new RegExp(`^job ${job.id} cancelled \\(\\d+ epochs, \\d+ steps\\)$`));
      const epochs = out.filter((l) => /^epoch \d+\//.test(l)).map((l) => Number(/^epoch (\d+)/.exec(l)![1]));
      expect(epochs).toEqual(epochs.map((_, i) => i + 1));
    },
    SLOW,
  );
});

describe("resources", () => {
  it(
    "lists, shows and removes models and datasets, as text and as the API's JSON",
    async () => {
      const model = await api.create<ModelView>("/v1/models", { ...MODEL, name: "listed" });
      const data = await api.create<DatasetView>("/v1/datasets", dataset(10));

      const listed = lines(await kiln(["models", "ls"], env));
      expect(listed[0]).toMatch(/^ID +NAME +INPUT +OUTPUT +PARAMS +VERSION +CREATED$/);
      expect(listed).toContainEqual(expect.stringMatching(new RegExp(`^${model.id} +listed +\\[5\\] +\\[4\\] +${model.num_params} +1 `)));
      const page = JSON.parse((await kiln(["models", "ls", "--json", "--limit", "100"], env)).stdout) as { items: ModelView[] };
      expect(page).toEqual((await api.request("GET", "/v1/models?limit=100")).body);

      const shown = (await kiln(["models", "show", model.id], env)).stdout;
      expect(shown).toContain(`model ${model.id} (listed): [5] → [4], ${model.num_params} parameters`);
      expect(shown).toContain(model.summary);
      expect(JSON.parse((await kiln(["models", "show", model.id, "--json"], env)).stdout)).toEqual(model);

      expect(lines(await kiln(["datasets", "ls"], env))).toContainEqual(expect.stringMatching(new RegExp(`^${data.id} +formula-10 +10 +float32 \\[5\\] +int64 \\[\\], 4 classes`)));
      expect(JSON.parse((await kiln(["datasets", "show", data.id, "--json"], env)).stdout)).toEqual(data);

      expect(lines(await kiln(["models", "rm", model.id], env))).toEqual([`deleted model ${model.id}`]);
      expect(JSON.parse((await kiln(["datasets", "rm", data.id, "--json"], env)).stdout)).toEqual({ id: data.id, deleted: true });
      const gone = await kiln(["models", "show", model.id], env);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toBe(`kiln: model ${model.id} not found (not_found, HTTP 404)\n`);
      expect((await api.request("GET", `/v1/datasets/${data.id}`)).status).toBe(404);
    },
    SLOW,
  );

  it(
    "lists, shows and removes jobs, by status too",
    async () => {
      const out = lines(await kiln(["train", "--model", file("model.json"), "--data", file("train.csv"), "--epochs", "1", "--batch-size", "16", "--json"], env));
      const job = JSON.parse(out[0]!) as JobView;
      const page = JSON.parse((await kiln(["jobs", "ls", "--status", "succeeded", "--json"], env)).stdout) as { items: JobView[] };
      expect(page.items.map((j) => j.id)).toContain(job.id);
      expect(page.items.every((j) => j.status === "succeeded")).toBe(true);
      expect(lines(await kiln(["jobs", "ls"], env))).toContainEqual(expect.stringMatching(new RegExp(`^${job.id} +succeeded +${job.model_id} +${job.dataset_id} +epoch 1/1, step 3/3 `)));
      const shown = lines(await kiln(["jobs", "show", job.id], env));
      expect(shown[0]).toBe(`job ${job.id}: succeeded`);
      expect(shown.at(-1)).toBe(`epoch 1: train_loss ${job.metrics.epochs[0]!.train_loss.toFixed(4)}, train_accuracy ${job.metrics.epochs[0]!.train_accuracy!.toFixed(4)}, lr 0.0010`);
      expect(JSON.parse((await kiln(["jobs", "show", job.id, "--json"], env)).stdout)).toEqual(job);

      expect(lines(await kiln(["jobs", "rm", job.id], env))).toEqual([`deleted job ${job.id}`]);
      const gone = await kiln(["jobs", "rm", job.id], env);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toBe(`kiln: job ${job.id} not found (not_found, HTTP 404)\n`);
      // the version the job made stays with its model
      expect((await api.request<{ items: { job_id: string | null }[] }>("GET", `/v1/models/${job.model_id}/versions`)).body.items.map((v) => v.job_id)).toContain(job.id);
    },
    SLOW,
  );
});

describe("weights and predictions", () => {
  it(
    "writes the weights as a safetensors file equal to the API's, as its JSON, and as its ONNX model",
    async () => {
      const model = await api.create<ModelView>("/v1/models", MODEL);
      const weights = (await api.request<{ tensors: Record<string, { shape: number[]; dtype: string; data: number[] }> }>("GET", `/v1/models/${model.id}/weights`)).body;

      const out = lines(await kiln(["weights", "get", model.id, "-o", file("w.safetensors")], env));
      expect(out).toEqual([expect.stringMatching(new RegExp(`^wrote ${file("w.safetensors")}: the weights of model ${model.id} as safetensors, \\d+ bytes$`))]);
      const read = parse(readFileSync(file("w.safetensors")));
      expect(Object.keys(read.tensors).sort()).toEqual(Object.keys(weights.tensors).sort());
      for (const [key, t] of Object.entries(weights.tensors)) {
        expect(read.tensors[key]!.shape, key).toEqual(t.shape);
        expect(Array.from(read.tensors[key]!.data as Float32Array), key).toEqual(t.data);
      }

      const json = JSON.parse((await kiln(["weights", "get", model.id, "-o", file("w.json"), "--json"], env)).stdout) as Record<string, unknown>;
      expect(json).toMatchObject({ model_id: model.id, file: file("w.json"), format: "JSON" });
      expect(JSON.parse(readFileSync(file("w.json"), "utf8"))).toEqual(weights);

      await kiln(["weights", "get", model.id, "-o", file("w.onnx")], env);
      const onnx = await fetch(`${api.baseUrl}/v1/models/${model.id}/weights`, { headers: { authorization: `Bearer ${api.key}`, accept: "application/onnx" } });
      expect(onnx.status).toBe(200);
      const onnxFile = readFileSync(file("w.onnx"));
      expect(onnxFile.equals(Buffer.from(await onnx.arrayBuffer()))).toBe(true);
      const session = await InferenceSession.create(onnxFile, { executionProviders: ["cpu"] });
      expect([session.inputNames, session.outputNames]).toEqual([["inputs"], ["outputs"]]);
      await session.release();

      const wrong = await kiln(["weights", "get", model.id, "-o", file("w.pt")], env);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain("--output: expected a file ending in .safetensors, .onnx, .json");
    },
    SLOW,
  );

  it(
    "predicts from a file of samples: each sample's class and probability, or with --json the API's answer",
    async () => {
      const model = await api.create<ModelView>("/v1/models", MODEL);
      const inputs = dataset(3).features;
      const answer = (await api.request<{ predictions: number[]; probabilities: number[][] }>("POST", `/v1/models/${model.id}/predict`, { inputs })).body;
      expect(lines(await kiln(["predict", model.id, "--input", file("x.json")], env))).toEqual(answer.predictions.map((c, i) => `${c}\t${answer.probabilities[i]![c]!.toFixed(4)}`));
      writeFileSync(file("inputs.json"), JSON.stringify({ inputs }));
      expect(JSON.parse((await kiln(["predict", model.id, "--input", file("inputs.json"), "--json"], env)).stdout)).toEqual(answer);

      writeFileSync(file("bad.json"), JSON.stringify([[1, 2]]));
      const bad = await kiln(["predict", model.id, "--input", file("bad.json")], env);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^kiln: .+ \(\w+, HTTP 4\d\d\)\n {2}inputs/);
    },
    SLOW,
  );
});

describe("failures", () => {
  it(
    "says that a key was refused, or that no server answered where it tried, and exits 1",
    async () => {
      const badKey = await kiln(["models", "ls"], { ...env, KILN_API_KEY: `${env.KILN_API_KEY!.slice(0, -1)}${env.KILN_API_KEY!.endsWith("a") ? "b" : "a"}` });
      expect(badKey.code).toBe(1);
      expect(badKey.stdout).toBe("");
      expect(badKey.stderr).toMatch(/^kiln: .+ \(unauthorized, HTTP 401\)\n$/);
      const noKey = await kiln(["models", "ls"], { KILN_URL: server.baseUrl });
      expect(noKey.stderr).toMatch(/\(unauthorized, HTTP 401\)/);

      const url = `http://127.0.0.1:${await freePort()}`;
      const refused = await kiln(["jobs", "ls"], { KILN_URL: url });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(`kiln: could not reach the Kiln API at ${url} (ECONNREFUSED); KILN_URL says where it is\n`);
    },
    SLOW,
  );
});
