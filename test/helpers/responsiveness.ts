/**
 * How long other requests would wait while a heavy one runs: the event loop's delays in this
 * process (for `inject` tests), or /healthz round trips to a server process.
 *
 *     const { result, maxMs } = await eventLoopDelayDuring(() => t.app.inject(heavyRequest));
 *     const { result, p99Ms } = await healthzLatencyDuring(server.baseUrl, () => fetch(...));
 *
 * Tests in `npm test` assert generous bounds (the bugs they guard against blocked for seconds, and
 * the suite runs on a busy 2-core machine); `npm run test:stress` asserts the figures.
 */
import { expect } from "vitest";

export interface DelayReport<T> {
  result: T;
  /** The longest delay seen, in ms. */
  maxMs: number;
  /** The 99th percentile, in ms. */
  p99Ms: number;
  /** How many samples the figures come from. */
  samples: number;
}

/** How often `eventLoopDelayDuring` looks at the event loop, in ms. */
const TICK_MS = 10;

/**
 * Runs `work` while timing this process's event loop: a timer asks to run every 10 ms, and each
 * time it runs late is a delay. A loop blocked for 3 s shows as one 3 s delay, also when the block
 * lasts until `work` ends (counted with its time so far, as no tick has seen it yet).
 */
export async function eventLoopDelayDuring<T>(work: () => Promise<T>): Promise<DelayReport<T>> {
  const delays: number[] = [];
  let last = performance.now();
  const tick = (): void => {
    const now = performance.now();
    delays.push(Math.max(0, now - last - TICK_MS));
    last = now;
  };
  const timer = setInterval(tick, TICK_MS);
  let result: T;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  tick();
  return { result, ...summary(delays) };
}

/** Max and 99th percentile of `ms`. */
function summary(ms: number[]): Omit<DelayReport<unknown>, "result"> {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { maxMs: sorted.at(-1) ?? 0, p99Ms: at(0.99), samples: sorted.length };
}

/**
 * Runs `work` while asking `GET {baseUrl}/healthz` over and over (one request at a time, 10 ms
 * apart, after one unmeasured request that opens the connection) and timing each answer; the
 * request still unanswered when `work` ends counts with the time it has waited so far.
 */
export async function healthzLatencyDuring<T>(baseUrl: string, work: () => Promise<T>): Promise<DelayReport<T>> {
  // one unmeasured request first: the probes then reuse its kept-alive connection
  await (await fetch(`${baseUrl}/healthz`)).arrayBuffer();
  const latencies: number[] = [];
  let running = true;
  let pendingSince: number | null = null;
  const probe = (async () => {
    while (running) {
      pendingSince = performance.now();
      try {
        const res = await fetch(`${baseUrl}/healthz`);
        await res.arrayBuffer();
      } catch {
        // a refused or cut connection counts with its time like any other answer
      }
      latencies.push(performance.now() - pendingSince);
      pendingSince = null;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  let result: T;
  try {
    result = await work();
  } finally {
    running = false;
  }
  const stillWaiting = pendingSince;
  if (stillWaiting !== null) latencies.push(performance.now() - stillWaiting);
  // the probe's last request is not awaited: once `work` is over the figures are what they are
  void probe;
  return { result, ...summary(latencies) };
}

/** Issue 13's figure: /healthz answers within this p99 while any one heavy request is in progress. */
export const HEALTHZ_P99_MS = 50;

/**
 * Runs `work` while probing `{baseUrl}/healthz` (`healthzLatencyDuring`), prints the figures under
 * `what`, and expects their p99 under HEALTHZ_P99_MS (for `npm run test:stress`).
 */
export async function expectHealthzResponsiveDuring<T>(what: string, baseUrl: string, work: () => Promise<T>): Promise<DelayReport<T>> {
  const report = await healthzLatencyDuring(baseUrl, work);
  const figures = `/healthz p99 ${report.p99Ms.toFixed(1)} ms, max ${report.maxMs.toFixed(1)} ms over ${report.samples} probes`;
  process.stdout.write(`${what}: ${figures}\n`);
  expect(report.p99Ms, `${what}: ${figures}`).toBeLessThan(HEALTHZ_P99_MS);
  return report;
}
