/** Tenants: the operator key's (KILN_ADMIN_KEY) to create and list. */
import { createTenant, NotFoundError } from "../../../services/index.js";
import { defineRoute, type RouteDef } from "../../route.js";
import { IdParams, pageOf, PageQuery, pageView } from "../common.js";
import { CreateTenantRequest, quotasExamples, tenantExamples, TenantQuotasPatch, tenantQuotasView, TenantQuotasView, tenantView, TenantView } from "./schemas.js";

const tags = ["tenants"];

const createTenantRoute = defineRoute({
  method: "POST",
  url: "/v1/tenants",
  operationId: "createTenant",
  summary: "Create a tenant (operator key only); a name that exists answers 200 with that tenant",
  tags,
  access: "operator",
  body: CreateTenantRequest,
  examples: tenantExamples,
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

const getTenantQuotas = defineRoute({
  method: "GET",
  url: "/v1/tenants/:id/quotas",
  operationId: "getTenantQuotas",
  summary: "A tenant's quota limits: its own where the operator set them, else the service's defaults (operator key only)",
  tags,
  access: "operator",
  params: IdParams,
  responses: { 200: { description: "The tenant's limits", schema: TenantQuotasView }, 404: { description: "No such resource" } },
  handler: async ({ params, ctx }) => {
    if (!(await ctx.store.getTenant(params.id))) throw new NotFoundError("tenant", params.id);
    return tenantQuotasView(params.id, ctx.quotas.defaults, await ctx.quotas.overrides(params.id));
  },
});

const updateTenantQuotas = defineRoute({
  method: "PATCH",
  url: "/v1/tenants/:id/quotas",
  operationId: "updateTenantQuotas",
  summary: "Set or clear (null) some of a tenant's quota limits; the others stay as they are (operator key only)",
  tags,
  access: "operator",
  params: IdParams,
  body: TenantQuotasPatch,
  examples: quotasExamples,
  responses: { 200: { description: "The tenant's limits, changed", schema: TenantQuotasView }, 404: { description: "No such resource" } },
  handler: async ({ params, body, ctx }) => {
    const changes = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
    const overrides = await ctx.quotas.setOverrides(params.id, changes);
    if (!overrides) throw new NotFoundError("tenant", params.id);
    return tenantQuotasView(params.id, ctx.quotas.defaults, overrides);
  },
});

export const tenantRoutes: RouteDef[] = [createTenantRoute, listTenants, getTenantQuotas, updateTenantQuotas];
