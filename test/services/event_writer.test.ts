/**
 * JobEventWriter over a real SQLite store: events keep their order across checkpoints, a slow
 * store gets the events that arrived meanwhile in one write, a refused write stops the writer, and
 * settle() waits for every queued write. A slow store is the real one with its event writes held
 * until the test releases them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CheckpointGate } from "../../src/services/checkpoint_gate.js";
import { JobEventWriter } from "../../src/services/event_writer.js";
import type { JobEvent, NewEvent, Store } from "../../src/store/index.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { stepEvent, storeJob } from "../store/contract.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0).reverse()) await c();
});

function openStore(): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), "kiln-writer-"));
  const store = SqliteStore.open({ path: join(dir, "kiln.db") });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close());
  return store;
}

/** The store's event writes as the writer made them: which, and how many events each carried. */
interface EventWrite {
  kind: "append" | "checkpoint";
  events: number;
}

/**
 * The real store, recording its event writes; after hold(), each one waits until release() before
 * it reaches the store, as a slow store's would.
 */
function slowStore(store: Store): { store: Store; writes: EventWrite[]; hold(): void; release(): void } {
  const writes: EventWrite[] = [];
  let held: Promise<void> | null = null;
  let release = (): void => {};
  const wait = async (kind: EventWrite["kind"], events: NewEvent[]): Promise<void> => {
    writes.push({ kind, events: events.length });
    if (held) await held;
  };
  const slow = new Proxy(store, {
    get(target, property) {
      if (property === "appendEvents") {
        return async (...[jobId, events, attempt]: Parameters<Store["appendEvents"]>) => {
          await wait("append", events);
          return target.appendEvents(jobId, events, attempt);
        };
      }
      if (property === "saveCheckpoint") {
        return async (...[jobId, state, events, attempt]: Parameters<Store["saveCheckpoint"]>) => {
          await wait("checkpoint", events);
          return target.saveCheckpoint(jobId, state, events, attempt);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    store: slow,
    writes,
    hold: () => (held = new Promise<void>((resolve) => (release = resolve))),
    release: () => {
      held = null;
      release();
    },
  };
}

/** A queued job whose run has begun (attempt 1), and a writer for that run that records what it is told. */
async function writerFor(store: Store) {
  const { job } = await storeJob(store);
  const begun = (await store.beginAttempt(job.id))!;
  const published: JobEvent[] = [];
  const failures: string[] = [];
  const writer = new JobEventWriter(store, job.id, new CheckpointGate(), {
    stored: (events) => void published.push(...events),
    rowWritten: () => {},
    failed: (reason) => void failures.push(reason),
    row: () => ({ progress: { epoch: 1, epochs: 3, step: 0, total_steps: 9 }, metrics: { loss: null, epochs: [] } }),
  });
  writer.begin(begun.attempt, begun.lastSeq);
  return { jobId: job.id, writer, published, failures };
}

const steps = (events: readonly JobEvent[]): number[] => events.filter((e) => e.type === "progress").map((e) => (e.data as { step: number }).step);

describe("JobEventWriter", () => {
  it("keeps the events' order when a checkpoint arrives while a flush is being written", async () => {
    const real = openStore();
    const slow = slowStore(real);
    const { jobId, writer, published } = await writerFor(slow.store);
    slow.hold();
    writer.add([stepEvent(1, 1, 0)]);
    await vi.waitFor(() => expect(slow.writes).toHaveLength(1)); // step 1's flush is on its way
    writer.add([stepEvent(2, 1, 1)]);
    writer.checkpoint(new Uint8Array([7]));
    writer.add([stepEvent(3, 1, 2)]);
    slow.release();
    await vi.waitFor(async () => expect(steps(await real.listEvents(jobId))).toEqual([1, 2, 3]));
    await writer.settle();
    // the checkpoint accounts for the events before it, and only those
    const stepTwo = (await real.listEvents(jobId)).find((e) => steps([e])[0] === 2)!;
    expect((await real.getCheckpoint(jobId))!.seq).toBe(stepTwo.seq);
    expect(slow.writes).toEqual([
      { kind: "append", events: 1 },
      { kind: "checkpoint", events: 1 },
      { kind: "append", events: 1 },
    ]);
    expect(steps(published)).toEqual([1, 2, 3]);
    expect(published.map((e) => e.seq)).toEqual((await real.listEvents(jobId, 1)).map((e) => e.seq));
  });

  it("writes the events that arrive while a slow store writes the last ones in one write", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const real = openStore();
    const slow = slowStore(real);
    const { jobId, writer } = await writerFor(slow.store);
    slow.hold();
    writer.add([stepEvent(1, 1, 0)]);
    await vi.waitFor(() => expect(slow.writes).toHaveLength(1));
    // more events, over several flush intervals, while the first write is on its way
    for (let step = 2; step <= 6; step++) {
      writer.add([stepEvent(step, 1, step - 1)]);
      vi.advanceTimersByTime(250);
    }
    expect(slow.writes).toHaveLength(1);
    slow.release();
    await writer.settle();
    expect(slow.writes).toEqual([
      { kind: "append", events: 1 },
      { kind: "append", events: 5 },
    ]);
    expect(steps(await real.listEvents(jobId))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("stops at a write refused as superseded: nothing queued after it, or given after it, is written", async () => {
    const real = openStore();
    const slow = slowStore(real);
    const { jobId, writer, published, failures } = await writerFor(slow.store);
    slow.hold();
    writer.add([stepEvent(1, 1, 0)]);
    await vi.waitFor(() => expect(slow.writes).toHaveLength(1));
    writer.checkpoint(new Uint8Array([7]));
    writer.add([stepEvent(2, 1, 1)]);
    await real.beginAttempt(jobId); // another run takes the job over
    slow.release();
    await vi.waitFor(() => expect(failures).toEqual(["another run of the job began"]));
    writer.add([stepEvent(3, 1, 2)]);
    writer.checkpoint(new Uint8Array([8]));
    await writer.settle();
    expect(slow.writes).toEqual([{ kind: "append", events: 1 }]);
    expect((await real.listEvents(jobId)).map((e) => e.type)).toEqual(["status"]);
    expect(await real.getCheckpoint(jobId)).toBeNull();
    expect(published).toEqual([]);
    expect(writer.takePending()).toEqual([]);
    expect(failures).toHaveLength(1);
  });

  it("settles once every queued write is done, with the writes those queued in turn", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const real = openStore();
    const slow = slowStore(real);
    const { jobId, writer } = await writerFor(slow.store);
    slow.hold();
    writer.add([stepEvent(1, 1, 0)]);
    await vi.waitFor(() => expect(slow.writes).toHaveLength(1));
    writer.checkpoint(new Uint8Array([7]));
    // due while the two writes above are on their way: written once they are done
    writer.add([stepEvent(2, 1, 1)]);
    vi.advanceTimersByTime(250);
    let settled = false;
    const settling = writer.settle().then(() => (settled = true));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(settled).toBe(false); // the first write is held, and the others wait for it
    slow.release();
    await settling;
    expect(slow.writes).toEqual([
      { kind: "append", events: 1 },
      { kind: "checkpoint", events: 0 },
      { kind: "append", events: 1 },
    ]);
    expect(steps(await real.listEvents(jobId))).toEqual([1, 2]);
    expect(await real.getCheckpoint(jobId)).not.toBeNull();
    expect(writer.lastSeq).toBe(3);
  });
});
