/** `kiln jobs cancel ID`: a queued job is cancelled at once, a running one within a step. */
import type { JobView } from "../services/index.js";
import { IdArgs, JSON_OPTION, parseCommand } from "./args.js";
import { ApiClient } from "./client.js";
import { EXIT, type CliIo, type Command } from "./command.js";
import { resourcePath } from "./resources.js";

async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommand(argv, JSON_OPTION, IdArgs, ["id"]);
  const job = await ApiClient.fromEnv(io.env).json<JobView>("POST", `${resourcePath("jobs", args.id)}/cancel`);
  const state = job.status === "cancelled" ? "cancelled" : `${job.status}, cancel requested: it stops within a step`;
  io.stdout(args.json ? `${JSON.stringify(job)}\n` : `job ${job.id} ${state}\n`);
  return EXIT.ok;
}

export const jobsCancel: Command = { path: ["jobs", "cancel"], usage: "kiln jobs cancel ID [--json]", run };
