import { createDataset, datasetView, getDatasetSummary } from "../../../jobs/index.js";
import { datasetFromCsv, datasetFromJson, datasetFromSafetensors, JsonDataset } from "../../../spec/index.js";
import { defineRoute, type RouteDef } from "../../route.js";
import { IdParams, PageQuery, pageOf } from "../common.js";
import { CreateDatasetQuery, DatasetView } from "./schemas.js";

const tags = ["datasets"];

const createDatasetRoute = defineRoute({
  method: "POST",
  url: "/v1/datasets",
  operationId: "createDataset",
  summary: "Upload a dataset as JSON, CSV (a header row) or a safetensors file (`features` and `labels` tensors)",
  tags,
  query: CreateDatasetQuery,
  body: JsonDataset,
  bodyContentTypes: ["application/json", "text/csv", "application/octet-stream"],
  responses: { 201: { description: "The dataset", schema: DatasetView }, 422: { description: "Valid JSON that does not fit (the details name the field)" } },
  handler: async ({ body, query, contentType, ctx }, reply) => {
    const limits = { maxSamples: ctx.config.limits.maxSamples };
    let name = query.name ?? null;
    let tensors;
    if (contentType === "text/csv") {
      tensors = datasetFromCsv(body as string, { ...limits, ...(query.label_column ? { labelColumn: query.label_column } : {}) });
    } else if (contentType === "application/octet-stream") {
      tensors = datasetFromSafetensors(body as Buffer, limits);
    } else {
      const json = body as JsonDataset;
      tensors = datasetFromJson(json, limits);
      name = json.name ?? name;
    }
    const dataset = datasetView(await createDataset(ctx.store, tensors, name));
    reply.header("location", `/v1/datasets/${dataset.id}`);
    return dataset;
  },
});

const listDatasets = defineRoute({
  method: "GET",
  url: "/v1/datasets",
  operationId: "listDatasets",
  summary: "List datasets, oldest first",
  tags,
  query: PageQuery,
  responses: { 200: { description: "A page of datasets", schema: pageOf(DatasetView) } },
  handler: async ({ query, ctx }) => {
    const page = await ctx.store.listDatasets(query);
    return { items: page.items.map(datasetView), next_cursor: page.nextCursor };
  },
});

const getDataset = defineRoute({
  method: "GET",
  url: "/v1/datasets/:id",
  operationId: "getDataset",
  summary: "Get a dataset's description",
  tags,
  params: IdParams,
  responses: { 200: { description: "The dataset", schema: DatasetView }, 404: { description: "No such resource" } },
  handler: async ({ params, ctx }) => datasetView(await getDatasetSummary(ctx.store, params.id)),
});

const deleteDataset = defineRoute({
  method: "DELETE",
  url: "/v1/datasets/:id",
  operationId: "deleteDataset",
  summary: "Delete a dataset (not while a queued or running job uses it)",
  tags,
  params: IdParams,
  responses: { 204: { description: "Deleted" }, 404: { description: "No such resource" }, 409: { description: "A queued or running job uses it" } },
  handler: async ({ params, ctx }, reply) => {
    await getDatasetSummary(ctx.store, params.id);
    await ctx.store.deleteDataset(params.id);
    return reply.code(204).send();
  },
});

export const datasetRoutes: RouteDef[] = [createDatasetRoute, listDatasets, getDataset, deleteDataset];
