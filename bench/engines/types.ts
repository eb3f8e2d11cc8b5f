import type { CaseSpec, EngineInfo, RunResult } from "../protocol.js";

/** One prepared case inside an engine process. */
export interface Runner {
  /** Runs `iters` iterations (epochs, matmuls, forward passes) and times them. */
  run(iters: number): RunResult;
  dispose(): void;
}

/** Thrown by `prepare` when a case does not apply to an engine (the table shows the reason). */
export class Skip extends Error {}

/** An engine as seen from its Node process (`host.ts`). */
export interface NodeEngine {
  info(): EngineInfo;
  prepare(spec: CaseSpec): Runner;
}

export function now(): number {
  return performance.now() / 1000;
}
