import { Piscina } from "piscina";
import type { MessagePort } from "node:worker_threads";
import type { TrainingOutcome, TrainingTask } from "./task.js";

/** The worker threads that train: the API thread never does. */
export interface TrainingPool {
  run(task: TrainingTask, port: MessagePort): Promise<TrainingOutcome>;
  destroy(): Promise<void>;
}

/**
 * A Piscina pool of `threads` workers running `workers/train`. From sources (tests, tsx) the
 * worker is the .ts file loaded through tsx; from the build it is the compiled .js beside this one.
 */
export function createTrainingPool(threads: number): TrainingPool {
  const fromSource = import.meta.url.endsWith(".ts");
  const filename = new URL(`../../workers/train.${fromSource ? "ts" : "js"}`, import.meta.url).href;
  const pool = new Piscina({
    filename,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    execArgv: fromSource ? ["--import", "tsx"] : [],
  });
  return {
    run: (task, port) => pool.run({ task, port }, { transferList: [port] }) as Promise<TrainingOutcome>,
    destroy: () => pool.destroy(),
  };
}
