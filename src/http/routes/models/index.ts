import { listVersions, modelView, ModelView, restoreVersion, versionView } from "../../../services/index.js";
import { ModelSpec, predictInputsFromSafetensors } from "../../../schema/index.js";
import { defineRoute, type RouteDef } from "../../route.js";
import { IdParams, pageOf, PageQuery, pageView, quotaForbidden } from "../common.js";
import { jsonBody, type JsonPart } from "../../json_writer.js";
import { JSON_TYPE, OCTET, sendWeights, WEIGHTS_RESPONSES } from "./weights.js";
import { readPredictBody } from "./predict_body.js";
import { modelExamples, predictExamples, PredictRequest, PredictResponse, VersionPage, VersionParams, WeightsJson, weightsExamples } from "./schemas.js";

const tags = ["models"];

const createModel = defineRoute({
  method: "POST",
  url: "/v1/models",
  operationId: "createModel",
  summary: "Create a model from a list of PyTorch layers",
  description: "With `seed`, the initial weights are PyTorch's after `torch.manual_seed(seed)`.",
  tags,
  body: ModelSpec,
  examples: modelExamples,
  responses: { 201: { description: "The model", schema: ModelView }, 403: quotaForbidden("models", "bytes"), 422: { description: "Valid JSON that does not fit (the details name the field)" } },
  handler: async ({ body, ctx, principal }, reply) => {
    const model = modelView(await ctx.models.create(body, principal.tenantId));
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
  handler: async ({ query, ctx, principal }) => {
    const page = await ctx.store.listModels({ ...query, tenantId: principal.tenantId });
    return pageView(page, modelView);
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
  handler: async ({ params, ctx, principal }) => modelView(await ctx.models.summary(params.id, principal.tenantId)),
});

const deleteModel = defineRoute({
  method: "DELETE",
  url: "/v1/models/:id",
  operationId: "deleteModel",
  summary: "Delete a model (not while a queued or running job uses it)",
  tags,
  params: IdParams,
  responses: { 204: { description: "Deleted" }, 404: { description: "No such resource" }, 409: { description: "A queued or running job uses it" } },
  handler: async ({ params, ctx, principal }, reply) => {
    await ctx.models.summary(params.id, principal.tenantId);
    await ctx.store.deleteModel(params.id);
    return reply.code(204).send();
  },
});

const getWeights = defineRoute({
  method: "GET",
  url: "/v1/models/:id/weights",
  operationId: "getModelWeights",
  summary:
    "Download the weights as JSON, as a safetensors file with `Accept: application/octet-stream`, or the whole model as ONNX with " +
    "`Accept: application/onnx`",
  description:
    "Parameters and buffers by PyTorch's state-dict keys, each with its dtype (float32; int64 for BatchNorm's " +
    "num_batches_tracked). The safetensors file (F32 and I64, `__metadata__.format = \"pt\"`) loads into the seed's " +
    "NeuralNetwork with `safetensors.torch.load_file` and `load_state_dict`. The ONNX model (IR version 8, opset 17) computes " +
    "what `/predict` computes (eval mode) for a batch of any size: input `inputs` [batch, ...input_shape] (uint8 for a model " +
    "starting with ConvertImageDtype, float32 otherwise), output `outputs`; its initializers are named by the state-dict keys " +
    "(num_batches_tracked, used in training only, left out). These are the weights the model holds now: its current version " +
    "(GET /v1/models/{id}/versions).",
  tags,
  params: IdParams,
  responses: WEIGHTS_RESPONSES,
  handler: async ({ params, ctx, principal, raw }, reply) => {
    const source = await ctx.models.weightsSource(params.id, principal.tenantId);
    return sendWeights(reply, raw.headers.accept, source, ctx);
  },
});

const putWeights = defineRoute({
  method: "PUT",
  url: "/v1/models/:id/weights",
  operationId: "putModelWeights",
  summary: "Replace the weights, from JSON or a safetensors file; every key, shape and dtype must match",
  description: "The weights are kept as the model's newest version (made by no job), which counts against the tenant's bytes quota.",
  tags,
  params: IdParams,
  body: WeightsJson,
  examples: weightsExamples,
  bodyContentTypes: ["application/json", OCTET],
  // parsed and checked on a parse worker: a 10M-parameter model is 10M numbers
  rawBody: true,
  responses: {
    200: { description: "The model, holding the weights as its newest version", schema: ModelView },
    403: quotaForbidden("bytes"),
    404: { description: "No such resource" },
    422: { description: "Valid JSON that does not fit (the details name the field)" },
  },
  handler: async ({ params, body, contentType, ctx, principal }) => {
    const model = await ctx.models.get(params.id, principal.tenantId);
    const format = contentType === OCTET ? "safetensors" : "json";
    const weights = await ctx.ingest.weights({ format, body, current: model.weights });
    return modelView(await ctx.models.replaceWeights(model, weights));
  },
});

const listModelVersions = defineRoute({
  method: "GET",
  url: "/v1/models/:id/versions",
  operationId: "listModelVersions",
  summary: "List the model's versions of its weights, oldest first",
  description:
    "Each succeeded job keeps the weights it made as the model's newest version, and so does each PUT of its weights; " +
    "`after` is a version number. A model holds the newest unless one was restored (`current`).",
  tags,
  params: IdParams,
  query: PageQuery,
  responses: { 200: { description: "A page of versions", schema: VersionPage }, 404: { description: "No such resource" } },
  handler: async ({ params, query, ctx, principal }) => {
    const { model, page } = await listVersions(ctx.store, params.id, principal.tenantId, query);
    return { ...pageView(page, (v) => versionView(v, model.currentVersion)), current_version: model.currentVersion };
  },
});

const restoreModelVersion = defineRoute({
  method: "POST",
  url: "/v1/models/:id/versions/:version/restore",
  operationId: "restoreModelVersion",
  summary: "Make a version's weights the model's current weights",
  description:
    "The model then holds that version's weights and the generator state it had when they were made (a job without a seed " +
    "continues from there); no version is added. A job already queued or running trains from the weights it started with, " +
    "and its success makes a newer version, current.",
  tags,
  params: VersionParams,
  responses: { 200: { description: "The model, holding the version", schema: ModelView }, 404: { description: "No such model or version" } },
  handler: async ({ params, ctx, principal }) => modelView(await restoreVersion(ctx.store, params.id, params.version, principal.tenantId)),
});

const predict = defineRoute({
  method: "POST",
  url: "/v1/models/:id/predict",
  operationId: "predict",
  summary: "Run the model on a batch of inputs (eval mode, no gradients), as JSON or a safetensors file",
  description:
    "The batch is JSON `{\"inputs\": [...]}` (nested arrays [B, ...input_shape]) or, with `Content-Type: application/octet-stream`, " +
    "a safetensors file holding one tensor, `inputs`, of shape [B, ...input_shape] (1 ≤ B ≤ 10,000). Its dtypes are datasets': U8 " +
    "stays uint8; I8, I16, I32, I64, U16, U32, U64, F16, BF16 and F64 become float32 exactly (integers past 2^24 refused), and " +
    "NaN or infinities are refused. A model starting with ConvertImageDtype takes images of bytes only: U8 (JSON: integers 0 to " +
    "255), never floats, though torchvision's ConvertImageDtype would pass floats through, so that JSON and safetensors inputs " +
    "mean the same; any other model takes floats, and U8 inputs get a 422 saying to add ConvertImageDtype. For class scores " +
    "(output_shape [k], k > 1) the answer adds `probabilities`, softmax(outputs) over the last dimension, and `predictions`; " +
    "the limit on numbers per response counts outputs and probabilities.",
  tags,
  budget: "predict",
  params: IdParams,
  body: PredictRequest,
  examples: predictExamples,
  bodyContentTypes: ["application/json", OCTET],
  readJson: readPredictBody,
  // read on the API thread (fast, and what keeps predictions quick): bounded to ~40 ms of it
  bodyLimit: (limits) => limits.maxPredictBodyBytes,
  responses: {
    200: { description: "Outputs, and for classifiers their softmax probabilities and argmax predictions", schema: PredictResponse },
    404: { description: "No such resource" },
    413: { description: "A body over the prediction body limit (KILN_MAX_PREDICT_BODY_BYTES): send fewer samples per request" },
    422: {
      description:
        "Samples that do not fit the model, a safetensors body that is not one tensor `inputs` of a fitting shape and dtype, or " +
        "more outputs or work than one request may take (the message says how many samples fit; the details name the field)",
    },
  },
  handler: async ({ params, body, ctx, principal }, reply) => {
    const inputs = Buffer.isBuffer(body) ? predictInputsFromSafetensors(body) : body.inputs;
    const { outputs, probabilities, predictions } = await ctx.models.predict(params.id, principal.tenantId, inputs);
    const parts: JsonPart[] = ['{"outputs":', { values: outputs.data as Float32Array, shape: outputs.shape }];
    if (probabilities) parts.push(',"probabilities":', { values: probabilities.data as Float32Array, shape: probabilities.shape });
    if (predictions) parts.push(`,"predictions":${JSON.stringify(predictions)}`);
    parts.push("}");
    return reply.type(JSON_TYPE).send(jsonBody(parts));
  },
});

export const modelRoutes: RouteDef[] = [
  createModel,
  listModels,
  getModel,
  deleteModel,
  getWeights,
  putWeights,
  listModelVersions,
  restoreModelVersion,
  predict,
];
