/** `kiln jobs ls|show|rm` (`follow` and `cancel` have files of their own). */
import type { JobView } from "../services/index.js";
import { JOB_STATUSES } from "../store/types.js";
import type { Command } from "./command.js";
import { formatMetrics } from "./progress.js";
import { lsCommand, rmCommand, showCommand, type Resource } from "./resources.js";

const progress = (j: JobView): string => `epoch ${j.progress.epoch}/${j.progress.epochs}, step ${j.progress.step}/${j.progress.total_steps}`;

const jobs: Resource<JobView> = {
  noun: "job",
  plural: "jobs",
  filters: [{ name: "status", usage: JOB_STATUSES.join("|") }],
  columns: [
    { header: "ID", cell: (j) => j.id },
    { header: "STATUS", cell: (j) => j.status },
    { header: "MODEL", cell: (j) => j.model_id },
    { header: "DATASET", cell: (j) => j.dataset_id },
    { header: "PROGRESS", cell: progress },
    { header: "LOSS", cell: (j) => (j.metrics.loss === null ? "" : j.metrics.loss.toFixed(4)) },
    { header: "CREATED", cell: (j) => j.created_at },
  ],
  show: (j) =>
    `job ${j.id}: ${j.status}${j.cancel_requested && j.status === "running" ? " (cancel requested)" : ""}\n` +
    `model ${j.model_id}, dataset ${j.dataset_id}${j.validation_dataset_id === null ? "" : `, validation dataset ${j.validation_dataset_id}`}\n` +
    `${progress(j)}${j.metrics.loss === null ? "" : `, loss ${j.metrics.loss}`}\n` +
    (j.error === null ? "" : `error: ${j.error.code}: ${j.error.message}\n`) +
    `created ${j.created_at}${j.started_at === null ? "" : `, started ${j.started_at}`}${j.finished_at === null ? "" : `, finished ${j.finished_at}`}\n` +
    j.metrics.epochs.map((e) => `epoch ${e.epoch}: ${formatMetrics(e)}\n`).join(""),
};

const rmHelp =
  "Deletes the job with its events and checkpoint; the model version it made stays. The API refuses while the job is " +
  "queued or running: kiln jobs cancel it first.";

export const jobCommands: Command[] = [lsCommand(jobs), showCommand(jobs), rmCommand(jobs, rmHelp)];
