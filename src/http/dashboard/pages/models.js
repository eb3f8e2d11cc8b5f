/** Models: the list, and one model's layers (output shapes, parameter counts) and PyTorch repr. */
import { api, listAll } from "../api.js";
import { count, date, h, link, shape, table } from "../dom.js";

export async function modelList(view, { signal }) {
  const models = await listAll("/v1/models", signal);
  view.replaceChildren(
    h("h1", {}, "Models"),
    models.length === 0
      ? h("p", { class: "muted" }, "No models yet: create one with POST /v1/models.")
      : table(
          [
            ["Name", (m) => link(`#/models/${m.id}`, m.name ?? m.id)],
            ["Input", (m) => shape(m.input_shape)],
            ["Output", (m) => shape(m.output_shape)],
            ["Layers", (m) => m.layers.length, "num"],
            ["Parameters", (m) => count(m.num_params), "num"],
            ["Version", (m) => m.version, "num"],
            ["Created", (m) => date(m.created_at)],
          ],
          models,
          { id: "models" },
        ),
  );
}

/** A layer's arguments: its fields besides the type and the figures the API adds. */
function layerArguments(layer) {
  const { type, output_shape, num_params, ...args } = layer;
  return Object.entries(args)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(", ");
}

export async function modelPage(view, { signal, params: [id] }) {
  const model = await api(`/v1/models/${encodeURIComponent(id)}`, { signal });
  view.replaceChildren(
    h("h1", {}, "Model ", model.name ?? model.id),
    h(
      "dl",
      {},
      h("dt", {}, "Id"), h("dd", {}, h("code", {}, model.id)),
      h("dt", {}, "Input shape"), h("dd", {}, shape(model.input_shape)),
      h("dt", {}, "Output shape"), h("dd", {}, shape(model.output_shape)),
      h("dt", {}, "Parameters"), h("dd", { id: "num-params" }, count(model.num_params), ` (${count(model.trainable_params)} trainable)`),
      h("dt", {}, "Weights version"), h("dd", {}, model.version),
      h("dt", {}, "Seed"), h("dd", {}, model.seed ?? "—"),
    ),
    h("p", {}, link(`#/jobs/new?model=${model.id}`, "Train it")),
    h("h2", {}, "Layers"),
    table(
      [
        ["#", (_l, i) => i, "num"],
        ["Layer", (l) => l.type],
        ["Arguments", (l) => h("code", {}, layerArguments(l))],
        ["Output shape", (l) => shape(l.output_shape)],
        ["Parameters", (l) => count(l.num_params), "num"],
      ],
      model.layers,
      { id: "layers" },
    ),
    h("h2", {}, "PyTorch"),
    h("pre", { id: "repr" }, model.summary),
  );
}
