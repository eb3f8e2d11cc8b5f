/** What every `kiln` command is and gets, so that main.ts can dispatch to it. */

/** The environment a command reads its configuration from, and where it writes. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a terminal (progress is then redrawn in place), and its width if so. */
  tty: { columns: number } | null;
  /**
   * Calls `handler` on Ctrl-C (SIGINT) instead of exiting, until the returned function is called:
   * for a command that has something to say when it is interrupted.
   */
  onInterrupt(handler: () => void): () => void;
}

export interface Command {
  /** The words that name it: `["keys", "create"]`. */
  path: readonly string[];
  /** One line: how to call it. */
  usage: string;
  /** What `--help` adds under the usage line: the options, and what the command does with them. */
  help?: string;
  /** Runs it with the arguments after its path; resolves to the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Arguments the command cannot use: main.ts prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A failure the user is told about as it is (the message, no stack): main.ts prints it and exits 1. */
export class CliError extends Error {
  override name = "CliError";
}
