#!/usr/bin/env node
/**
 * `kiln`, the command line: the operator's `keys create` (on the store, beside http/), and the
 * API's client (`train`, `models ls`, …; KILN_URL and KILN_API_KEY). This file only picks the
 * command and reports what it could not do.
 *
 *     kiln train --model model.json --data train.csv --epochs 5 --batch-size 64   (npx tsx src/cli/main.ts … from sources)
 */
import { CliError, EXIT, UsageError, type CliIo, type Command } from "./command.js";
import { datasetCommands } from "./datasets.js";
import { jobCommands } from "./jobs.js";
import { jobsCancel } from "./jobs_cancel.js";
import { jobsFollow } from "./jobs_follow.js";
import { keysCreate } from "./keys_create.js";
import { modelCommands } from "./models.js";
import { predict } from "./predict.js";
import { train } from "./train.js";
import { weightsGet } from "./weights_get.js";

const COMMANDS: readonly Command[] = [train, ...modelCommands, ...datasetCommands, ...jobCommands, jobsFollow, jobsCancel, weightsGet, predict, keysCreate];

const usage = (): string =>
  `usage:\n${COMMANDS.map((c) => `  ${c.usage}\n`).join("")}\n` +
  `The API's commands read KILN_URL (default http://127.0.0.1:3000) and KILN_API_KEY; \`kiln COMMAND --help\` says more.\n`;

async function main(argv: string[], io: CliIo): Promise<number> {
  if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    io.stdout(usage());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.path.every((word, i) => argv[i] === word));
  if (command === undefined) {
    io.stderr(`kiln: ${argv.length === 0 ? "no command" : `unknown command: ${argv.join(" ")}`}\n${usage()}`);
    return EXIT.usage;
  }
  const args = argv.slice(command.path.length);
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(`usage: ${command.usage}\n${command.help === undefined ? "" : `\n${command.help}\n`}`);
    return EXIT.ok;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`kiln: ${error.message}\nusage: ${command.usage}\n`);
      return EXIT.usage;
    }
    if (!(error instanceof CliError)) throw error;
    io.stderr(`kiln: ${error.message}\n`);
    return EXIT.failed;
  }
}

const io: CliIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  tty: process.stdout.isTTY ? { columns: process.stdout.columns || 80 } : null,
  onInterrupt: (handler) => {
    process.on("SIGINT", handler);
    return () => process.off("SIGINT", handler);
  },
};
main(process.argv.slice(2), io).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`kiln: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
