/**
 * Every route of the API, in one list: buildApp registers it, openapi/generate.ts documents it.
 * Each resource folder (models/, datasets/, jobs/, keys/, tenants/, usage/) exports its routes' array; append it here.
 */
import type { OpenApiInfo, OpenApiServer } from "../openapi.js";
import type { RouteDef } from "../route.js";
import { datasetRoutes } from "./datasets/index.js";
import { healthRoutes } from "./health.js";
import { jobRoutes } from "./jobs/index.js";
import { keyRoutes } from "./keys/index.js";
import { modelRoutes } from "./models/index.js";
import { tenantRoutes } from "./tenants/index.js";
import { usageRoutes } from "./usage/index.js";

export const apiInfo: OpenApiInfo = {
  title: "Kiln",
  version: "0.1.0",
  description:
    "PyTorch's tensors, autograd and deep-learning blocks in TypeScript, served as a training service: " +
    "define models, upload datasets, train them as jobs and follow their progress as server-sent events.",
};

/** The first, relative, is whatever serves the document (so `/docs` calls its own server); then `npm start`'s default. */
export const apiServers: OpenApiServer[] = [
  { url: "/", description: "The server that serves this document" },
  { url: "http://127.0.0.1:3000", description: "`npm start` with the default HOST and PORT" },
];

export const allRoutes: RouteDef[] = [
  ...healthRoutes,
  ...modelRoutes,
  ...datasetRoutes,
  ...jobRoutes,
  ...keyRoutes,
  ...tenantRoutes,
  ...usageRoutes,
];
