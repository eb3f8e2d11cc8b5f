/**
 * Which rate-limit budget each route spends (rate_limit.ts counts them; openapi.ts documents them).
 */
import { accessOf, type RouteDef } from "./route.js";

/** What a request spends: GET/HEAD read, training and predictions their own, any other method writes. */
export type Budget = "read" | "write" | "train" | "predict";

/** The environment variable of each budget, for messages that tell an operator what to change. */
export const BUDGET_VARS: Record<Budget, string> = {
  read: "KILN_RATE_LIMIT_READ",
  write: "KILN_RATE_LIMIT_WRITE",
  train: "KILN_RATE_LIMIT_TRAIN",
  predict: "KILN_RATE_LIMIT_PREDICT",
};

/** The budget a route spends, or null for a public route (health, metrics, the API description): never limited. */
export function budgetOf(route: RouteDef): Budget | null {
  if (accessOf(route) === "public") return null;
  if (route.budget !== undefined) return route.budget;
  return route.method === "GET" ? "read" : "write";
}
