/** `kiln weights get MODEL -o FILE`: the model's weights as safetensors, ONNX or JSON, by the file's extension. */
import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { z } from "zod";
import { JSON_OPTION, parseCommand } from "./args.js";
import { ApiClient } from "./client.js";
import { CliError, EXIT, type CliIo, type Command } from "./command.js";
import { resourcePath } from "./resources.js";

/** What GET /v1/models/{id}/weights answers for each `Accept`. */
const FORMATS = {
  ".safetensors": { name: "safetensors", accept: "application/octet-stream" },
  ".onnx": { name: "ONNX", accept: "application/onnx" },
  ".json": { name: "JSON", accept: "application/json" },
} as const;
const EXTENSIONS = Object.keys(FORMATS) as (keyof typeof FORMATS)[];

const OPTIONS = { output: { type: "string", short: "o" }, ...JSON_OPTION } as const;
const Args = z.object({
  model: z.string().min(1),
  output: z
    .string({ error: "is required" })
    .refine((file) => (EXTENSIONS as string[]).includes(extname(file).toLowerCase()), `expected a file ending in ${EXTENSIONS.join(", ")}`),
  json: z.boolean().default(false),
});

async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommand(argv, OPTIONS, Args, ["model"]);
  const format = FORMATS[extname(args.output).toLowerCase() as keyof typeof FORMATS];
  const res = await ApiClient.fromEnv(io.env).send("GET", `${resourcePath("models", args.model)}/weights`, { accept: format.accept });
  const bytes = new Uint8Array(await res.arrayBuffer());
  try {
    await writeFile(args.output, bytes);
  } catch (error) {
    throw new CliError(`cannot write ${args.output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const written = { model_id: args.model, file: args.output, format: format.name, bytes: bytes.byteLength };
  io.stdout(args.json ? `${JSON.stringify(written)}\n` : `wrote ${args.output}: the weights of model ${args.model} as ${format.name}, ${bytes.byteLength} bytes\n`);
  return EXIT.ok;
}

export const weightsGet: Command = {
  path: ["weights", "get"],
  usage: "kiln weights get MODEL -o FILE.safetensors|FILE.onnx|FILE.json [--json]",
  help: "Downloads the model's weights; the file's extension picks the format (safetensors, which PyTorch loads; ONNX, the whole network; JSON by state-dict key).",
  run,
};
