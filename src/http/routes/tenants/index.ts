/** Tenants: the operator key's (KILN_ADMIN_KEY) to create and list. */
import { createTenant } from "../../../services/index.js";
import { defineRoute, type RouteDef } from "../../route.js";
import { pageOf, PageQuery, pageView } from "../common.js";
import { CreateTenantRequest, tenantView, TenantView } from "./schemas.js";

const tags = ["tenants"];

const createTenantRoute = defineRoute({
  method: "POST",
  url: "/v1/tenants",
  operationId: "createTenant",
  summary: "Create a tenant (operator key only); a name that exists answers 200 with that tenant",
  tags,
  access: "operator",
  body: CreateTenantRequest,
  responses: {
    200: { description: "The tenant of this name, which existed already", schema: TenantView },
    201: { description: "The tenant, created", schema: TenantView },
  },
  handler: async ({ body, ctx }, reply) => {
    const { tenant, created } = await createTenant(ctx.store, body.name);
    // the lowest declared 2xx (200) is the default: a creation says so
    if (created) reply.code(201);
    return tenantView(tenant);
  },
});

const listTenants = defineRoute({
  method: "GET",
  url: "/v1/tenants",
  operationId: "listTenants",
  summary: "List tenants, oldest first (operator key only)",
  tags,
  access: "operator",
  query: PageQuery,
  responses: { 200: { description: "A page of tenants", schema: pageOf(TenantView) } },
  handler: async ({ query, ctx }) => {
    const page = await ctx.store.listTenants(query);
    return pageView(page, tenantView);
  },
});

export const tenantRoutes: RouteDef[] = [createTenantRoute, listTenants];
