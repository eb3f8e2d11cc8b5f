/**
 * Writes openapi/openapi.json from the routes' Zod schemas, and openapi/kiln-api.d.ts, the
 * TypeScript types openapi-typescript generates from it (what openapi-fetch takes: see
 * examples/client.ts):
 *
 *     npm run openapi        (npx tsx openapi/generate.ts)
 *
 * test/http/openapi.test.ts fails when either file is stale.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import { buildOpenApiDocument } from "../src/http/openapi.js";
import { allRoutes, apiInfo, apiServers } from "../src/http/routes/index.js";

export const OPENAPI_FILE = fileURLToPath(new URL("./openapi.json", import.meta.url));
export const CLIENT_TYPES_FILE = fileURLToPath(new URL("./kiln-api.d.ts", import.meta.url));

/** The document as the file holds it: 2-space indent, trailing newline. */
export function renderOpenApi(): string {
  return `${JSON.stringify(buildOpenApiDocument(allRoutes, apiInfo, apiServers), null, 2)}\n`;
}

/** openapi-typescript's `paths`, `components` and `operations` of the document. */
export async function renderClientTypes(document: string = renderOpenApi()): Promise<string> {
  return astToString(await openapiTS(JSON.parse(document) as OpenAPI3, { silent: true }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const document = renderOpenApi();
  writeFileSync(OPENAPI_FILE, document);
  console.log(`wrote ${OPENAPI_FILE}`);
  writeFileSync(CLIENT_TYPES_FILE, await renderClientTypes(document));
  console.log(`wrote ${CLIENT_TYPES_FILE}`);
}
