import { z } from "zod";
import { JsonDataset, text } from "../../../schema/index.js";
import type { BodyExample } from "../../route.js";

export const CreateDatasetQuery = z.object({
  name: text(200).optional().describe("A name, for CSV and safetensors uploads (JSON bodies carry `name`)."),
  label_column: z.string().min(1).max(200).optional().describe("CSV only: the header of the label column (default: the last column)."),
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
