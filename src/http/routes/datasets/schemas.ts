import { z } from "zod";
import { text } from "../../../spec/index.js";

export const DatasetView = z.object({
  id: z.string(),
  name: z.string().nullable(),
  num_samples: z.number().int(),
  feature_shape: z.array(z.number().int()).describe("The shape of one sample's features."),
  label_shape: z.array(z.number().int()).describe("The shape of one sample's label: [] for class indices or one target."),
  label_dtype: z.enum(["int64", "float32"]).describe("int64 for class indices, float32 for regression targets."),
  num_classes: z.number().int().nullable().describe("For int64 labels, the largest label + 1."),
  created_at: z.string(),
});

export const CreateDatasetQuery = z.object({
  name: text(200).optional().describe("A name, for CSV and safetensors uploads (JSON bodies carry `name`)."),
  label_column: z.string().min(1).max(200).optional().describe("CSV only: the header of the label column (default: the last column)."),
});
