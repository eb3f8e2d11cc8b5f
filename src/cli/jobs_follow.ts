/** `kiln jobs follow ID`: a job's progress from its first event (replayed) to its end, as `kiln train` shows it. */
import type { JobView } from "../services/index.js";
import { IdArgs, JSON_OPTION, parseCommand } from "./args.js";
import { ApiClient } from "./client.js";
import type { CliIo, Command } from "./command.js";
import { followJob } from "./follow.js";
import { resourcePath } from "./resources.js";

async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommand(argv, JSON_OPTION, IdArgs, ["id"]);
  const client = ApiClient.fromEnv(io.env);
  const job = await client.json<JobView>("GET", resourcePath("jobs", args.id));
  return followJob(client, job, io, args.json);
}

export const jobsFollow: Command = {
  path: ["jobs", "follow"],
  usage: "kiln jobs follow ID [--json]",
  help: "Follows the job to its end as `kiln train` does (exit code 0 when it succeeded, 1 when it failed or was cancelled); --json prints only the finished job.",
  run,
};
