import { createDataset, datasetView, DatasetView, getDatasetRows, getDatasetSummary, type DatasetUpload } from "../../../services/index.js";
import { numel } from "../../../tensor/index.js";
import { JsonDataset } from "../../../schema/index.js";
import { unprocessable } from "../../errors.js";
import { defineRoute, type ContentType, type RouteDef } from "../../route.js";
import { IdParams, pageOf, PageQuery, pageView, quotaForbidden } from "../common.js";
import { CreateDatasetQuery, DatasetRows, DatasetRowsQuery, datasetExamples } from "./schemas.js";

const tags = ["datasets"];

const FORMATS: Record<ContentType, DatasetUpload["format"]> = {
  "application/json": "json",
  "text/csv": "csv",
  "application/octet-stream": "safetensors",
  "application/x-npz": "npz",
};

const createDatasetRoute = defineRoute({
  method: "POST",
  url: "/v1/datasets",
  operationId: "createDataset",
  summary:
    "Upload a dataset as JSON, CSV (a header row), a safetensors file (`features` and `labels` tensors) or a NumPy .npz " +
    "(`features` and `labels`, or `x` and `y`; an octet-stream body that is a zip is read as .npz). U8 features stay uint8 " +
    "(images: the model starts with ConvertImageDtype); other integer and float types become float32",
  tags,
  query: CreateDatasetQuery,
  body: JsonDataset,
  examples: datasetExamples,
  bodyContentTypes: ["application/json", "text/csv", "application/octet-stream", "application/x-npz"],
  // parsed on a parse worker: a body of up to the body limit is user-sized work
  rawBody: true,
  responses: { 201: { description: "The dataset", schema: DatasetView }, 403: quotaForbidden("datasets", "bytes"), 422: { description: "Valid JSON that does not fit (the details name the field)" } },
  handler: async ({ body, query, contentType, ctx, principal }, reply) => {
    const { name, ...tensors } = await ctx.ingest.dataset({
      format: FORMATS[contentType ?? "application/json"],
      body,
      maxSamples: ctx.config.limits.maxSamples,
      ...(query.label_column ? { labelColumn: query.label_column } : {}),
    });
    const dataset = datasetView(await createDataset(ctx.store, tensors, name ?? query.name ?? null, principal.tenantId, ctx.quotas));
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
  handler: async ({ query, ctx, principal }) => {
    const page = await ctx.store.listDatasets({ ...query, tenantId: principal.tenantId });
    return pageView(page, datasetView);
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
  handler: async ({ params, ctx, principal }) => datasetView(await getDatasetSummary(ctx.store, params.id, principal.tenantId)),
});

const getRows = defineRoute({
  method: "GET",
  url: "/v1/datasets/:id/rows",
  operationId: "getDatasetRows",
  summary: "A few samples of a dataset, from `offset`: their features and labels",
  tags,
  params: IdParams,
  query: DatasetRowsQuery,
  responses: {
    200: { description: "The samples (none past the dataset's end)", schema: DatasetRows },
    404: { description: "No such resource" },
    422: { description: "`limit` samples of this dataset hold more numbers than a response may (the details name query.limit)" },
  },
  handler: async ({ params, query, ctx, principal }) => {
    const dataset = await getDatasetSummary(ctx.store, params.id, principal.tenantId);
    // bounded before anything is read: an image's features are thousands of numbers
    const perSample = numel(dataset.featureShape) + numel(dataset.labelShape);
    const most = ctx.config.limits.maxResponseValues;
    if (query.limit * perSample > most) {
      const fit = Math.floor(most / perSample);
      throw unprocessable(`${query.limit} samples of ${perSample} numbers each are more than this service's limit of ${most} numbers per response`, [
        { path: "query.limit", message: fit > 0 ? `at most ${fit} samples of this dataset` : "no sample of this dataset fits in a response" },
      ]);
    }
    const { features, labels } = await getDatasetRows(ctx.store, dataset, query.offset, query.limit);
    const featureRows = features.tolist() as unknown[];
    const labelRows = labels.tolist() as unknown[];
    return { offset: query.offset, num_samples: dataset.numSamples, rows: featureRows.map((f, i) => ({ features: f, label: labelRows[i] })) };
  },
});

const deleteDataset = defineRoute({
  method: "DELETE",
  url: "/v1/datasets/:id",
  operationId: "deleteDataset",
  summary: "Delete a dataset (not while a queued or running job uses it)",
  tags,
  params: IdParams,
  responses: { 204: { description: "Deleted" }, 404: { description: "No such resource" }, 409: { description: "A queued or running job uses it" } },
  handler: async ({ params, ctx, principal }, reply) => {
    await getDatasetSummary(ctx.store, params.id, principal.tenantId);
    await ctx.store.deleteDataset(params.id);
    return reply.code(204).send();
  },
});

export const datasetRoutes: RouteDef[] = [createDatasetRoute, listDatasets, getDataset, getRows, deleteDataset];
