/**
 * What `kiln train` uploads: a model spec file (POST /v1/models) and dataset files (POST
 * /v1/datasets, which takes CSV, JSON, safetensors and .npz as they are), or ids of ones already
 * stored. An argument ending in one of those extensions is a file; anything else an id.
 */
import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import type { DatasetView, ModelView } from "../services/index.js";
import type { ApiClient } from "./client.js";
import { CliError } from "./command.js";

/** Dataset files by extension, and the content type the API reads each as. */
const DATASET_TYPES: Record<string, string> = {
  ".csv": "text/csv",
  ".json": "application/json",
  ".safetensors": "application/octet-stream",
  ".npz": "application/x-npz",
};

/** A stored resource's id, and what was uploaded to make it (null: the argument was an id). */
export interface Resolved<V> {
  id: string;
  uploaded: { file: string; view: V } | null;
}

async function readLocal(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** `arg` as a model id: a `.json` spec file is uploaded first. */
export async function resolveModel(client: ApiClient, arg: string): Promise<Resolved<ModelView>> {
  if (extname(arg).toLowerCase() !== ".json") return { id: arg, uploaded: null };
  const data = await readLocal(arg);
  const view = await client.json<ModelView>("POST", "/v1/models", { bytes: { data, contentType: "application/json" } });
  return { id: view.id, uploaded: { file: arg, view } };
}

/**
 * `arg` as a dataset id: a file is uploaded first, named by its file name; a CSV's label is its
 * `labelColumn`, or its last column.
 */
export async function resolveDataset(client: ApiClient, arg: string, labelColumn?: string): Promise<Resolved<DatasetView>> {
  const contentType = DATASET_TYPES[extname(arg).toLowerCase()];
  if (contentType === undefined) return { id: arg, uploaded: null };
  const data = await readLocal(arg);
  const query = new URLSearchParams({ name: basename(arg) });
  if (labelColumn !== undefined && contentType === "text/csv") query.set("label_column", labelColumn);
  const view = await client.json<DatasetView>("POST", `/v1/datasets?${query}`, { bytes: { data, contentType } });
  return { id: view.id, uploaded: { file: arg, view } };
}
