import { Piscina } from "piscina";
import { availableParallelism } from "node:os";
import type { MessagePort } from "node:worker_threads";
import type { StoredTrainingOutcome, StoredTrainingTask } from "./task.js";
import { taskTransferList } from "./transfer.js";

/** The worker threads that train: the API thread never does. */
export interface TrainingPool {
  /** Runs a task on a worker; its bytes move there (the task's arrays are detached here). */
  run(task: StoredTrainingTask, port: MessagePort): Promise<StoredTrainingOutcome>;
  destroy(): Promise<void>;
}

/** Kernel threads per worker when not given: the machine's cores shared out, at least one each. */
export function defaultThreadsPerWorker(workers: number): number {
  return Math.max(1, Math.floor(availableParallelism() / workers));
}

/**
 * A Piscina pool of `threads` workers running `workers/train`. From sources (tests, tsx) the
 * worker is the .ts file loaded through tsx; from the build it is the compiled .js beside this one.
 *
 * Each worker's kernels use `threadsPerWorker` threads (src/tensor/threads.ts reads
 * KILN_NUM_THREADS when the worker loads it): left at the library's default, every worker would
 * start a matmul helper of its own and two busy workers on two cores would run four threads.
 */
export function createTrainingPool(threads: number, threadsPerWorker = defaultThreadsPerWorker(threads)): TrainingPool {
  const fromSource = import.meta.url.endsWith(".ts");
  const filename = new URL(`../../workers/train.${fromSource ? "ts" : "js"}`, import.meta.url).href;
  const pool = new Piscina({
    filename,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    execArgv: fromSource ? ["--import", "tsx"] : [],
    env: { ...process.env, KILN_NUM_THREADS: String(threadsPerWorker) },
  });
  return {
    run: (task, port) => pool.run({ task, port }, { transferList: [port, ...taskTransferList(task)] }) as Promise<StoredTrainingOutcome>,
    destroy: () => pool.destroy(),
  };
}
