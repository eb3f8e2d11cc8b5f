/**
 * The OpenAPI 3.1 document, derived from the routes' Zod schemas (request sides with
 * `io: "input"`, responses with `io: "output"`). Schemas given an id (`.meta({ id: "ModelSpec" })`)
 * become shared components; when a schema's input and output sides differ (defaults,
 * transforms), the input side is named `<id>Input`.
 */
import { z } from "zod";
import type { ContentType } from "./content_types.js";
import { BUDGET_VARS, budgetOf, type Budget } from "./budgets.js";
import { ErrorResponse } from "./errors.js";
import { accessOf, bodyContentTypes, hasBody, type HttpMethod, type ResponseDef, type RouteDef } from "./route.js";

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/** Where the API is served (OpenAPI's `servers`). */
export interface OpenApiServer {
  url: string;
  description: string;
}

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: OpenApiInfo;
  servers: OpenApiServer[];
  tags: { name: string }[];
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
}

/** How callers authenticate: `Authorization: Bearer <key>` (a tenant's key or the operator key). */
const SECURITY_SCHEMES = {
  bearerAuth: {
    type: "http",
    scheme: "bearer",
    description: "An API key (kiln_<prefix>_<secret>), or the operator key (KILN_ADMIN_KEY) on the tenant and key routes. Not needed when the service runs open.",
  },
};

type Io = "input" | "output";
const REF_PREFIX = "#/components/schemas/";
const PLACEHOLDER = "\u0000kiln-ref\u0000";
const METHOD_ORDER: HttpMethod[] = ["GET", "PUT", "POST", "DELETE", "PATCH"];

/** `/v1/models/:id` → `/v1/models/{id}`. */
export const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, "{$1}");

/** `node` with every schema reference (`$ref`, and a discriminator's `mapping` values) passed through `f`. */
function mapRefs(node: unknown, f: (ref: string) => string): unknown {
  if (Array.isArray(node)) return node.map((item) => mapRefs(item, f));
  if (node === null || typeof node !== "object") return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string") out.$ref = f(value);
    else if (key === "discriminator") out.discriminator = mapDiscriminator(value as Discriminator, f);
    else out[key] = mapRefs(value, f);
  }
  return out;
}

interface Discriminator {
  propertyName: string;
  mapping: Record<string, string>;
}

const mapDiscriminator = ({ propertyName, mapping }: Discriminator, f: (ref: string) => string): Discriminator => ({
  propertyName,
  mapping: Object.fromEntries(Object.entries(mapping).map(([value, ref]) => [value, f(ref)])),
});

/**
 * Gives a discriminated union of named schemas (the job events) OpenAPI's `discriminator`, each
 * value mapped to its schema, which generators narrow on. Unions of unnamed schemas (the layers)
 * are left as JSON Schema's plain `oneOf`: a mapping needs names to point at.
 */
function addDiscriminator({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }): void {
  if (!(zodSchema instanceof z.ZodDiscriminatedUnion)) return;
  const propertyName = zodSchema.def.discriminator;
  const mapping: Record<string, string> = {};
  for (const option of zodSchema.options) {
    const id = z.globalRegistry.get(option)?.id;
    const tag = option instanceof z.ZodObject ? option.shape[propertyName] : undefined;
    if (id === undefined || !(tag instanceof z.ZodLiteral)) return;
    for (const value of tag.values) mapping[String(value)] = `#/$defs/${id}`;
  }
  jsonSchema.discriminator = { propertyName, mapping } satisfies Discriminator;
}

/** Collects named schemas into components and turns Zod schemas into JSON Schemas that refer to them. */
class Components {
  /** name → io → JSON Schema */
  private readonly defs = new Map<string, Map<Io, JsonSchema>>();
  private anonymous = 0;

  /** The JSON Schema of `schema` (refs to components as placeholders until `finish`). */
  convert(schema: z.ZodType, io: Io): JsonSchema {
    const json = z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any", override: addDiscriminator }) as JsonSchema;
    delete json.$schema;
    const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
    delete json.$defs;
    // Zod names unnamed recursive schemas __schema0, __schema1... per call: make them unique.
    const renames = new Map<string, string>();
    for (const name of Object.keys(defs)) {
      renames.set(name, name.startsWith("__schema") ? `Schema${++this.anonymous}` : name);
    }
    const rewrite = (node: unknown): unknown =>
      mapRefs(node, (ref) => (ref.startsWith("#/$defs/") ? `${PLACEHOLDER}${io}\u0000${renames.get(ref.slice("#/$defs/".length))!}` : ref));
    for (const [name, def] of Object.entries(defs)) this.add(renames.get(name)!, io, rewrite(def) as JsonSchema);
    return rewrite(json) as JsonSchema;
  }

  /** A JSON Schema without a top-level ref (to list an object's properties as parameters). */
  resolve(json: JsonSchema): JsonSchema {
    const ref = json.$ref;
    if (typeof ref !== "string" || !ref.startsWith(PLACEHOLDER)) return json;
    const [io, name] = ref.slice(PLACEHOLDER.length).split("\u0000") as [Io, string];
    return this.defs.get(name)!.get(io)!;
  }

  private add(name: string, io: Io, json: JsonSchema): void {
    let byIo = this.defs.get(name);
    if (!byIo) this.defs.set(name, (byIo = new Map()));
    const existing = byIo.get(io);
    if (existing && JSON.stringify(existing) !== JSON.stringify(json)) {
      throw new Error(`OpenAPI: two different schemas have the id ${JSON.stringify(name)}`);
    }
    byIo.set(io, json);
  }

  /** The final component name of a schema side. */
  private nameOf(name: string, io: Io): string {
    const byIo = this.defs.get(name)!;
    const input = byIo.get("input");
    const output = byIo.get("output");
    if (io === "output" || !output || JSON.stringify(input) === JSON.stringify(output)) return name;
    return `${name}Input`;
  }

  /** Replaces the placeholders in `doc` and returns the components, sorted by name. */
  finish<T>(doc: T): { doc: T; schemas: Record<string, JsonSchema> } {
    const fix = (node: unknown): unknown =>
      mapRefs(node, (ref) => {
        if (!ref.startsWith(PLACEHOLDER)) return ref;
        const [io, name] = ref.slice(PLACEHOLDER.length).split("\u0000") as [Io, string];
        return REF_PREFIX + this.nameOf(name, io);
      });
    const schemas: Record<string, JsonSchema> = {};
    for (const name of [...this.defs.keys()].sort()) {
      for (const io of ["output", "input"] as const) {
        const json = this.defs.get(name)!.get(io);
        if (json) schemas[this.nameOf(name, io)] = fix(json) as JsonSchema;
      }
    }
    const sorted: Record<string, JsonSchema> = {};
    for (const key of Object.keys(schemas).sort()) sorted[key] = schemas[key]!;
    return { doc: fix(doc) as T, schemas: sorted };
  }
}

function parameters(components: Components, route: RouteDef): unknown[] {
  const out: unknown[] = [];
  const parts: ["path" | "query" | "header", z.ZodObject | undefined][] = [
    ["path", route.params],
    ["query", route.query],
    ["header", route.headers],
  ];
  for (const [location, schema] of parts) {
    if (!schema) continue;
    const json = components.resolve(components.convert(schema, "input"));
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      const { description, ...propertySchema } = property;
      out.push({
        name,
        in: location,
        ...(description === undefined ? {} : { description }),
        required: location === "path" || required.has(name),
        schema: propertySchema,
      });
    }
  }
  return out;
}

const RAW_BODY_SCHEMAS: Record<Exclude<ContentType, "application/json">, JsonSchema> = {
  "text/csv": { type: "string" },
  "application/octet-stream": { type: "string", format: "binary" },
  "application/x-npz": { type: "string", format: "binary" },
};

function requestBody(components: Components, route: RouteDef): unknown {
  const content: Record<string, unknown> = {};
  for (const type of bodyContentTypes(route)) {
    if (type === "application/json") {
      content[type] = {
        schema: route.body ? components.convert(route.body, "input") : {},
        ...(route.examples ? { examples: route.examples } : {}),
      };
    } else {
      content[type] = { schema: RAW_BODY_SCHEMAS[type] };
    }
  }
  let required = true;
  try {
    if (route.body) required = !route.body.safeParse(undefined).success;
  } catch {
    // An async schema: say required.
  }
  return { required, content };
}

const DEFAULT_ERRORS: Record<number, string> = {
  400: "The request is invalid (validation_error, malformed_json)",
  401: "No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer",
  403: "The key's role may not do this (forbidden)",
  413: "The request body is too large (payload_too_large)",
  415: "The request body's content type is not accepted (unsupported_media_type)",
  500: "Internal server error (internal)",
};

/** The RateLimit-* and Retry-After headers' values: one shared schema rather than four copies per operation. */
const count = z.number().int().min(0).meta({ id: "RateLimitCount", description: "A whole number of requests or seconds" });

/** The 429 of a route that spends `budget`, merged into what the route says of its own 429, if anything. */
function rateLimitedResponse(budget: Budget, own: ResponseDef | undefined): ResponseDef {
  const why =
    `${budget} budget for this window (rate_limited; ${BUDGET_VARS[budget]} requests per KILN_RATE_LIMIT_WINDOW_MS): ` +
    "retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers.";
  return {
    ...own,
    description: own ? `${own.description}; or the key spent its ${why}` : `The key spent its ${why}`,
    headers: {
      ...own?.headers,
      "Retry-After": { description: "Seconds until the window ends", schema: count },
      "RateLimit-Limit": { description: "Requests of this budget per window", schema: count },
      "RateLimit-Remaining": { description: "Requests of this budget left in this window (0 here)", schema: count },
      "RateLimit-Reset": { description: "Seconds until the window ends", schema: count },
    },
  };
}

function responses(components: Components, route: RouteDef, errorSchema: JsonSchema): Record<string, unknown> {
  const declared: Record<number, ResponseDef> = { ...route.responses };
  const takesInput = route.params || route.query || route.headers || hasBody(route);
  const authenticated = accessOf(route) !== "public";
  const defaults = [...(takesInput ? [400] : []), ...(authenticated ? [401, 403] : []), ...(hasBody(route) ? [413, 415] : []), 500];
  for (const status of defaults) declared[status] ??= { description: DEFAULT_ERRORS[status]! };
  const budget = budgetOf(route);
  if (budget !== null) declared[429] = rateLimitedResponse(budget, declared[429]);

  const out: Record<string, unknown> = {};
  for (const status of Object.keys(declared).map(Number).sort((a, b) => a - b)) {
    const response = declared[status]!;
    const entry: Record<string, unknown> = { description: response.description };
    if (response.headers) {
      const headers: Record<string, unknown> = {};
      for (const [name, header] of Object.entries(response.headers)) {
        headers[name] = {
          description: header.description,
          schema: header.schema ? components.convert(header.schema, "output") : { type: "string" },
        };
      }
      entry.headers = headers;
    }
    const contentType = response.contentType ?? "application/json";
    if (response.schema) {
      entry.content = { [contentType]: { schema: components.convert(response.schema, "output") } };
    } else if (status >= 400) {
      entry.content = { "application/json": { schema: errorSchema } };
    } else if (response.contentType) {
      entry.content = { [contentType]: { schema: { type: "string" } } };
    }
    for (const type of response.fileTypes ?? []) {
      entry.content = { ...(entry.content as object | undefined), [type]: { schema: { type: "string", format: "binary" } } };
    }
    out[String(status)] = entry;
  }
  return out;
}

/**
 * The OpenAPI 3.1 document of `routes`: deterministic (paths sorted, methods in a fixed order,
 * components sorted by name), so a generated file only changes when the API does.
 */
export function buildOpenApiDocument(routes: readonly RouteDef[], info: OpenApiInfo, servers: OpenApiServer[] = []): OpenApiDocument {
  const components = new Components();
  const errorSchema = components.convert(ErrorResponse, "output");
  const operationIds = new Set<string>();
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Set<string>();

  const sorted = [...routes].sort(
    (a, b) =>
      openApiPath(a.url).localeCompare(openApiPath(b.url)) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method),
  );
  for (const route of sorted) {
    if (operationIds.has(route.operationId)) throw new Error(`OpenAPI: duplicate operationId ${route.operationId}`);
    operationIds.add(route.operationId);
    const path = openApiPath(route.url);
    const item = (paths[path] ??= {});
    const method = route.method.toLowerCase();
    if (item[method]) throw new Error(`OpenAPI: two routes for ${route.method} ${route.url}`);
    for (const tag of route.tags) tags.add(tag);
    const params = parameters(components, route);
    item[method] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description === undefined ? {} : { description: route.description }),
      tags: route.tags,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(hasBody(route) ? { requestBody: requestBody(components, route) } : {}),
      ...(accessOf(route) !== "public" ? { security: [{ bearerAuth: [] }], "x-kiln-access": accessOf(route) } : {}),
      responses: responses(components, route, errorSchema),
    };
  }

  const { doc, schemas } = components.finish({ paths });
  return {
    openapi: "3.1.0",
    info,
    servers,
    tags: [...tags].sort().map((name) => ({ name })),
    paths: doc.paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
  };
}
