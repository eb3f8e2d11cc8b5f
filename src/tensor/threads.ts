import { availableParallelism } from "node:os";

/**
 * How many threads Kiln's kernels may use in this thread (PyTorch's intra-op thread count): today
 * the float32 matmul, which splits large products between the calling thread and one helper
 * thread of its own, and the float32 vector kernels (the optimizers' updates), which share large
 * runs with that helper. Each thread that computes (the main thread, every Piscina worker) has its own
 * setting and its own helper.
 */

/** Most threads a kernel uses: only a two-way split is implemented so far. */
export const MAX_THREADS = 2;

let threads = defaultThreads();

/** KILN_NUM_THREADS if set (as OMP_NUM_THREADS is for PyTorch), else the machine's cores. */
function defaultThreads(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.KILN_NUM_THREADS;
  if (env === undefined || env === "") return Math.min(availableParallelism(), MAX_THREADS);
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`KILN_NUM_THREADS must be a whole number ≥ 1, not ${JSON.stringify(env)}`);
  return Math.min(n, MAX_THREADS);
}

/**
 * Sets how many threads kernels use from now on (torch.set_num_threads): 1 keeps every product on
 * the calling thread. Counts above MAX_THREADS are accepted and mean MAX_THREADS.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads needs a whole number ≥ 1, not ${n}`);
  threads = Math.min(n, MAX_THREADS);
}

/** The number of threads kernels use (torch.get_num_threads). */
export function getNumThreads(): number {
  return threads;
}
