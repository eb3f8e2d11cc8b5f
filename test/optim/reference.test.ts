/**
 * Replays PyTorch 1.13 trajectories (test/fixtures/optim.json, from generate_optim.py): float32
 * parameters and state must match bit for bit; float64 ones to 1e-14 relative (Kiln does not fuse
 * the multiply-adds in float64; PyTorch's AVX2 kernels do).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setSimdMinElements, setUpdateBackend, SIMD_MIN_ELEMENTS } from "../../src/optim/kernel.js";
import {
  NO_DIFF,
  combine,
  diff,
  diffStateDict,
  fixture,
  makeOptimizer,
  paramData,
  setGrads,
  toTensor,
  type Diff,
  type FixtureCase,
} from "./helpers.js";

const F64_TOLERANCE = 1e-14;
const report = new Map<string, Diff>();

function expectMatch(c: FixtureCase, d: Diff, what: string): void {
  const key = `${c.optimizer} ${c.initial[0]!.dtype}`;
  report.set(key, combine(report.get(key) ?? NO_DIFF, d));
  if (c.initial[0]!.dtype === "float32") {
    expect(d.mismatches, `${what}: ${d.mismatches} elements differ (max rel ${d.maxRel})`).toBe(0);
  } else {
    expect(d.maxRel, what).toBeLessThanOrEqual(F64_TOLERANCE);
  }
}

function applyLr(opt: ReturnType<typeof makeOptimizer>, lr: number | null): void {
  if (lr !== null) for (const g of opt.paramGroups) g.lr = lr;
}

const BACKENDS = [
  ["default kernels", "wasm", SIMD_MIN_ELEMENTS],
  ["JavaScript loops", "ts", SIMD_MIN_ELEMENTS],
  ["WebAssembly SIMD at every size", "wasm", 1],
] as const;

describe.each(BACKENDS)(`optimizers match PyTorch ${fixture.torch} (%s)`, (_label, backend, minElements) => {
  beforeAll(() => {
    setUpdateBackend(backend);
    setSimdMinElements(minElements);
  });
  afterAll(() => {
    setUpdateBackend("wasm");
    setSimdMinElements(SIMD_MIN_ELEMENTS);
  });
  it.each(fixture.cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const params = c.initial.map((t) => toTensor(t).requiresGrad_());
    const opt = makeOptimizer(c, params);
    c.steps.forEach((step, s) => {
      applyLr(opt, step.lr);
      setGrads(params, step);
      opt.step();
      let d = NO_DIFF;
      params.forEach((p, i) => (d = combine(d, diff(paramData(p), step.params[i]!.data))));
      expectMatch(c, d, `params after step ${s + 1}`);
      if (s === 1) expectMatch(c, diffStateDict(opt.stateDict(), c.state_dict_step2), "state_dict after step 2");
    });
    expectMatch(c, diffStateDict(opt.stateDict(), c.state_dict), "final state_dict");
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))("%s: resumes from PyTorch's state_dict after step 2", (_name, c) => {
    const params = c.steps[1]!.params.map((t) => toTensor(t).requiresGrad_());
    const opt = makeOptimizer(c, params);
    opt.loadStateDict(c.state_dict_step2); // PyTorch's own dict, JSON form (with foreach & co.)
    c.steps.slice(2).forEach((step) => {
      applyLr(opt, step.lr);
      setGrads(params, step);
      opt.step();
    });
    let d = NO_DIFF;
    const last = c.steps[c.steps.length - 1]!;
    params.forEach((p, i) => (d = combine(d, diff(paramData(p), last.params[i]!.data))));
    expectMatch(c, d, "params after resuming");
    expectMatch(c, diffStateDict(opt.stateDict(), c.state_dict), "final state_dict after resuming");
  });

  afterAll(() => {
    const lines = [...report].map(([k, d]) => `  ${k}: ${d.mismatches} differing elements, max relative error ${d.maxRel.toExponential(2)}`);
    console.log(`deviation from PyTorch per optimizer:\n${lines.join("\n")}`);
  });
});
