import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { defaultThreadsPerWorker } from "../../src/services/pool.js";

describe("defaultThreadsPerWorker", () => {
  it("shares the cores out between the workers, at least one thread each", () => {
    const cores = availableParallelism();
    expect(defaultThreadsPerWorker(1)).toBe(cores);
    expect(defaultThreadsPerWorker(cores)).toBe(1);
    expect(defaultThreadsPerWorker(cores * 4)).toBe(1);
  });
});
