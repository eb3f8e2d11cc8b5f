import { modelView } from "../../../jobs/index.js";
import { ModelSpec } from "../../../spec/index.js";
import { safetensors } from "../../../tensor/index.js";
import { defineRoute, type RouteDef } from "../../route.js";
import { IdParams, PageQuery, pageOf } from "../common.js";
import { readPredictBody } from "./predict_body.js";
import { ModelView, PredictRequest, PredictResponse, WeightsJson } from "./schemas.js";

const tags = ["models"];

const createModel = defineRoute({
  method: "POST",
  url: "/v1/models",
  operationId: "createModel",
  summary: "Create a model from a list of PyTorch layers",
  description: "With `seed`, the initial weights are PyTorch's after `torch.manual_seed(seed)`.",
  tags,
  body: ModelSpec,
  responses: { 201: { description: "The model", schema: ModelView }, 422: { description: "Valid JSON that does not fit (the details name the field)" } },
  handler: async ({ body, ctx }, reply) => {
    const model = modelView(await ctx.models.create(body));
    reply.header("location", `/v1/models/${model.id}`);
    return model;
  },
});

const listModels = defineRoute({
  method: "GET",
  url: "/v1/models",
  operationId: "listModels",
  summary: "List models, oldest first",
  tags,
  query: PageQuery,
  responses: { 200: { description: "A page of models", schema: pageOf(ModelView) } },
  handler: async ({ query, ctx }) => {
    const page = await ctx.store.listModels(query);
    return { items: page.items.map(modelView), next_cursor: page.nextCursor };
  },
});

const getModel = defineRoute({
  method: "GET",
  url: "/v1/models/:id",
  operationId: "getModel",
  summary: "Get a model",
  tags,
  params: IdParams,
  responses: { 200: { description: "The model", schema: ModelView }, 404: { description: "No such resource" } },
  handler: async ({ params, ctx }) => modelView(await ctx.models.get(params.id)),
});

const deleteModel = defineRoute({
  method: "DELETE",
  url: "/v1/models/:id",
  operationId: "deleteModel",
  summary: "Delete a model (not while a queued or running job uses it)",
  tags,
  params: IdParams,
  responses: { 204: { description: "Deleted" }, 404: { description: "No such resource" }, 409: { description: "A queued or running job uses it" } },
  handler: async ({ params, ctx }, reply) => {
    await ctx.models.get(params.id);
    await ctx.store.deleteModel(params.id);
    return reply.code(204).send();
  },
});

const OCTET = "application/octet-stream";

const getWeights = defineRoute({
  method: "GET",
  url: "/v1/models/:id/weights",
  operationId: "getModelWeights",
  summary: "Download the weights as JSON, or as a safetensors file with `Accept: application/octet-stream`",
  description:
    "The safetensors file (F32, `__metadata__.format = \"pt\"`) loads into the seed's NeuralNetwork with " +
    "`safetensors.torch.load_file` and `load_state_dict`.",
  tags,
  params: IdParams,
  responses: {
    200: { description: "The weights by state-dict key", schema: WeightsJson },
    404: { description: "No such resource" },
  },
  handler: async ({ params, ctx, raw }, reply) => {
    const model = await ctx.models.get(params.id);
    if (raw.headers.accept?.includes(OCTET)) {
      return reply
        .type(OCTET)
        .header("content-disposition", `attachment; filename="${model.id}.safetensors"`)
        .send(Buffer.from(model.weights.buffer, model.weights.byteOffset, model.weights.byteLength));
    }
    const tensors = safetensors.parse(model.weights).tensors;
    return {
      tensors: Object.fromEntries(
        Object.entries(tensors).map(([k, t]) => [k, { shape: [...t.shape], dtype: "float32" as const, data: Array.from(t.data as Float32Array) }]),
      ),
    };
  },
});

const putWeights = defineRoute({
  method: "PUT",
  url: "/v1/models/:id/weights",
  operationId: "putModelWeights",
  summary: "Replace the weights, from JSON or a safetensors file; every key, shape and dtype must match",
  tags,
  params: IdParams,
  body: WeightsJson,
  bodyContentTypes: ["application/json", OCTET],
  // parsed and checked on a parse worker: a 10M-parameter model is 10M numbers
  rawBody: true,
  responses: { 200: { description: "The model with its new version", schema: ModelView }, 404: { description: "No such resource" }, 422: { description: "Valid JSON that does not fit (the details name the field)" } },
  handler: async ({ params, body, contentType, ctx }) => {
    const model = await ctx.models.get(params.id);
    const format = contentType === OCTET ? "safetensors" : "json";
    const weights = await ctx.ingest.weights({ format, body, current: model.weights });
    return modelView(await ctx.models.replaceWeights(model, weights));
  },
});

const predict = defineRoute({
  method: "POST",
  url: "/v1/models/:id/predict",
  operationId: "predict",
  summary: "Run the model on a batch of inputs (eval mode, no gradients)",
  tags,
  params: IdParams,
  body: PredictRequest,
  readJson: readPredictBody,
  responses: { 200: { description: "Outputs, and argmax predictions for classifiers", schema: PredictResponse }, 404: { description: "No such resource" }, 422: { description: "Valid JSON that does not fit (the details name the field)" } },
  handler: async ({ params, body, ctx }) => ctx.models.predict(params.id, body.inputs),
});

export const modelRoutes: RouteDef[] = [createModel, listModels, getModel, deleteModel, getWeights, putWeights, predict];
