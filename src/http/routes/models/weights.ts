/**
 * A weights download in the format the request's Accept asks for: JSON by default, a safetensors
 * file (`application/octet-stream`) or an ONNX model (`application/onnx`). One place for every
 * route that serves weights (a model's, a job's).
 */
import type { FastifyReply } from "fastify";
import { resolveModel } from "../../../schema/index.js";
import type { WeightsSource } from "../../../services/index.js";
import { safetensors } from "../../../tensor/index.js";
import type { AppContext } from "../../context.js";
import { unprocessable } from "../../errors.js";
import { jsonBody, type JsonPart } from "../../json_writer.js";
import type { ResponseDef } from "../../route.js";
import { WeightsJson } from "./schemas.js";

export const OCTET = "application/octet-stream";
export const ONNX = "application/onnx";
export const JSON_TYPE = "application/json; charset=utf-8";
/** The files a weights route answers with besides JSON, for its OpenAPI response. */
export const WEIGHTS_FILE_TYPES = [OCTET, ONNX] as const;

/** The 200, 404 and 422 of every route that serves weights. */
export const WEIGHTS_RESPONSES: Record<200 | 404 | 422, ResponseDef> = {
  200: { description: "The weights by state-dict key, or the file asked for", schema: WeightsJson, fileTypes: WEIGHTS_FILE_TYPES },
  404: { description: "No such resource" },
  422: { description: "More weights than one JSON response may hold (the service's limit on numbers per response): ask for safetensors" },
};

const buffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const attachment = (reply: FastifyReply, type: string, filename: string) =>
  reply.type(type).header("content-disposition", `attachment; filename="${filename}"`);

/**
 * Sends `source`'s weights as `accept` asks: ONNX written on a parse thread, JSON within the limit
 * on numbers per response (422 past it, before the weights are read).
 */
export async function sendWeights(
  reply: FastifyReply,
  accept: string | undefined,
  source: WeightsSource,
  ctx: Pick<AppContext, "config" | "ingest">,
): Promise<FastifyReply> {
  if (accept?.includes(ONNX)) {
    const onnx = await ctx.ingest.onnx({ spec: source.spec, weights: await source.weights(), name: source.name });
    return attachment(reply, ONNX, `${source.name}.onnx`).send(buffer(onnx));
  }
  if (accept?.includes(OCTET)) return attachment(reply, OCTET, `${source.name}.safetensors`).send(buffer(await source.weights()));
  // bounded before anything is built: JSON costs ~20 bytes and ~0.1 µs of the API thread a number
  const { numParams, numBufferValues } = resolveModel(source.spec);
  const values = numParams + numBufferValues;
  const limit = ctx.config.limits.maxResponseValues;
  if (values > limit) {
    const message = `the model's ${values} weights are more than this service's limit of ${limit} numbers per JSON response; download them as safetensors`;
    throw unprocessable(message, [{ path: "headers.accept", message: `send Accept: ${OCTET} for a safetensors file` }]);
  }
  const tensors = Object.entries(safetensors.parse(await source.weights()).tensors);
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
