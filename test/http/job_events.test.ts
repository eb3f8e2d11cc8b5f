/**
 * GET /v1/jobs/:id/events over real sockets, for histories written straight into the store: a long
 * replay shares the event loop (issue 13: 3.5M steps took 347 s and held /healthz up for 18-30 s),
 * ids resume past retention's gaps, and the open streams are capped.
 */
import { get, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventLoopDelayDuring } from "../helpers/responsiveness.js";
import { storeJobHistory } from "../helpers/job_history.js";
import { parseSse } from "./support/api.js";
import { buildTestApp, type TestApp } from "./helper.js";

/** The longest the event loop may stall here during a replay (a busy 2-core machine included). */
const STALL_BOUND_MS = 1000;

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await buildTestApp({ config: { limits: { maxEventStreams: 3 } } });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(() => t.close());

/** GET over node:http (no client-side parsing to speak of): the status, and the response once it started. */
function open(path: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(`${base}${path}`, { headers }, resolve).once("error", reject));
}

const EVENT_LINE = "\nevent: ";

/** Reads an event stream to its end, counting its events and keeping only its last bytes. */
function countEvents(res: IncomingMessage): Promise<{ events: number; tail: string }> {
  return new Promise((resolve, reject) => {
    let events = 0;
    let tail = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      // a match that ends inside the kept tail was counted with the chunk before
      const text = tail + chunk;
      for (let at = text.indexOf(EVENT_LINE, Math.max(0, tail.length - EVENT_LINE.length + 1)); at >= 0; at = text.indexOf(EVENT_LINE, at + 1)) events++;
      tail = text.slice(-4096);
    });
    res.once("end", () => resolve({ events, tail }));
    res.once("error", reject);
  });
}

describe("job event streams", () => {
  it("replays a history of 2,000,000 steps a page at a time, without holding up the event loop", async () => {
    const { job, lastSeq } = await storeJobHistory(t.store, { steps: 2_000_000 });
    const { result, maxMs } = await eventLoopDelayDuring(async () => countEvents(await open(`/v1/jobs/${job.id}/events`)));
    expect(result.events).toBe(lastSeq);
    expect(parseSse(result.tail).at(-1)).toMatchObject({ id: lastSeq, event: "done", data: { id: job.id, status: "succeeded" } });
    expect(maxMs).toBeLessThan(STALL_BOUND_MS);
  }, 120_000);

  it("resumes after a Last-Event-ID inside a gap that retention left", async () => {
    const { job, lastSeq } = await storeJobHistory(t.store, { steps: 30_000, finishedAt: "2025-01-01T00:00:00.000Z" });
    for (let cursor: string | null = null, done = false; !done; ) {
      ({ cursor, done } = await t.store.pruneEvents({ endedBefore: "2025-06-01T00:00:00.000Z", keepLast: 1 }, cursor, { maxJobs: 1000, maxRows: 1000 }));
    }
    const res = await fetch(`${base}/v1/jobs/${job.id}/events`, { headers: { "last-event-id": "15000" } });
    const events = parseSse(await res.text());
    expect(events.map((e) => [e.id, e.event])).toEqual([[20_004, "epoch"], [30_005, "epoch"], [lastSeq - 1, "status"], [lastSeq, "done"]]);
  });

  it("refuses a stream past KILN_MAX_EVENT_STREAMS with 503 too_many_streams, until one is over", async () => {
    const { job } = await storeJobHistory(t.store, { steps: 10, finishedAt: null }); // running (nobody trains it): its streams stay open
    const streams = await Promise.all([1, 2, 3].map(() => open(`/v1/jobs/${job.id}/events`)));
    expect(streams.map((s) => s.statusCode)).toEqual([200, 200, 200]);
    const refused = await fetch(`${base}/v1/jobs/${job.id}/events`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.json()).toEqual({
      error: { code: "too_many_streams", message: "3 event streams are open, as many as this server serves at once; retry after 5 s" },
    });
    streams[0]!.destroy();
    const deadline = Date.now() + 10_000;
    let again: IncomingMessage;
    while ((again = await open(`/v1/jobs/${job.id}/events`)).statusCode !== 200) {
      again.resume();
      if (Date.now() > deadline) throw new Error("no stream was accepted again within 10 s");
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const s of [...streams, again]) s.destroy();
  });
});
