/**
 * A job's event stream (GET /v1/jobs/{id}/events, text/event-stream) read with fetch, so that the
 * key goes in a header: the events in order, typed by the service's own types, to the last `done`.
 * A stream that ends early (the server restarted, or dropped a client that fell behind) is resumed
 * with Last-Event-ID, for up to 30 s without an event.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { JobEventView } from "../services/index.js";
import { CliError } from "./command.js";
import { ApiError, ConnectionError, type ApiClient } from "./client.js";

/** An event as the stream frames it: its id, its name and its data (whose `type` is that name). */
export type JobEvent = { [T in JobEventView["type"]]: { id: number; event: T; data: Extract<JobEventView, { type: T }> } }[JobEventView["type"]];

/** How long a lost stream is tried again without an event (a server restarting takes seconds), and the pauses between tries. */
const RESUME_WITHIN_MS = 30_000;
const PAUSES_MS = [250, 500, 1000, 2000];

/** The job's events from the first (replayed) to its `done`; stops when `signal` aborts (rejecting with its reason). */
export async function* jobEvents(client: ApiClient, jobId: string, signal: AbortSignal): AsyncGenerator<JobEvent> {
  let last = 0;
  /** Since when the stream is lost, and how often it was tried again since. */
  let lost: { since: number; tries: number } | null = null;
  for (;;) {
    if (lost !== null) {
      if (Date.now() - lost.since > RESUME_WITHIN_MS) {
        throw new CliError(`lost the event stream of job ${jobId} for ${RESUME_WITHIN_MS / 1000} s; \`kiln jobs follow ${jobId}\` resumes it`);
      }
      await sleep(PAUSES_MS[Math.min(lost.tries++, PAUSES_MS.length - 1)], undefined, { signal });
    }
    try {
      const res = await client.send("GET", `/v1/jobs/${encodeURIComponent(jobId)}/events`, {
        accept: "text/event-stream",
        headers: last > 0 ? { "last-event-id": String(last) } : {},
        signal,
      });
      for await (const block of blocks(res.body!)) {
        const event = parseBlock(block);
        if (event === null) continue;
        last = event.id;
        lost = null;
        yield event;
        if (event.event === "done") return;
      }
    } catch (error) {
      // a connection lost mid-stream (fetch's "terminated") is tried again, and so is a server that went
      // away once it had answered (restarting: refused, or 503 while it stops); one never reached is reported
      const resumable = error instanceof TypeError || (last > 0 && (error instanceof ConnectionError || (error instanceof ApiError && error.status === 503)));
      if (signal.aborted || !resumable) throw error;
    }
    lost ??= { since: Date.now(), tries: 0 };
  }
}

/** The stream's blocks of lines, each ended by a blank line. */
async function* blocks(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      yield buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
    }
  }
}

/** One event block (`id:`, `event:`, `data:` lines); null for a comment (`: heartbeat`) or `retry:` block. */
function parseBlock(block: string): JobEvent | null {
  const fields = new Map<string, string>();
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    fields.set(name, name === "data" && fields.has("data") ? `${fields.get("data")}\n${value}` : value);
  }
  const event = fields.get("event");
  if (event === undefined) return null;
  // the service writes its events' data as JSON of JobEventView (src/services/event_views.ts)
  return { id: Number(fields.get("id")), event, data: JSON.parse(fields.get("data") ?? "null") } as JobEvent;
}
