/** A tenant's use of its quotas. */
import { defineRoute, type RouteDef } from "../../route.js";
import { openTenantStreamCount } from "../../sse.js";
import { UsageView } from "./schemas.js";

const getUsage = defineRoute({
  method: "GET",
  url: "/v1/usage",
  operationId: "getUsage",
  summary: "The tenant's use of each of its quotas, and their limits",
  tags: ["usage"],
  responses: { 200: { description: "Use and limit of each quota", schema: UsageView } },
  handler: async ({ ctx, principal, raw }): Promise<UsageView> => {
    const { tenantId } = principal;
    const [use, limits] = await Promise.all([ctx.quotas.usage(tenantId), ctx.quotas.limits(tenantId)]);
    return {
      tenant_id: tenantId,
      quotas: {
        models: { used: use.models, limit: limits.models },
        datasets: { used: use.datasets, limit: limits.datasets },
        bytes: { used: use.bytes, limit: limits.bytes },
        queued_jobs: { used: use.queuedJobs + use.runningJobs, limit: limits.queued_jobs },
        running_jobs: { used: use.runningJobs, limit: limits.running_jobs },
        event_streams: { used: openTenantStreamCount(raw.server, tenantId), limit: limits.event_streams },
      },
    };
  },
});

export const usageRoutes: RouteDef[] = [getUsage];
