/** What every `kiln` command is and gets, so that main.ts can dispatch to it. */

/** The environment a command reads its configuration from, and where it writes. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface Command {
  /** The words that name it: `["keys", "create"]`. */
  path: readonly string[];
  /** One line: how to call it. */
  usage: string;
  /** Runs it with the arguments after its path; resolves to the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Arguments the command cannot use: main.ts prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
