/**
 * A small client for the service over real HTTP (fetch): JSON requests, polling a job to its end,
 * and reading a job's event stream (text/event-stream) to its end or live.
 */

export interface SseEvent {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

/**
 * Parses complete event-stream blocks (separated by a blank line); `retry:` blocks and comments
 * (`: heartbeat`) are skipped. Every event the service sends has an id, a name and one data line.
 */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split("\n\n")) {
    const fields: Record<string, string> = {};
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const i = line.indexOf(":");
      const name = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      fields[name] = name === "data" && fields.data !== undefined ? `${fields.data}\n${value}` : value;
    }
    if (fields.event === undefined) continue;
    events.push({ id: Number(fields.id), event: fields.event, data: JSON.parse(fields.data ?? "null") as Record<string, unknown> });
  }
  return events;
}

export const lossesOf = (events: SseEvent[]): number[] => events.filter((e) => e.event === "progress").map((e) => e.data.loss as number);

export class Api {
  /** `key`: the API key every request sends (none: a service running open). */
  constructor(
    readonly baseUrl: string,
    readonly key?: string,
  ) {}

  private get auth(): Record<string, string> {
    return this.key === undefined ? {} : { authorization: `Bearer ${this.key}` };
  }

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...this.auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text === "" ? null : JSON.parse(text)) as T };
  }

  /** POSTs and expects `status`; returns the body. */
  async create<T = { id: string }>(path: string, body: unknown, status = 201): Promise<T> {
    const res = await this.request<T>("POST", path, body);
    if (res.status !== status) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async get<T = Record<string, unknown>>(path: string): Promise<T> {
    const res = await this.request<T>("GET", path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Every id of a list endpoint (`/v1/models`, ...), following the cursor. */
  async listIds(path: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; next_cursor: string | null } = await this.get(
        `${path}?limit=100${cursor === null ? "" : `&after=${encodeURIComponent(cursor)}`}`,
      );
      ids.push(...page.items.map((item) => item.id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    return ids;
  }

  /** Polls GET /v1/jobs/:id until `until(job)` holds (default: the job has ended). */
  async waitForJob(
    id: string,
    until: (job: JobLike) => boolean = (job) => !["queued", "running"].includes(job.status),
    timeoutMs = 120_000,
  ): Promise<JobLike> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.get<JobLike>(`/v1/jobs/${id}`);
      if (until(job)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} at step ${job.progress.step} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Opens GET /v1/jobs/:id/events (after `lastEventId` if given); see `EventStream`. */
  async events(id: string, lastEventId?: number): Promise<EventStream> {
    const res = await fetch(`${this.baseUrl}/v1/jobs/${id}/events`, {
      headers: { ...this.auth, ...(lastEventId === undefined ? {} : { "last-event-id": String(lastEventId) }) },
    });
    if (res.status !== 200) throw new Error(`events of ${id}: ${res.status} ${await res.text()}`);
    return new EventStream(res);
  }

  /** The whole event stream of a job, read until the server ends it. */
  async allEvents(id: string, lastEventId?: number): Promise<SseEvent[]> {
    return (await this.events(id, lastEventId)).readToEnd();
  }
}

export interface JobLike {
  id: string;
  status: string;
  progress: { epoch: number; epochs: number; step: number; total_steps: number };
  metrics: Record<string, unknown>;
  [key: string]: unknown;
}

/** A job's event stream as it arrives: each event with the time it was received. */
export class EventStream {
  readonly events: (SseEvent & { receivedAt: number })[] = [];
  readonly contentType: string | null;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";
  private ended = false;
  /** Why reading stopped, when the connection broke rather than ended. */
  error: unknown = null;

  constructor(res: Response) {
    this.contentType = res.headers.get("content-type");
    this.reader = res.body!.getReader();
  }

  /** Reads one chunk; false once the server has ended the stream. */
  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    let chunk: { done: boolean; value?: Uint8Array | undefined };
    try {
      chunk = await this.reader.read();
    } catch (error) {
      // the connection broke (the server process died): the stream is over
      this.error = error;
      chunk = { done: true, value: undefined };
    }
    const { done, value } = chunk;
    if (done) {
      this.ended = true;
      this.buffer += this.decoder.decode();
    } else {
      this.buffer += this.decoder.decode(value, { stream: true });
    }
    const cut = this.buffer.lastIndexOf("\n\n");
    if (cut >= 0) {
      const at = Date.now();
      for (const e of parseSse(this.buffer.slice(0, cut + 2))) this.events.push({ ...e, receivedAt: at });
      this.buffer = this.buffer.slice(cut + 2);
    }
    return !this.ended;
  }

  /** Reads until `found(events)` holds or the stream ends; returns whether it holds. */
  async until(found: (events: SseEvent[]) => boolean, timeoutMs = 25_000): Promise<boolean> {
    const timer = setTimeout(() => void this.reader.cancel(), timeoutMs);
    try {
      while (!found(this.events)) if (!(await this.pull())) return found(this.events);
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads to the end of the stream (the server closes it after `done`). */
  async readToEnd(timeoutMs = 25_000): Promise<SseEvent[]> {
    await this.until(() => false, timeoutMs);
    return this.events.map(({ receivedAt: _, ...e }) => e);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Stops reading and hangs up. */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}
