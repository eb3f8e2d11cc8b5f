#!/usr/bin/env node
/**
 * `kiln`, the operator's command line: a top layer beside http/, working on the store through the
 * services, with the server's configuration (the same environment variables). This file only
 * picks the command.
 *
 *     kiln keys create --tenant acme --role admin        (npx tsx src/cli/main.ts … from sources)
 */
import { EXIT, UsageError, type CliIo, type Command } from "./command.js";
import { keysCreate } from "./keys_create.js";

const COMMANDS: readonly Command[] = [keysCreate];

const usage = (): string => `usage:\n${COMMANDS.map((c) => `  ${c.usage}\n`).join("")}`;

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
  try {
    return await command.run(argv.slice(command.path.length), io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`kiln: ${error.message}\nusage: ${command.usage}\n`);
    return EXIT.usage;
  }
}

const io: CliIo = { env: process.env, stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) };
main(process.argv.slice(2), io).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`kiln: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
