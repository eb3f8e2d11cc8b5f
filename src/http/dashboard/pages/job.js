/**
 * One job, live: its status, a progress bar with epoch, step and ETA, the last loss, the loss
 * chart and the epochs' figures, from its event stream replayed from the first event (so a page
 * opened mid-job shows the whole run), and a button to cancel it.
 */
import { api } from "../api.js";
import { LossChart } from "../chart.js";
import { duration, errorBox, figure, h, link, statusBadge, table } from "../dom.js";
import { followEvents } from "../events.js";

const ENDED = new Set(["succeeded", "failed", "cancelled"]);

function eta(job) {
  const { step, total_steps } = job.progress;
  if (job.status === "succeeded" || job.status === "failed" || job.status === "cancelled") {
    return job.started_at && job.finished_at ? `took ${duration(Date.parse(job.finished_at) - Date.parse(job.started_at))}` : "";
  }
  if (job.status !== "running" || step === 0 || !job.started_at) return "ETA —";
  const elapsed = Date.now() - Date.parse(job.started_at);
  return `ETA ${duration(Math.max(0, (elapsed / step) * (total_steps - step)))}`;
}

const epochTable = (epochs) =>
  table(
    [
      ["Epoch", (e) => e.epoch, "num"],
      ["lr", (e) => figure(e.lr), "num"],
      ["Train loss", (e) => figure(e.train_loss), "num"],
      ["Train accuracy", (e) => figure(e.train_accuracy), "num"],
      ["Validation loss", (e) => figure(e.val_loss), "num"],
      ["Validation accuracy", (e) => figure(e.val_accuracy), "num"],
    ],
    epochs,
  );

export async function jobPage(view, { signal, params: [id] }) {
  const path = `/v1/jobs/${encodeURIComponent(id)}`;
  let job = await api(path, { signal });
  let loss = job.metrics.loss;
  let epochs = [];
  let lastStep = 0;
  const stepsPerEpoch = job.progress.total_steps / Math.max(job.progress.epochs, 1);

  const status = h("span", { id: "status" });
  const bar = h("progress", { id: "progress" });
  const percent = h("span", { id: "percent" });
  const progressText = h("span", { id: "progress-text", class: "muted" });
  const lossOut = h("output", { id: "loss" });
  const message = h("div", { id: "message" });
  const epochsBox = h("div", { id: "epochs" });
  const chartBox = h("div", { id: "loss-chart", class: "chart" });
  const cancel = h("button", { id: "cancel", type: "button", onclick: onCancel }, "Cancel job");
  const { spec } = job;

  view.replaceChildren(
    h("h1", {}, "Job ", h("code", {}, job.id)),
    h(
      "dl",
      {},
      h("dt", {}, "Status"), h("dd", {}, status),
      h("dt", {}, "Model"), h("dd", {}, link(`#/models/${job.model_id}`, job.model_id)),
      h("dt", {}, "Dataset"), h("dd", {}, link(`#/datasets/${job.dataset_id}`, job.dataset_id)),
      h("dt", {}, "Training"), h("dd", {}, `${spec.loss}, ${spec.optimizer?.type} (lr ${spec.optimizer?.lr}), ${spec.epochs} epochs, batch size ${spec.batch_size}`),
      h("dt", {}, "Last loss"), h("dd", {}, lossOut),
    ),
    h("div", { class: "progress" }, bar, percent, progressText, cancel),
    message,
    h("h2", {}, "Loss"),
    chartBox,
    h("h2", {}, "Epochs"),
    epochsBox,
  );
  const chart = new LossChart(chartBox);
  signal.addEventListener("abort", () => chart.destroy(), { once: true });

  let frame = 0;
  /** Shows the state, at most once a frame (a replay brings thousands of events at once). */
  function show() {
    if (frame !== 0) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      const { step, total_steps, epoch, epochs: epochCount } = job.progress;
      // a job that succeeded is done, whether or not early stopping left steps untaken
      const value = job.status === "succeeded" ? total_steps : step;
      bar.max = Math.max(total_steps, 1);
      bar.value = value;
      percent.textContent = `${total_steps > 0 ? Math.floor((100 * value) / total_steps) : 0} %`;
      progressText.textContent = `epoch ${epoch}/${epochCount} · step ${step}/${total_steps} · ${eta(job)}`;
      status.replaceChildren(statusBadge(job.status), job.cancel_requested && !ENDED.has(job.status) ? " (cancelling)" : "");
      lossOut.textContent = figure(loss);
      lossOut.dataset.value = String(loss);
      epochsBox.replaceChildren(epochs.length === 0 ? h("p", { class: "muted" }, "No epoch has ended yet.") : epochTable(epochs));
      cancel.disabled = ENDED.has(job.status) || job.cancel_requested;
    });
  }

  async function onCancel() {
    cancel.disabled = true;
    try {
      await api(`${path}/cancel`, { method: "POST", signal });
      // the status comes with the stream, whose events may arrive before this answer (`done` too)
      job.cancel_requested = true;
    } catch (error) {
      message.replaceChildren(errorBox(error));
    }
    show();
  }

  function onEvent({ event, data }) {
    if (event === "progress") {
      job.progress = { ...job.progress, step: data.step, epoch: data.epoch };
      lastStep = data.step;
      loss = data.loss;
      chart.addStep(data.step, data.loss);
    } else if (event === "epoch") {
      epochs = [...epochs, data];
      chart.addEpoch(Math.max(lastStep, Math.round(data.epoch * stepsPerEpoch)), data);
    } else if (event === "status") {
      job.status = data.status;
    } else if (event === "done") {
      job = data;
      loss = job.metrics.loss;
      epochs = job.metrics.epochs;
      if (job.error) message.replaceChildren(errorBox(job.error));
    }
    show();
  }

  show();
  followEvents(`${path}/events`, onEvent, signal).catch((error) => message.replaceChildren(errorBox(error)));
}
