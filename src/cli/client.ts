/**
 * The one way the HTTP commands reach the API: the base URL and key from the environment
 * (`KILN_URL`, `KILN_API_KEY`), and every failure turned into a message a user can act on: the
 * server's error code and message, or where the connection was tried.
 */
import type { ErrorResponse } from "../http/errors.js";
import { CliError } from "./command.js";

/** `PORT` and `HOST` as the server defaults them (src/http/config.ts). */
export const DEFAULT_URL = "http://127.0.0.1:3000";

/** The API's error body; `http_error` for an answer not in that shape (a proxy's page, say). */
type ApiErrorBody = Omit<ErrorResponse["error"], "code"> & { code: ErrorResponse["error"]["code"] | "http_error" };

/** An error answer of the API, as `{ "error": { code, message, details? } }` gave it. */
export class ApiError extends CliError {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    // `message (code, HTTP status)`, then one line per detail: `  layers[2].out_features: …`
    super(`${body.message} (${body.code}, HTTP ${status})${(body.details ?? []).map((d) => `\n  ${d.path}: ${d.message}`).join("")}`);
  }
}

/** The API could not be reached at all (refused, unknown host, reset). */
export class ConnectionError extends CliError {
  override name = "ConnectionError";
}

export interface RequestOptions {
  /** A body sent as JSON. */
  json?: unknown;
  /** A body sent as it is, with its content type. */
  bytes?: { data: Uint8Array; contentType: string };
  accept?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly key: string | undefined,
  ) {}

  /** From `KILN_URL` (default DEFAULT_URL, trailing slashes dropped) and `KILN_API_KEY`. */
  static fromEnv(env: Record<string, string | undefined>): ApiClient {
    const url = env.KILN_URL === undefined || env.KILN_URL === "" ? DEFAULT_URL : env.KILN_URL.replace(/\/+$/, "");
    return new ApiClient(url, env.KILN_API_KEY === "" ? undefined : env.KILN_API_KEY);
  }

  /**
   * The response of a request that succeeded (2xx); throws ApiError for an error answer and
   * ConnectionError when the server cannot be reached.
   */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.key !== undefined) headers.authorization = `Bearer ${this.key}`;
    if (options.accept !== undefined) headers.accept = options.accept;
    let body: string | Uint8Array | undefined;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.bytes !== undefined) {
      headers["content-type"] = options.bytes.contentType;
      body = options.bytes.data;
    }
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { method, headers, body, signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ConnectionError(`could not reach the Kiln API at ${this.baseUrl} (${reason(error)}); KILN_URL says where it is`);
    }
    if (!res.ok) throw await apiError(res);
    return res;
  }

  /** The JSON answer of a request (null for an empty one, as a 204's). */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const text = await (await this.send(method, path, options)).text();
    return (text === "" ? null : JSON.parse(text)) as T;
  }
}

/** Why fetch failed, as the system named it (ECONNREFUSED, ENOTFOUND …). */
function reason(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The ApiError of an error response; one whose body is not the API's error shape keeps its status and text. */
async function apiError(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as Partial<ErrorResponse>;
    if (typeof body.error?.code === "string" && typeof body.error.message === "string") return new ApiError(res.status, body.error);
  } catch {
    // not JSON
  }
  return new ApiError(res.status, { code: "http_error", message: text.slice(0, 200) || res.statusText });
}
