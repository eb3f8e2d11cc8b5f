/**
 * `kiln train`: uploads what is local (the model spec, the data), starts the job and follows it to
 * its end with a progress bar.
 */
import { z } from "zod";
import type { OptimizerSpecInput, TrainingSpecInput } from "../schema/index.js";
import type { JobView } from "../services/index.js";
import { JSON_OPTION, parseCommand } from "./args.js";
import { ApiClient } from "./client.js";
import type { CliIo, Command } from "./command.js";
import { followJob } from "./follow.js";
import { resolveDataset, resolveModel } from "./uploads.js";

type OptimizerType = OptimizerSpecInput["type"];
/** `--optimizer` names, in any case, for the API's optimizer types. */
const OPTIMIZERS = { sgd: "SGD", adam: "Adam", adamw: "AdamW", rmsprop: "RMSprop", adadelta: "Adadelta" } as const satisfies Record<Lowercase<OptimizerType>, OptimizerType>;

const OPTIONS = {
  model: { type: "string" },
  data: { type: "string" },
  val: { type: "string" },
  "label-column": { type: "string" },
  loss: { type: "string", default: "cross_entropy" },
  optimizer: { type: "string", default: "adam" },
  lr: { type: "string", default: "1e-3" },
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  seed: { type: "string" },
  ...JSON_OPTION,
} as const;

const count = z.coerce.number({ error: "is required" }).int().min(1);

const Args = z.object({
  model: z.string({ error: "is required" }).min(1),
  data: z.string({ error: "is required" }).min(1),
  val: z.string().min(1).optional(),
  "label-column": z.string().min(1).optional(),
  loss: z.string(),
  optimizer: z
    .string()
    .transform((name) => name.toLowerCase())
    .pipe(z.enum(Object.keys(OPTIMIZERS) as (keyof typeof OPTIMIZERS)[], { error: `expected one of ${Object.keys(OPTIMIZERS).join(", ")}` })),
  lr: z.coerce.number().positive(),
  epochs: count,
  "batch-size": count,
  seed: z.coerce.number().int().min(0).optional(),
  json: z.boolean().default(false),
});

/** The job's body; the loss is the server's to check (its answer lists the losses it has). */
type JobRequest = Omit<TrainingSpecInput, "loss"> & { loss: string };

async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommand(argv, OPTIONS, Args);
  const client = ApiClient.fromEnv(io.env);
  const say = (line: string): void => {
    if (!args.json) io.stdout(`${line}\n`);
  };

  const model = await resolveModel(client, args.model);
  if (model.uploaded) say(`model ${model.id}: ${model.uploaded.file}, ${model.uploaded.view.num_params} parameters`);
  const datasets = [];
  for (const [role, arg] of [["dataset", args.data], ["validation dataset", args.val]] as const) {
    if (arg === undefined) continue;
    const dataset = await resolveDataset(client, arg, args["label-column"]);
    if (dataset.uploaded) {
      const { file, view } = dataset.uploaded;
      say(`${role} ${dataset.id}: ${file}, ${view.num_samples} samples of [${view.feature_shape.join(", ")}]`);
    }
    datasets.push(dataset.id);
  }

  const body: JobRequest = {
    model_id: model.id,
    dataset_id: datasets[0]!,
    ...(datasets[1] === undefined ? {} : { validation_dataset_id: datasets[1] }),
    loss: args.loss,
    optimizer: { type: OPTIMIZERS[args.optimizer], lr: args.lr },
    epochs: args.epochs,
    batch_size: args["batch-size"],
    ...(args.seed === undefined ? {} : { seed: args.seed }),
  };
  const job = await client.json<JobView>("POST", "/v1/jobs", { json: body });
  say(`job ${job.id}: ${job.progress.epochs} epochs, ${job.progress.total_steps} steps`);
  return followJob(client, job, io, args.json);
}

export const train: Command = {
  path: ["train"],
  usage:
    "kiln train --model MODEL --data DATA [--val DATA] [--label-column NAME] [--loss cross_entropy] [--optimizer adam] [--lr 1e-3] " +
    "--epochs N --batch-size N [--seed N] [--json]",
  help: `Uploads the model and data given as files, starts a training job and follows it to its end.

  --model MODEL       a model spec file (.json: input_shape and layers, as POST /v1/models takes), or a model id
  --data DATA         the training data: a .csv, .json, .safetensors or .npz file, or a dataset id
  --val DATA          validation data, evaluated after each epoch (the same kinds)
  --label-column NAME a CSV's label column; default: its last. CSV files start with a header row
  --loss NAME         cross_entropy (default), nll_loss, mse_loss, l1_loss, huber_loss, binary_cross_entropy_with_logits
  --optimizer NAME    adam (default), adamw, sgd, rmsprop, adadelta
  --lr RATE           the learning rate (default 1e-3)
  --epochs N, --batch-size N, --seed N
  --json              print only the finished job, as the API's JSON

Progress goes to stdout: a bar redrawn in place on a terminal, one line per epoch and status change
otherwise; the last line has the job id and its final metrics. Exit code 0 when the job succeeded,
1 when it failed or was cancelled. Ctrl-C stops following; the job goes on.`,
  run,
};
