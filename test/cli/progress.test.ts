/** The progress renderer on a terminal (a bar redrawn in place) and off one (plain lines), on a clock of the test's. */
import { describe, expect, it } from "vitest";
import type { JobEvent } from "../../src/cli/job_events.js";
import { formatDuration, ProgressView } from "../../src/cli/progress.js";
import type { JobView } from "../../src/services/index.js";

const JOB: JobView = {
  id: "job_1",
  model_id: "mdl_1",
  dataset_id: "ds_1",
  validation_dataset_id: null,
  status: "queued",
  spec: { batch_size: 10, epochs: 2 },
  progress: { epoch: 0, epochs: 2, step: 0, total_steps: 100 },
  metrics: { loss: null, epochs: [] },
  error: null,
  cancel_requested: false,
  created_at: "2026-01-01T00:00:00.000Z",
  started_at: null,
  finished_at: null,
  updated_at: "2026-01-01T00:00:00.000Z",
};

const progress = (id: number, step: number, loss: number): JobEvent => ({ id, event: "progress", data: { type: "progress", step, epoch: step <= 50 ? 1 : 2, batch: (step - 1) % 50, loss } });
const epoch = (id: number, n: number): JobEvent => ({ id, event: "epoch", data: { type: "epoch", epoch: n, lr: 0.001, train_loss: 0.5 / n, train_accuracy: 0.9 } });
const status = (id: number, s: JobView["status"]): JobEvent => ({ id, event: "status", data: { type: "status", status: s } });

/** A view writing into `out`, on a clock the test moves. */
function harness(tty: { columns: number } | null) {
  const clock = { t: 0 };
  let out = "";
  const view = new ProgressView(JOB, { write: (text) => (out += text), tty, now: () => clock.t });
  return { view, clock, output: () => out };
}

describe("ProgressView", () => {
  it("writes one line per status change and epoch off a terminal, nothing per step, no escape codes", () => {
    const { view, clock, output } = harness(null);
    view.event(status(1, "running"));
    for (let step = 1; step <= 50; step++) {
      clock.t += 20;
      view.event(progress(step + 1, step, 1 / step));
    }
    view.event(epoch(52, 1));
    view.event(status(53, "succeeded"));
    view.event({ id: 54, event: "done", data: { type: "done", ...JOB, status: "succeeded" } });
    expect(output()).toBe("status: running\nepoch 1/2: train_loss 0.5000, train_accuracy 0.9000, lr 0.0010\nstatus: succeeded\n");
  });

  it("redraws one bar in place on a terminal: epoch, step, loss, samples/s and ETA, at most every 100 ms", () => {
    const { view, clock, output } = harness({ columns: 120 });
    view.event(status(1, "running"));
    // 10 steps a second of batches of 10: 100 samples/s; 75 steps left at step 25: 7.5 s
    for (let step = 1; step <= 25; step++) {
      clock.t += 100;
      view.event(progress(step + 1, step, 0.25));
    }
    const draws = output().split("\r\x1b[2K");
    const last = draws.at(-1)!;
    expect(last).toBe(view.bar(120));
    expect(last).toMatch(/^epoch 1\/2 \[#{8}-{22}\]  25% step 25\/100  loss 0\.2500  100 samples\/s  ETA 0:08$/);
    // the status line stays above the bars (the first before any step); each step (100 ms apart) redraws
    expect(draws[0]).toBe("status: running\n");
    expect(draws[1]).toMatch(/^epoch 0\/2 \[-{30}\]   0% step 0\/100  loss –  – samples\/s  ETA –$/);
    expect(draws.filter((d) => d.startsWith("epoch 1/2 [")).length).toBe(25);
    expect(output()).not.toContain("\n" + "epoch 1/2 [");

    // steps closer together than 100 ms are drawn together
    const before = output().length;
    clock.t += 10;
    view.event(progress(27, 26, 0.2));
    expect(output().length).toBe(before);

    // an epoch's line goes above the bar, which is drawn again under it; done clears it
    view.event(epoch(28, 1));
    expect(output().slice(before)).toMatch(/^\r\x1b\[2Kepoch 1\/2: train_loss 0\.5000, train_accuracy 0\.9000, lr 0\.0010\n\r\x1b\[2Kepoch 1\/2 \[/);
    view.event({ id: 29, event: "done", data: { type: "done", ...JOB, status: "succeeded" } });
    expect(output().endsWith("\r\x1b[2K")).toBe(true);
  });

  it("takes a replayed burst as where it ended: no rate until time passes, then the live rate", () => {
    const { view, clock } = harness({ columns: 120 });
    for (let step = 1; step <= 40; step++) view.event(progress(step, step, 0.5));
    expect(view.bar(120)).toContain("step 40/100  loss 0.5000  – samples/s  ETA –");
    clock.t += 2000;
    view.event(progress(41, 42, 0.4));
    // 2 steps in 2 s (not 42): 10 samples/s, 58 steps left: 58 s
    expect(view.bar(120)).toContain("step 42/100  loss 0.4000  10 samples/s  ETA 0:58");
  });

  it("fits the bar to the terminal's width, giving up the bar before the figures", () => {
    const { view, clock } = harness({ columns: 80 });
    view.event(progress(1, 1, 0.5));
    clock.t += 1000;
    view.event(progress(2, 2, 0.5));
    expect(view.bar(80).length).toBeLessThan(80);
    expect(view.bar(80)).toContain("ETA 1:38");
    expect(view.bar(60)).toMatch(/^epoch 1\/2 +2% step 2\/100  loss 0\.5000/);
    expect(view.bar(60).length).toBe(59);
  });

  it("formats durations as m:ss or h:mm:ss", () => {
    expect([0, 7.4, 754, 3723].map(formatDuration)).toEqual(["0:00", "0:07", "12:34", "1:02:03"]);
  });
});
