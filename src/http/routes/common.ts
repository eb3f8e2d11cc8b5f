import { z } from "zod";
import { text } from "../../schema/index.js";
import { PAGE_LIMITS, type Page } from "../../store/index.js";
import type { ResponseDef } from "../route.js";

/** A resource id in the path. */
export const IdParams = z.object({ id: text(100).describe("The resource's id.") });

/** Cursor pagination: items in creation order, `after` = the previous page's `next_cursor`. */
export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(PAGE_LIMITS.max)
    .default(PAGE_LIMITS.default)
    .describe(`The most items to return (1 to ${PAGE_LIMITS.max}).`),
  after: text(100).optional().describe("Continue after this id: the `next_cursor` of the previous page."),
});

/** A page of items of `item`. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe("Pass as `after` for the next page; null on the last page."),
  });

/** A store's page as `pageOf` answers it, each item through `view`. */
export const pageView = <T, V>(page: Page<T>, view: (item: T) => V): { items: V[]; next_cursor: string | null } => ({
  items: page.items.map(view),
  next_cursor: page.nextCursor,
});

/** The 403 of a route that a tenant's quotas (the ones named, as GET /v1/usage names them) may refuse. */
export const quotaForbidden = (...quotas: string[]): ResponseDef => ({
  description: `The key's role may not do this (forbidden), or it would take the tenant past its ${quotas.join(" or ")} quota (quota_exceeded; GET /v1/usage shows each)`,
});
