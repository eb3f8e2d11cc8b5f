import { describe, expect, it } from "vitest";
import { THROUGHPUT_WINDOW_MS, ThroughputWindow } from "../../src/services/throughput.js";

describe("ThroughputWindow", () => {
  it("has no rates before the first step", () => {
    expect(new ThroughputWindow(() => 0).rates()).toBeNull();
  });

  it("gives samples per second of step time and the mean step time of the steps in its window", () => {
    let now = 0;
    const window = new ThroughputWindow(() => now);
    window.add([8, 8, 4], [0.01, 0.01, 0.02]);
    expect(window.rates()).toEqual({ samplesPerSecond: 20 / 0.04, stepSeconds: 0.04 / 3 });
    now = THROUGHPUT_WINDOW_MS; // the first report is still inside the window
    window.add([8], [0.001]);
    expect(window.rates()!.stepSeconds).toBeCloseTo(0.041 / 4, 12);
    now += 1; // now it is out: only the last report counts
    window.add([8], [0.001]);
    expect(window.rates()).toEqual({ samplesPerSecond: 16 / 0.002, stepSeconds: 0.001 });
  });

  it("keeps its last report however long the job goes without a step", () => {
    let now = 0;
    const window = new ThroughputWindow(() => now);
    window.add([8], [0.5]);
    now = 10 * THROUGHPUT_WINDOW_MS;
    expect(window.rates()).toEqual({ samplesPerSecond: 16, stepSeconds: 0.5 });
  });
});
