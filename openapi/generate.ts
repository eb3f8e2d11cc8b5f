/**
 * Writes openapi/openapi.json from the routes' Zod schemas:
 *
 *     npm run openapi        (npx tsx openapi/generate.ts)
 *
 * test/http/openapi.test.ts fails when the file is stale.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildOpenApiDocument } from "../src/http/openapi.js";
import { allRoutes, apiInfo, apiServers } from "../src/http/routes/index.js";

export const OPENAPI_FILE = fileURLToPath(new URL("./openapi.json", import.meta.url));

/** The document as the file holds it: 2-space indent, trailing newline. */
export function renderOpenApi(): string {
  return `${JSON.stringify(buildOpenApiDocument(allRoutes, apiInfo, apiServers), null, 2)}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(OPENAPI_FILE, renderOpenApi());
  console.log(`wrote ${OPENAPI_FILE}`);
}
