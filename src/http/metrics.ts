/**
 * Prometheus metrics: one registry per app (so tests can build several apps), holding the process
 * metrics, the HTTP request histogram, and gauges whose numbers come from callbacks — so the jobs
 * layer can expose its counts without importing prom-client.
 */
import { collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** A gauge's value: one number, or one number per label value (e.g. per job status). */
export type GaugeValue = number | Record<string, number>;

export interface Metrics {
  readonly registry: Registry;
  /** `http_request_duration_seconds{method,route,status_code}`. */
  readonly httpRequestDuration: Histogram<"method" | "route" | "status_code">;
  /**
   * A gauge read at each scrape from `collect` (which may be async). When it returns a record, each
   * key becomes a value of the label `labelName` (default "status"), and keys absent at a scrape
   * are dropped.
   */
  registerGauge(name: string, help: string, collect: () => GaugeValue | Promise<GaugeValue>, labelName?: string): void;
  /** The text exposition format. */
  render(): Promise<string>;
  readonly contentType: string;
}

// The process metrics (CPU, memory, event-loop lag, GC) are collected once per process and shared
// by every app's registry: collecting them per app would add event-loop monitors per app.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const shared = processMetrics();
  for (const { name } of shared.getMetricsAsArray()) registry.registerMetric(shared.getSingleMetric(name)!);

  const httpRequestDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration in seconds, by method, route pattern and status code",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  return {
    registry,
    httpRequestDuration,
    registerGauge(name, help, collect, labelName = "status") {
      new Gauge({
        name,
        help,
        labelNames: [labelName],
        registers: [registry],
        async collect() {
          this.reset();
          let value: GaugeValue;
          try {
            value = await collect();
          } catch {
            return; // its source is down (a shared queue's Redis): no value, and /metrics still answers
          }
          if (typeof value === "number") this.set(value);
          else for (const [label, v] of Object.entries(value)) this.set({ [labelName]: label }, v);
        },
      });
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
