import type { Workload } from "./types.js";

/**
 * W5, the HTTP service (POST /v1/jobs → first streamed loss, predict under load, 4 jobs vs 1, RSS):
 * not written yet — the service is still being built. Listed so that its absence shows in every run.
 */
export const w5: Workload = {
  id: "W5",
  title: "W5 the service",
  description:
    "time from POST /v1/jobs to the first streamed loss; /v1/models/{id}/predict batch 1 under loopback " +
    "load (requests/s, p50/p99); 4 concurrent jobs vs 1; peak RSS and RSS growth over 20 epochs of W2.",
  placeholder: "not yet (the HTTP service is not built yet; no numbers are reported)",
  cases: () => [],
};
