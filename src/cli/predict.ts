/** `kiln predict MODEL --input x.json`: the model's outputs for the samples in a file. */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { PredictRequest, PredictResponse } from "../http/routes/models/schemas.js";
import { JSON_OPTION, parseCommand } from "./args.js";
import { ApiClient } from "./client.js";
import { CliError, EXIT, type CliIo, type Command } from "./command.js";
import { resourcePath } from "./resources.js";

const OPTIONS = { input: { type: "string", short: "i" }, ...JSON_OPTION } as const;
const Args = z.object({ model: z.string().min(1), input: z.string({ error: "is required" }).min(1), json: z.boolean().default(false) });

/** The request body from the file: an array of samples, or `{"inputs": [...]}` as it is (the API checks the samples). */
async function readInputs(file: string): Promise<z.input<typeof PredictRequest>> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (Array.isArray(value)) return { inputs: value };
  if (typeof value === "object" && value !== null && "inputs" in value) return value as z.input<typeof PredictRequest>;
  throw new CliError(`${file}: expected an array of samples or {"inputs": [...]}`);
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommand(argv, OPTIONS, Args, ["model"]);
  const body = await readInputs(args.input);
  const answer = await ApiClient.fromEnv(io.env).json<z.infer<typeof PredictResponse>>("POST", `${resourcePath("models", args.model)}/predict`, { json: body });
  if (args.json) io.stdout(`${JSON.stringify(answer)}\n`);
  else if (answer.predictions === undefined) io.stdout(answer.outputs.map((output) => `${JSON.stringify(output)}\n`).join(""));
  // one line a sample: the class, and how sure the model is of it
  else io.stdout(answer.predictions.map((c, i) => `${c}\t${answer.probabilities![i]![c]!.toFixed(4)}\n`).join(""));
  return EXIT.ok;
}

export const predict: Command = {
  path: ["predict"],
  usage: "kiln predict MODEL --input FILE.json [--json]",
  help: `Runs the model on the samples in FILE.json: an array of samples (each of the model's input_shape), or {"inputs": [...]}.
Prints one line a sample: for a classifier its predicted class and that class's probability, otherwise
its outputs as JSON; --json prints the API's whole answer (outputs, probabilities, predictions).`,
  run,
};
