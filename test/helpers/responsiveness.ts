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
import { monitorEventLoopDelay } from "node:perf_hooks";

export interface DelayReport<T> {
  result: T;
  /** The longest delay seen, in ms. */
  maxMs: number;
  /** The 99th percentile, in ms. */
  p99Ms: number;
  /** How many samples the figures come from. */
  samples: number;
}

/**
 * Runs `work` while sampling this process's event-loop delay every 10 ms
 * (`perf_hooks.monitorEventLoopDelay`). A loop blocked for 3 s shows as one 3 s sample.
 */
export async function eventLoopDelayDuring<T>(work: () => Promise<T>): Promise<DelayReport<T>> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // its first timer only starts the clock: a loop blocked before it fires records nothing (a 500 ms
  // block right after enable() showed as 10 ms), so the work starts once a delay has been recorded
  while (histogram.count === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  let result: T;
  try {
    result = await work();
  } finally {
    histogram.disable();
  }
  const ns = 1e6;
  const samples = histogram.count;
  return {
    result,
    maxMs: samples === 0 ? 0 : histogram.max / ns,
    p99Ms: samples === 0 ? 0 : histogram.percentile(99) / ns,
    samples,
  };
}

/**
 * Runs `work` while asking `GET {baseUrl}/healthz` over and over (one request at a time, 10 ms
 * apart, after one unmeasured request that opens the connection) and timing each answer; the request still unanswered when `work` ends counts with the time
 * it has waited so far.
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
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? 0;
  return { result, maxMs: latencies.at(-1) ?? 0, p99Ms: at(0.99), samples: latencies.length };
}
