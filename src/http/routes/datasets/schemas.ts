import { z } from "zod";
import { JsonDataset, text } from "../../../schema/index.js";
import type { BodyExample } from "../../route.js";

export const CreateDatasetQuery = z.object({
  name: text(200).optional().describe("A name, for CSV and safetensors uploads (JSON bodies carry `name`)."),
  label_column: z.string().min(1).max(200).optional().describe("CSV only: the header of the label column (default: the last column)."),
});

/** The most samples GET /v1/datasets/{id}/rows returns at once (fewer when they hold more numbers than a response may). */
export const MAX_DATASET_ROWS = 100;

export const DatasetRowsQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0).describe("The index of the first sample (from 0)."),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_DATASET_ROWS)
    .default(10)
    .describe(`How many samples, 1 to ${MAX_DATASET_ROWS} (and at most KILN_MAX_RESPONSE_VALUES numbers in all).`),
});

export const DatasetRows = z.object({
  offset: z.number().int(),
  num_samples: z.number().int().describe("The dataset's sample count: rows stop there."),
  rows: z.array(
    z.object({
      features: z.unknown().describe("The sample's features: nested arrays shaped as the dataset's feature_shape."),
      label: z.unknown().describe("Its label: a number when label_shape is [], else nested arrays of that shape."),
    }),
  ),
});

export const datasetExamples: Record<string, BodyExample<typeof JsonDataset>> = {
  toy: {
    summary: "The seed's toy training set: five points of two classes",
    value: {
      name: "toy",
      features: [[-1.2, 3.1], [-0.9, 2.9], [-0.5, 2.6], [2.3, -1.1], [2.7, -1.5]],
      labels: [0, 0, 0, 1, 1],
    },
  },
};
