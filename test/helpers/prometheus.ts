/**
 * Reads Prometheus's text exposition format, as /metrics answers it, for tests.
 *
 *     samples(text, "kiln_queue_jobs")                       // [{ labels: { state: "waiting" }, value: 1 }, ...]
 *     value(text, "kiln_queue_jobs", { state: "waiting" })   // 1, or undefined when there is no such series
 */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of the metric `name` (a histogram's `_count`, `_sum`, `_bucket` are names of their own). */
export function samples(text: string, name: string): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split("\n")) {
    const match = LINE.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? "").matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}

/** The value of the series of `name` with exactly these labels, or undefined when it is absent. */
export function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return samples(text, name).find((s) => JSON.stringify(Object.entries(s.labels).sort()) === wanted)?.value;
}
