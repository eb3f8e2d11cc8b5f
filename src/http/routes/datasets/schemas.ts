import { z } from "zod";
import { text } from "../../../schema/index.js";

export const CreateDatasetQuery = z.object({
  name: text(200).optional().describe("A name, for CSV and safetensors uploads (JSON bodies carry `name`)."),
  label_column: z.string().min(1).max(200).optional().describe("CSV only: the header of the label column (default: the last column)."),
});
