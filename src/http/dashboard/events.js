/**
 * A job's event stream (`GET /v1/jobs/{id}/events`) read with fetch, since EventSource cannot send
 * the Authorization header. From the first event (the replay), then live; when the connection
 * drops before `done`, it resumes after the last event it had (Last-Event-ID), as EventSource would.
 */
import { apiError, ApiError, authHeaders } from "./api.js";

const RETRY_MS = 3000;

/**
 * Calls `onEvent({ id, event, data })` for each event until `done` or until `signal` aborts;
 * rejects with ApiError when the API refuses the stream for good (a 4xx).
 */
export async function followEvents(path, onEvent, signal) {
  let lastId = null;
  while (!signal.aborted) {
    let retryMs = RETRY_MS;
    try {
      const headers = { accept: "text/event-stream", ...authHeaders() };
      if (lastId !== null) headers["last-event-id"] = String(lastId);
      const res = await fetch(path, { headers, signal });
      if (!res.ok) {
        const error = await apiError(res);
        if (res.status < 500 && res.status !== 429) throw error;
        retryMs = 1000 * Number(res.headers.get("retry-after") ?? RETRY_MS / 1000);
      } else {
        for await (const event of eventsOf(res.body)) {
          if (event.id !== null) lastId = event.id;
          onEvent(event);
          if (event.event === "done") return;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError) throw error;
      // a dropped connection: resume below
    }
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, retryMs);
      signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}

/** The events of a text/event-stream body, as Kiln writes them (`\n` line ends, JSON data). */
async function* eventsOf(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const blocks = (rest + value).split("\n\n");
      rest = blocks.pop();
      for (const block of blocks) {
        const event = parseBlock(block);
        if (event) yield event;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** One event's lines; null for comments (heartbeats) and `retry:`. */
function parseBlock(block) {
  let id = null;
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    const colon = line.indexOf(":");
    if (colon === 0) continue;
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + (line[colon + 1] === " " ? 2 : 1));
    if (field === "id") id = Number(value);
    else if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return data.length === 0 ? null : { id, event, data: JSON.parse(data.join("\n")) };
}
