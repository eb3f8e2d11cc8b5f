/** A form to train an existing model on an existing dataset; the API checks the spec and names any bad field. */
import { api, listAll } from "../api.js";
import { errorBox, h } from "../dom.js";

const LOSSES = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy_with_logits"];
const OPTIMIZERS = ["Adam", "AdamW", "SGD", "RMSprop", "Adadelta"];

const options = (items, label, selected) => items.map((item) => h("option", { value: item.id, selected: item.id === selected }, label(item)));
const named = (item) => (item.name ? `${item.name} (${item.id})` : item.id);
const field = (label, input) => [h("label", { for: input.id }, label), input];

export async function newJobPage(view, { signal, query }) {
  const [models, datasets] = await Promise.all([listAll("/v1/models", signal), listAll("/v1/datasets", signal)]);
  const model = h("select", { id: "model", required: true }, options(models, named, query.get("model")));
  const dataset = h("select", { id: "dataset", required: true }, options(datasets, named, query.get("dataset")));
  const validation = h("select", { id: "validation" }, h("option", { value: "" }, "none"), options(datasets, named, null));
  const loss = h("select", { id: "loss" }, LOSSES.map((l) => h("option", { value: l }, l)));
  const optimizer = h("select", { id: "optimizer" }, OPTIMIZERS.map((o) => h("option", { value: o }, o)));
  const lr = h("input", { id: "lr", type: "number", step: "any", min: "0", value: "0.001", required: true });
  const epochs = h("input", { id: "epochs", type: "number", min: "1", value: "5", required: true });
  const batchSize = h("input", { id: "batch-size", type: "number", min: "1", value: "32", required: true });
  const shuffle = h("input", { id: "shuffle", type: "checkbox", checked: true });
  const message = h("div", { id: "message" });

  async function onSubmit(event) {
    event.preventDefault();
    message.replaceChildren();
    const spec = {
      model_id: model.value,
      dataset_id: dataset.value,
      ...(validation.value ? { validation_dataset_id: validation.value } : {}),
      loss: loss.value,
      optimizer: { type: optimizer.value, lr: Number(lr.value) },
      epochs: Number(epochs.value),
      batch_size: Number(batchSize.value),
      shuffle: shuffle.checked,
    };
    try {
      const job = await api("/v1/jobs", { method: "POST", body: spec, signal });
      location.hash = `#/jobs/${job.id}`;
    } catch (error) {
      message.replaceChildren(errorBox(error));
    }
  }

  view.replaceChildren(
    h("h1", {}, "New job"),
    models.length === 0 || datasets.length === 0
      ? h("p", { class: "muted" }, "A job needs a model and a dataset: create them through the API first.")
      : h(
          "form",
          { id: "new-job", class: "job", onsubmit: onSubmit },
          field("Model", model),
          field("Dataset", dataset),
          field("Validation dataset", validation),
          field("Loss", loss),
          field("Optimizer", optimizer),
          field("Learning rate", lr),
          field("Epochs", epochs),
          field("Batch size", batchSize),
          field("Shuffle", shuffle),
          h("button", { type: "submit", id: "start" }, "Start training"),
        ),
    message,
  );
}
