/**
 * Weights as a download, one content negotiation for every route that serves them (a model's
 * weights, a job's): JSON by default, a file for the media types of WEIGHTS_FILES. Adding a format
 * is one entry there.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { resolveModel, WeightsJson, type ModelSpec } from "../schema/index.js";
import { safetensors } from "../tensor/index.js";
import { unprocessable } from "./errors.js";
import { jsonBody, type JsonPart } from "./json_writer.js";
import type { ResponseDef } from "./route.js";

/** What a download serves: whose weights (the file's name), the model's spec, and the weights. */
export interface WeightsDownload {
  /** The file's name without its extension: the model's id, or the job's. */
  name: string;
  /** The model's stored spec: its layers and sizes. */
  spec: ModelSpec;
  /** The weights as a safetensors file (F32, I64; PyTorch's state-dict keys), read only when needed. */
  safetensors: () => Promise<Uint8Array>;
}

/** A file format the weights come in, asked for by its media type in `Accept`. */
interface WeightsFile {
  mediaType: string;
  extension: string;
  body: (download: WeightsDownload) => Promise<Uint8Array>;
}

const OCTET = "application/octet-stream";
const JSON_TYPE = "application/json; charset=utf-8";

export const WEIGHTS_FILES: readonly WeightsFile[] = [{ mediaType: OCTET, extension: "safetensors", body: (d) => d.safetensors() }];

/** The 200, 404 and 422 of a route serving weights (its description names the formats). */
export const WEIGHTS_RESPONSES: Record<200 | 404 | 422, ResponseDef> = {
  200: {
    description:
      "The weights by state-dict key as JSON, each with its dtype (float32; int64 for BatchNorm's num_batches_tracked); " +
      "with `Accept: application/octet-stream`, a safetensors file (F32 and I64, `__metadata__.format = \"pt\"`) that loads " +
      "into the seed's NeuralNetwork with `safetensors.torch.load_file` and `load_state_dict`",
    schema: WeightsJson,
  },
  404: { description: "No such resource" },
  422: { description: "More weights than one JSON response may hold (the service's limit on numbers per response): ask for safetensors" },
};

/**
 * Answers `request` with the weights in the format its `Accept` asks for: a file of WEIGHTS_FILES,
 * or else JSON, whose size is checked against `maxResponseValues` before anything is read or built
 * (JSON costs ~20 bytes and ~0.1 µs of the API thread a number).
 */
export async function sendWeights(request: FastifyRequest, reply: FastifyReply, download: WeightsDownload, maxResponseValues: number): Promise<FastifyReply> {
  const accept = request.headers.accept;
  const file = WEIGHTS_FILES.find((f) => accept?.includes(f.mediaType));
  if (file) {
    const body = await file.body(download);
    return reply
      .type(file.mediaType)
      .header("content-disposition", `attachment; filename="${download.name}.${file.extension}"`)
      .send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  }
  // parameters and buffers' values (BatchNorm's running statistics), from the spec
  const { numParams, numBufferValues } = resolveModel(download.spec);
  const values = numParams + numBufferValues;
  if (values > maxResponseValues) {
    const message = `the model's ${values} weights are more than this service's limit of ${maxResponseValues} numbers per JSON response; download them as safetensors`;
    throw unprocessable(message, [{ path: "headers.accept", message: `send Accept: ${OCTET} for a safetensors file` }]);
  }
  const tensors = Object.entries(safetensors.parse(await download.safetensors()).tensors);
  const parts: JsonPart[] = ['{"tensors":{'];
  tensors.forEach(([key, t], i) => {
    parts.push(`${i > 0 ? "," : ""}${JSON.stringify(key)}:{"shape":${JSON.stringify(t.shape)},"dtype":"${t.dtype}","data":`);
    // int64 tensors are buffers of a value or so (num_batches_tracked): their digits, exactly
    parts.push(t.dtype === "int64" ? `[${(t.data as BigInt64Array).join(",")}]` : { values: t.data as Float32Array, shape: [t.numel()] });
    parts.push("}");
  });
  parts.push("}}");
  return reply.type(JSON_TYPE).send(jsonBody(parts));
}
