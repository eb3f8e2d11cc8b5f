/** Datasets: the list, and one dataset's shapes, dtypes, size and first samples. */
import { api, listAll } from "../api.js";
import { bytes, count, date, errorBox, figure, h, link, shape, table } from "../dom.js";

const DTYPE_BYTES = { float32: 4, uint8: 1, int64: 8 };
const numel = (dims) => dims.reduce((p, q) => p * q, 1);
/** Samples shown: a look at the data, not a download. */
const SHOWN = 10;

/** A sample's features or label, compact: numbers to six digits, rows of nested arrays in brackets. */
const values = (v) => (Array.isArray(v) ? `[${v.map(values).join(", ")}]` : typeof v === "number" ? figure(v) : String(v));
/** At most 200 characters of it: an image's features are thousands of numbers. */
const clipped = (text) => (text.length > 200 ? `${text.slice(0, 200)}…` : text);

/** The first samples' heading and table, or why there are none to show (a sample larger than a response may be). */
async function samples(path, numSamples, signal) {
  let rows;
  try {
    ({ rows } = await api(`${path}/rows?limit=${SHOWN}`, { signal }));
  } catch (error) {
    return [errorBox(error)];
  }
  return [
    h("h2", {}, rows.length < numSamples ? `The first ${rows.length} samples` : "Samples"),
    table(
      [
        ["#", (_r, i) => i, "num"],
        ["Features", (r) => h("code", {}, clipped(values(r.features)))],
        ["Label", (r) => clipped(values(r.label)), "num"],
      ],
      rows,
      { id: "rows" },
    ),
  ];
}

/** The bytes its tensors take. */
const sizeOf = (d) => d.num_samples * (numel(d.feature_shape) * DTYPE_BYTES[d.feature_dtype] + numel(d.label_shape) * DTYPE_BYTES[d.label_dtype]);

export async function datasetList(view, { signal }) {
  const datasets = await listAll("/v1/datasets", signal);
  view.replaceChildren(
    h("h1", {}, "Datasets"),
    datasets.length === 0
      ? h("p", { class: "muted" }, "No datasets yet: upload one with POST /v1/datasets.")
      : table(
          [
            ["Name", (d) => link(`#/datasets/${d.id}`, d.name ?? d.id)],
            ["Samples", (d) => count(d.num_samples), "num"],
            ["Features", (d) => `${shape(d.feature_shape)} ${d.feature_dtype}`],
            ["Labels", (d) => `${shape(d.label_shape)} ${d.label_dtype}`],
            ["Classes", (d) => d.num_classes ?? "—", "num"],
            ["Size", (d) => bytes(sizeOf(d)), "num"],
            ["Created", (d) => date(d.created_at)],
          ],
          datasets,
          { id: "datasets" },
        ),
  );
}

export async function datasetPage(view, { signal, params: [id] }) {
  const path = `/v1/datasets/${encodeURIComponent(id)}`;
  const dataset = await api(path, { signal });
  view.replaceChildren(
    h("h1", {}, "Dataset ", dataset.name ?? dataset.id),
    h(
      "dl",
      { id: "dataset" },
      h("dt", {}, "Id"), h("dd", {}, h("code", {}, dataset.id)),
      h("dt", {}, "Samples"), h("dd", { id: "num-samples" }, count(dataset.num_samples)),
      h("dt", {}, "Features"), h("dd", { id: "features" }, `${shape(dataset.feature_shape)} ${dataset.feature_dtype}`),
      h("dt", {}, "Labels"), h("dd", { id: "labels" }, `${shape(dataset.label_shape)} ${dataset.label_dtype}`),
      h("dt", {}, "Classes"), h("dd", {}, dataset.num_classes ?? "—"),
      h("dt", {}, "Size"), h("dd", {}, bytes(sizeOf(dataset))),
      h("dt", {}, "Created"), h("dd", {}, date(dataset.created_at)),
    ),
    h("p", {}, link(`#/jobs/new?dataset=${dataset.id}`, "Train on it")),
    ...(await samples(path, dataset.num_samples, signal)),
  );
}
