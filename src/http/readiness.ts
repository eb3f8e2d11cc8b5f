import type { JobManager } from "../services/index.js";
import type { ReadinessCheck } from "./context.js";

/**
 * What /readyz checks of the jobs besides the store (a check's name is its function's): that the
 * queue answers (Redis, when it is shared), and that some process trains from it. A process with
 * workers trains itself; an API-only one relies on trainers, and without one it is degraded: it
 * still serves every request, and the jobs it accepts wait.
 */
export function jobReadiness(jobs: JobManager): ReadinessCheck[] {
  return [
    async function queue(): Promise<void> {
      await jobs.pingQueue();
    },
    async function trainers(): Promise<void | { degraded: string }> {
      // a queue that does not answer fails the check above; this one says nothing more of it
      const connected = await jobs.trainers().catch(() => null);
      if (connected === 0) return { degraded: "no trainer is connected to the job queue: jobs are accepted and wait until one connects" };
    },
  ];
}
