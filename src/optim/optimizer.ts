/**
 * PyTorch 1.13's `torch.optim.Optimizer` base class: parameter groups, per-parameter state,
 * `zeroGrad`, `stateDict` / `loadStateDict`. Subclasses supply the update (`updateGroup`), the
 * argument checks and the conversion of their state to and from the state dict.
 */
import { enableGrad } from "../autograd/index.js";
import { Tensor, VectorMemory, bumpVersion, formatShape, isFloating, sameShape, zeros, type FloatDType } from "../tensor/index.js";
import {
  tensorFromJSON,
  type GroupValue,
  type OptimizerStateDict,
  type OptimizerStateDictJSON,
  type ParamGroupDict,
  type ParamStateDict,
  type TensorJSON,
} from "./state_dict.js";

/** A parameter group as the optimizer keeps it: its parameters plus every hyperparameter. */
export type ParamGroup<G extends object> = G & { params: Tensor[] };

/** A parameter group as passed to a constructor: hyperparameters left out take the defaults. */
export type ParamGroupInput<G extends object> = Partial<G> & { params: Tensor | Iterable<Tensor> };

/** What every optimizer constructor takes: parameters, or parameter groups. */
export type ParamsInput<G extends object> = Iterable<Tensor> | Iterable<ParamGroupInput<G>>;

/** A state value read from a state dict: tensors may still be in their JSON form. */
export type SavedState = Record<string, number | Tensor | TensorJSON | null | undefined>;

/** PyTorch's `repr()` of a Python number, for error messages (`1e-05`, `-0.1`, `nan`, `inf`). */
export function pyRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  const [mantissa, exp] = x.toExponential().split("e") as [string, string];
  const e = Number(exp);
  if (e >= -4 && e < 16) return String(x);
  return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

/** Throws `message: value` unless `value` is a number >= 0 (NaN fails, as with PyTorch's `not 0.0 <= x`). */
export function checkNonNegative(value: unknown, message: string): void {
  if (typeof value !== "number") throw new TypeError(`${message}: ${String(value)}`);
  if (!(value >= 0)) throw new RangeError(`${message}: ${pyRepr(value)}`);
}

const camelToSnake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const snakeToCamel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

function copyValue<T>(v: T): T {
  return (Array.isArray(v) ? [...v] : v) as T;
}

export abstract class Optimizer<G extends object = object, S = unknown> {
  /** The hyperparameters a group gets for every key it does not set. */
  readonly defaults: Readonly<G>;
  /** PyTorch's `param_groups`; change e.g. `paramGroups[0].lr` between steps to schedule. */
  readonly paramGroups: ParamGroup<G>[] = [];
  /** PyTorch's `optimizer.state`: each parameter's state, created by its first step. */
  readonly state = new Map<Tensor, S>();

  protected constructor(params: ParamsInput<G>, defaults: G) {
    this.defaults = defaults;
    if (params instanceof Tensor) {
      throw new TypeError(
        "params argument given to the optimizer should be an iterable of Tensors or dicts, but got a Tensor",
      );
    }
    if (params === null || typeof params !== "object" || !(Symbol.iterator in params)) {
      throw new TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts");
    }
    const list = [...(params as Iterable<Tensor | ParamGroupInput<G>>)];
    if (list.length === 0) throw new Error("optimizer got an empty parameter list");
    const groups: ParamGroupInput<G>[] =
      list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<G>] : (list as ParamGroupInput<G>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** undefined: not created yet; null: unavailable (no WebAssembly SIMD) */
  private residentMemory: VectorMemory | null | undefined;

  /**
   * The WebAssembly memory this optimizer's float32 state buffers live in, created on first use
   * (null where WebAssembly SIMD is unavailable). The SIMD updates (kernel.ts) work on resident
   * buffers in place, copying only parameters and gradients in and out.
   */
  protected stateMemory(): VectorMemory | null {
    if (this.residentMemory === undefined) this.residentMemory = VectorMemory.create(true);
    return this.residentMemory;
  }

  /**
   * A zeroed state buffer shaped like `p` (PyTorch's `zeros_like`). float32 ones live in the
   * optimizer's WebAssembly memory: views of its SharedArrayBuffer, ordinary tensors otherwise
   * (posting one to a worker shares that memory), kept alive with it as long as any view is.
   */
  protected stateBuffer(p: Tensor): Tensor {
    if (p.dtype === "float32") {
      const data = this.stateMemory()?.allocate(p.numel());
      if (data) return new Tensor(data, p.shape, "float32");
    }
    return Tensor.empty(p.shape, p.dtype);
  }

  /** A state buffer read from a state dict (a fresh tensor), moved into the optimizer's memory. */
  protected adoptState<T extends Tensor | null>(t: T): T {
    if (t === null || t.dtype !== "float32") return t;
    const resident = this.stateBuffer(t);
    if (resident.data === t.data) return t;
    (resident.data as Float32Array).set(t.data as Float32Array);
    return resident as T;
  }

  /** Checks a group's hyperparameters, throwing PyTorch's messages (`Invalid learning rate: -0.1`). */
  protected abstract validateGroup(group: G): void;
  /** Updates the parameters of one group in place (one step). */
  protected abstract updateGroup(group: ParamGroup<G>): void;
  /** A parameter's state as a state dict entry, with copies of its buffers. */
  protected abstract packState(state: S): ParamStateDict;
  /** Checks a saved state entry against its parameter and group and builds the state (copies). */
  protected abstract unpackState(saved: SavedState, param: Tensor, group: G, where: string): S;

  /** PyTorch's `add_param_group`. */
  addParamGroup(input: ParamGroupInput<G>): void {
    if (typeof input !== "object" || input === null || !("params" in input)) {
      throw new TypeError("param group must be an object with a 'params' entry");
    }
    const { params: raw, ...options } = input;
    const params = raw instanceof Tensor ? [raw] : [...(raw as Iterable<Tensor>)];
    for (const p of params) {
      if (!(p instanceof Tensor)) {
        throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${typeof p}`);
      }
      if (!isFloating(p.dtype)) {
        throw new TypeError(`optimizer can only optimize floating point Tensors, but one of the params is ${p.dtype}`);
      }
      if (!p.isLeaf) throw new Error("can't optimize a non-leaf Tensor");
    }
    const group: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.defaults)) group[k] = copyValue(v);
    for (const [k, v] of Object.entries(options)) if (v !== undefined) group[k] = copyValue(v);
    for (const [k, v] of Object.entries(group)) {
      if (v === undefined) {
        throw new Error(`parameter group didn't specify a value of required optimization parameter ${k}`);
      }
    }
    this.validateGroup(group as G);
    if (new Set(params).size !== params.length) {
      throw new Error("optimizer contains a parameter group with duplicate parameters");
    }
    const taken = new Set(this.paramGroups.flatMap((other) => other.params));
    if (params.some((p) => taken.has(p))) throw new Error("some parameters appear in more than one parameter group");
    group.params = params;
    this.paramGroups.push(group as ParamGroup<G>);
  }

  /**
   * Performs one optimization step on every parameter that has a gradient. `closure`, if given,
   * re-evaluates the model (with gradients enabled) before the step; its result is returned.
   */
  step<L = undefined>(closure?: () => L): L | undefined {
    const loss = closure === undefined ? undefined : enableGrad(closure);
    for (const group of this.paramGroups) {
      try {
        this.updateGroup(group);
      } finally {
        // the parameters changed in place (some of them, if the update threw): whatever was
        // derived from them (packed weights kept for inference) is stale
        for (const p of group.params) bumpVersion(p);
      }
    }
    return loss;
  }

  /**
   * Clears the gradients. `setToNone` (the default, as in PyTorch 2) sets each `.grad` to null;
   * otherwise each gradient is replaced by a fresh zero tensor: gradients are never mutated in
   * place, since they may share storage with other tensors.
   */
  zeroGrad(setToNone = true): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        p.grad = setToNone ? null : zeros(p.grad.shape, { dtype: p.grad.dtype });
      }
    }
  }

  /**
   * The gradient of `p` as a typed array, or null when `p` has none (PyTorch skips such
   * parameters). Checks it matches the parameter.
   */
  protected gradData(p: Tensor): Float32Array | Float64Array | null {
    const g = p.grad;
    if (g === null) return null;
    if (g.dtype !== p.dtype || !sameShape(g.shape, p.shape)) {
      throw new TypeError(
        `${this.constructor.name}: gradient of ${p.dtype} parameter of shape ${formatShape(p.shape)} is ` +
          `${g.dtype} of shape ${formatShape(g.shape)}`,
      );
    }
    return g.data as Float32Array | Float64Array;
  }

  /**
   * PyTorch's `state_dict()`: each parameter is replaced by its index (counted across groups in
   * order), hyperparameter keys are snake_case. Unlike PyTorch, the buffers are copies: the dict
   * is a snapshot that later steps do not change.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const param_groups: ParamGroupDict[] = this.paramGroups.map((group) => {
      const packed: Record<string, GroupValue> = {};
      for (const [k, v] of Object.entries(group)) {
        if (k !== "params") packed[camelToSnake(k)] = copyValue(v as unknown as GroupValue);
      }
      packed.params = group.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return packed as ParamGroupDict;
    });
    const state: Record<number, ParamStateDict> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = this.packState(s);
    }
    return { state, param_groups };
  }

  /**
   * PyTorch's `load_state_dict()`: takes the hyperparameters and the per-parameter state of `sd`
   * (a `stateDict()` result or its JSON form), matched to this optimizer's parameters by position.
   * Validates everything first (group count and sizes, hyperparameters, buffer keys and shapes) and
   * throws naming what differs, leaving the optimizer unchanged; values are copied, never aliased.
   */
  loadStateDict(sd: OptimizerStateDict | OptimizerStateDictJSON): void {
    if (typeof sd !== "object" || sd === null || typeof sd.state !== "object" || sd.state === null || !Array.isArray(sd.param_groups)) {
      throw new TypeError("loaded state dict must have 'state' (an object) and 'param_groups' (a list)");
    }
    const saved = sd.param_groups;
    const groups = this.paramGroups;
    if (saved.length !== groups.length) {
      throw new Error(
        `loaded state dict has a different number of parameter groups: ${saved.length} in the state dict, ` +
          `${groups.length} in the optimizer`,
      );
    }
    const idMap = new Map<number, { param: Tensor; group: number; position: number }>();
    const newGroups = groups.map((group, gi) => {
      const sg = saved[gi]!;
      if (typeof sg !== "object" || sg === null || !Array.isArray(sg.params)) {
        throw new TypeError(`loaded state dict: param_groups[${gi}] must be an object with a 'params' list`);
      }
      if (sg.params.length !== group.params.length) {
        throw new Error(
          "loaded state dict contains a parameter group that doesn't match the size of optimizer's group: " +
            `group ${gi} has ${sg.params.length} parameters in the state dict, ${group.params.length} in the optimizer`,
        );
      }
      sg.params.forEach((id, position) => {
        if (!Number.isInteger(id) || idMap.has(id)) {
          throw new Error(`loaded state dict: param_groups[${gi}].params has an invalid or repeated index ${JSON.stringify(id)}`);
        }
        idMap.set(id, { param: group.params[position]!, group: gi, position });
      });
      const next: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) if (k !== "params") next[k] = v;
      for (const [sk, v] of Object.entries(sg)) {
        const k = snakeToCamel(sk);
        if (sk === "params" || UNSAFE_KEYS.has(k) || UNSAFE_KEYS.has(sk)) continue;
        const current = next[k];
        const where = `loaded state dict: param_groups[${gi}].${sk}`;
        if (typeof current === "number" || typeof current === "boolean") {
          if (typeof v !== typeof current) throw new TypeError(`${where} must be a ${typeof current}, got ${JSON.stringify(v)}`);
        } else if (Array.isArray(current)) {
          if (!Array.isArray(v) || v.length !== current.length || !v.every((x) => typeof x === "number")) {
            throw new TypeError(`${where} must be a list of ${current.length} numbers, got ${JSON.stringify(v)}`);
          }
        }
        next[k] = copyValue(v);
      }
      this.validateGroup(next as G);
      return next as G;
    });
    const newState = new Map<Tensor, S>();
    for (const [key, value] of Object.entries(sd.state)) {
      const id = Number(key);
      const target = idMap.get(id);
      if (target === undefined) {
        throw new Error(`loaded state dict has state for parameter ${key}, which no parameter group lists`);
      }
      if (typeof value !== "object" || value === null) {
        throw new TypeError(`loaded state dict: state of parameter ${key} must be an object`);
      }
      const where = `loaded state dict: state of parameter ${key} (group ${target.group}, position ${target.position})`;
      newState.set(target.param, this.unpackState(value as SavedState, target.param, newGroups[target.group]!, where));
    }
    groups.forEach((group, gi) => Object.assign(group, newGroups[gi]));
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
  }
}

/** Checks the keys of a saved state entry: every `required` key present, nothing outside `allowed`. */
export function checkStateKeys(saved: SavedState, required: readonly string[], allowed: readonly string[], owner: string, where: string): void {
  for (const k of required) {
    if (saved[k] === undefined || saved[k] === null) throw new Error(`${where}: missing ${k}`);
  }
  for (const k of Object.keys(saved)) {
    if (!allowed.includes(k)) throw new Error(`${where}: unexpected key "${k}" for ${owner}`);
  }
}

/** A saved `step` count: a number (or one-element tensor, as PyTorch's Adam keeps it) >= 0. */
export function readStep(saved: SavedState, where: string): number {
  const v = saved.step;
  const step = v instanceof Tensor ? v.item() : typeof v === "number" ? v : NaN;
  if (!(step >= 0) || !Number.isFinite(step)) throw new TypeError(`${where}: step must be a number >= 0, got ${JSON.stringify(v)}`);
  return step;
}

/** A saved buffer, copied into a new tensor of the parameter's dtype; its shape must be the parameter's. */
export function readBuffer(saved: SavedState, key: string, param: Tensor, where: string): Tensor {
  const v = saved[key];
  if (v === undefined || v === null || typeof v === "number") throw new TypeError(`${where}: ${key} must be a tensor`);
  const t = tensorFromJSON(v, `${where}: ${key}`, param.dtype as FloatDType);
  if (!sameShape(t.shape, param.shape)) {
    throw new RangeError(`${where}: ${key} has shape ${formatShape(t.shape)}, but the parameter has shape ${formatShape(param.shape)}`);
  }
  return t;
}

/** A copy of a state buffer, for `stateDict()`. */
export function copyTensor(t: Tensor): Tensor {
  return tensorFromJSON(t, "state");
}
