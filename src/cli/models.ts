/** `kiln models ls|show|rm`. */
import type { ModelView } from "../services/index.js";
import type { Command } from "./command.js";
import { lsCommand, rmCommand, showCommand, type Resource } from "./resources.js";
import { shape, table } from "./table.js";

const models: Resource<ModelView> = {
  noun: "model",
  plural: "models",
  columns: [
    { header: "ID", cell: (m) => m.id },
    { header: "NAME", cell: (m) => m.name ?? "" },
    { header: "INPUT", cell: (m) => shape(m.input_shape) },
    { header: "OUTPUT", cell: (m) => shape(m.output_shape) },
    { header: "PARAMS", cell: (m) => String(m.num_params) },
    { header: "VERSION", cell: (m) => String(m.version) },
    { header: "CREATED", cell: (m) => m.created_at },
  ],
  show: (m) =>
    `model ${m.id}${m.name === null ? "" : ` (${m.name})`}: ${shape(m.input_shape)} → ${shape(m.output_shape)}, ` +
    `${m.num_params} parameters (${m.trainable_params} trainable), version ${m.version}${m.seed === null ? "" : `, seed ${m.seed}`}\n` +
    `created ${m.created_at}, updated ${m.updated_at}\n\n` +
    table(
      [
        { header: "#", cell: ({ i }) => String(i) },
        { header: "LAYER", cell: ({ layer }) => layer.type },
        { header: "OUTPUT", cell: ({ layer }) => shape(layer.output_shape) },
        { header: "PARAMS", cell: ({ layer }) => String(layer.num_params) },
      ],
      m.layers.map((layer, i) => ({ i, layer })),
    ) +
    `\n${m.summary}\n`,
};

export const modelCommands: Command[] = [lsCommand(models), showCommand(models), rmCommand(models)];
