/**
 * Following a job to its end, for `kiln train` and `kiln jobs follow`: its progress as it comes,
 * then the last line (the job id and its final metrics, or why it failed). Ctrl-C stops following
 * only: the job goes on, and the user is told so with its id.
 */
import type { JobView } from "../services/index.js";
import type { ApiClient } from "./client.js";
import { EXIT, type CliIo } from "./command.js";
import { jobEvents } from "./job_events.js";
import { formatMetrics, ProgressView } from "./progress.js";

/** Follows `job`; resolves to the exit code: 0 when it succeeded, 1 when it failed or was cancelled, 130 on Ctrl-C. */
export async function followJob(client: ApiClient, job: JobView, io: CliIo, json: boolean): Promise<number> {
  const controller = new AbortController();
  const stopListening = io.onInterrupt(() => controller.abort());
  const view = json ? null : new ProgressView(job, { write: io.stdout, tty: io.tty });
  let final: JobView | null = null;
  try {
    for await (const event of jobEvents(client, job.id, controller.signal)) {
      view?.event(event);
      if (event.event === "done") {
        // the job as GET /v1/jobs/{id} shows it (--json prints it): without the event's type
        const { type: _type, ...ended } = event.data;
        final = ended;
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    stopListening();
    view?.clear();
  }
  if (final === null) {
    io.stderr(`kiln: stopped following; job ${job.id} goes on (\`kiln jobs follow ${job.id}\` to watch it, \`kiln jobs cancel ${job.id}\` to stop it)\n`);
    return EXIT.interrupted;
  }
  io.stdout(json ? `${JSON.stringify(final)}\n` : `${outcome(final)}\n`);
  return final.status === "succeeded" ? EXIT.ok : EXIT.failed;
}

/** `job job_… succeeded: train_loss 0.0312, … (5 epochs, 40 steps)`, or the job's error. */
export function outcome(job: JobView): string {
  const last = job.metrics.epochs.at(-1);
  const figures = last === undefined ? `loss ${job.metrics.loss ?? "–"}` : formatMetrics(last);
  const what = `job ${job.id} ${job.status}`;
  const steps = `(${job.metrics.epochs.length} epochs, ${job.progress.step} steps)`;
  if (job.status === "succeeded") return `${what}: ${figures} ${steps}`;
  return `${what}${job.error ? `: ${job.error.code}: ${job.error.message}` : ""} ${steps}`;
}
