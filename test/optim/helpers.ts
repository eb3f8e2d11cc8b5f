import { readFileSync } from "node:fs";
import { Tensor, fromTypedArray } from "../../src/tensor/index.js";
import * as optim from "../../src/optim/index.js";

export interface FixtureTensor {
  shape: number[];
  dtype: "float32" | "float64";
  data: number[];
}

export interface FixtureStep {
  lr: number | null;
  grads: (FixtureTensor | null)[];
  params: FixtureTensor[];
}

export interface FixtureCase {
  name: string;
  optimizer: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adadelta";
  kwargs: Record<string, unknown>;
  groups: ({ params: number[] } & Record<string, unknown>)[] | null;
  initial: FixtureTensor[];
  steps: FixtureStep[];
  state_dict_step2: optim.OptimizerStateDictJSON;
  state_dict: optim.OptimizerStateDictJSON;
}

export const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/optim.json", import.meta.url), "utf8"),
) as { torch: string; cases: FixtureCase[] };

export function toTensor(t: FixtureTensor): Tensor {
  const data = t.dtype === "float64" ? Float64Array.from(t.data) : Float32Array.from(t.data);
  return fromTypedArray(data, t.shape, { dtype: t.dtype });
}

export const snakeToCamel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function camelKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [snakeToCamel(k), v]));
}

type AnyOptimizer = optim.SGD | optim.Adam | optim.AdamW | optim.RMSprop | optim.Adadelta;

/** The Kiln optimizer a fixture case describes, over `params`. */
export function makeOptimizer(c: FixtureCase, params: Tensor[]): AnyOptimizer {
  const options = camelKeys(c.kwargs);
  const input =
    c.groups === null
      ? params
      : c.groups.map(({ params: idx, ...rest }) => ({ ...camelKeys(rest), params: idx.map((i) => params[i]!) }));
  const ctor = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW, RMSprop: optim.RMSprop, Adadelta: optim.Adadelta }[c.optimizer];
  return new (ctor as new (p: unknown, o: unknown) => AnyOptimizer)(input, options);
}

/** Sets the gradients of a fixture step (null where PyTorch had none). */
export function setGrads(params: Tensor[], step: FixtureStep): void {
  params.forEach((p, i) => {
    const g = step.grads[i];
    p.grad = g === null || g === undefined ? null : toTensor(g);
  });
}

export interface Diff {
  /** Elements that differ at all. */
  mismatches: number;
  /** Largest |a - b| / |b| (b != 0), and |a - b| where b == 0. */
  maxRel: number;
}

export function diff(actual: ArrayLike<number>, expected: ArrayLike<number>): Diff {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let mismatches = 0;
  let maxRel = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (Object.is(a, b) || a === b) continue;
    mismatches++;
    const rel = b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b);
    maxRel = Math.max(maxRel, Number.isNaN(rel) ? Infinity : rel);
  }
  return { mismatches, maxRel };
}

export function combine(a: Diff, b: Diff): Diff {
  return { mismatches: a.mismatches + b.mismatches, maxRel: Math.max(a.maxRel, b.maxRel) };
}

export const NO_DIFF: Diff = { mismatches: 0, maxRel: 0 };

/** Compares a Kiln state dict with a PyTorch one: group keys Kiln writes must equal PyTorch's, buffers are diffed. */
export function diffStateDict(actual: optim.OptimizerStateDict, expected: optim.OptimizerStateDictJSON): Diff {
  const json = optim.stateDictToJSON(actual);
  if (json.param_groups.length !== expected.param_groups.length) throw new Error("group count differs");
  json.param_groups.forEach((g, i) => {
    const e = expected.param_groups[i]!;
    for (const [k, v] of Object.entries(g)) {
      if (JSON.stringify(v) !== JSON.stringify(e[k])) {
        throw new Error(`param_groups[${i}].${k}: ${JSON.stringify(v)} vs PyTorch ${JSON.stringify(e[k])}`);
      }
    }
  });
  const ak = Object.keys(json.state).sort();
  const ek = Object.keys(expected.state).sort();
  if (ak.join() !== ek.join()) throw new Error(`state keys ${ak} vs PyTorch ${ek}`);
  let d = NO_DIFF;
  for (const id of ek) {
    const a = json.state[id]!;
    const e = expected.state[id]!;
    const keys = Object.keys(a).sort().join();
    if (keys !== Object.keys(e).sort().join()) throw new Error(`state[${id}] keys ${keys} vs PyTorch ${Object.keys(e)}`);
    for (const [k, v] of Object.entries(e)) {
      const av = a[k];
      if (v === null || typeof v === "number") {
        if (av !== v) throw new Error(`state[${id}].${k}: ${JSON.stringify(av)} vs PyTorch ${JSON.stringify(v)}`);
        continue;
      }
      const at = av as optim.TensorJSON;
      if (JSON.stringify(at.shape) !== JSON.stringify(v!.shape) || at.dtype !== v!.dtype) {
        throw new Error(`state[${id}].${k}: ${at.dtype}${JSON.stringify(at.shape)} vs PyTorch ${v!.dtype}${JSON.stringify(v!.shape)}`);
      }
      d = combine(d, diff(at.data as number[], v!.data as number[]));
    }
  }
  return d;
}

export function paramData(p: Tensor): ArrayLike<number> {
  return p.data as Float32Array | Float64Array;
}
