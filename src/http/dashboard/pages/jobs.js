/** Jobs: every job of the tenant, newest first. */
import { listAll } from "../api.js";
import { date, figure, h, link, statusBadge, table } from "../dom.js";

export async function jobList(view, { signal }) {
  const jobs = (await listAll("/v1/jobs", signal)).reverse();
  view.replaceChildren(
    h("h1", {}, "Jobs"),
    h("p", {}, link("#/jobs/new", "Start a job")),
    jobs.length === 0
      ? h("p", { class: "muted" }, "No jobs yet.")
      : table(
          [
            ["Job", (j) => link(`#/jobs/${j.id}`, j.id)],
            ["Status", (j) => statusBadge(j.status)],
            ["Model", (j) => link(`#/models/${j.model_id}`, j.model_id)],
            ["Dataset", (j) => link(`#/datasets/${j.dataset_id}`, j.dataset_id)],
            ["Progress", (j) => `${j.progress.step}/${j.progress.total_steps}`, "num"],
            ["Loss", (j) => figure(j.metrics.loss), "num"],
            ["Created", (j) => date(j.created_at)],
          ],
          jobs,
          { id: "jobs" },
        ),
  );
}
