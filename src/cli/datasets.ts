/** `kiln datasets ls|show|rm`. */
import type { DatasetView } from "../services/index.js";
import type { Command } from "./command.js";
import { lsCommand, rmCommand, showCommand, type Resource } from "./resources.js";
import { shape } from "./table.js";

const labels = (d: DatasetView): string => `${d.label_dtype} ${shape(d.label_shape)}${d.num_classes === null ? "" : `, ${d.num_classes} classes`}`;

const datasets: Resource<DatasetView> = {
  noun: "dataset",
  plural: "datasets",
  columns: [
    { header: "ID", cell: (d) => d.id },
    { header: "NAME", cell: (d) => d.name ?? "" },
    { header: "SAMPLES", cell: (d) => String(d.num_samples) },
    { header: "FEATURES", cell: (d) => `${d.feature_dtype} ${shape(d.feature_shape)}` },
    { header: "LABELS", cell: labels },
    { header: "CREATED", cell: (d) => d.created_at },
  ],
  show: (d) =>
    `dataset ${d.id}${d.name === null ? "" : ` (${d.name})`}: ${d.num_samples} samples\n` +
    `features: ${d.feature_dtype} ${shape(d.feature_shape)}\nlabels: ${labels(d)}\ncreated ${d.created_at}\n`,
};

export const datasetCommands: Command[] = [lsCommand(datasets), showCommand(datasets), rmCommand(datasets)];
