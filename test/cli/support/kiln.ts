/** `kiln` as users run it: a child process (from sources, through tsx), with only the environment given. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../../http/support/server_process.js";

const CLI = join(ROOT, "src", "cli", "main.ts");

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running `kiln`: its output so far, and its end. */
export interface KilnProcess {
  child: ChildProcess;
  stdout(): string;
  /** Resolves once stdout matches `pattern` (rejects if the process ends first). */
  printed(pattern: RegExp): Promise<void>;
  done: Promise<Run>;
}

export function spawnKiln(args: string[], env: Record<string, string>): KilnProcess {
  const base = { PATH: process.env.PATH ?? "", ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}) };
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
  const printed = (pattern: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pattern.test(stdout)) return;
        child.stdout.off("data", check);
        resolve();
      };
      child.stdout.on("data", check);
      check();
      void done.then(() => reject(new Error(`kiln ended before printing ${pattern}:\n${stdout}\n${stderr}`)));
    });
  return { child, stdout: () => stdout, printed, done };
}

/** Runs `kiln args` to its end. */
export const kiln = (args: string[], env: Record<string, string>): Promise<Run> => spawnKiln(args, env).done;
