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
  /** A runner for `spec`; async where an engine must wait for something first (Kiln's helper thread). */
  prepare(spec: CaseSpec): Runner | Promise<Runner>;
}

export function now(): number {
  return performance.now() / 1000;
}
