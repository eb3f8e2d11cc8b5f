/**
 * Schedulers' state dicts: PyTorch's keys (`last_epoch`, `_step_count`, `base_lrs`, ...) with
 * JSON-safe values (non-finite numbers as "Infinity", "-Infinity", "NaN", as optimizer state dicts
 * write them), and the reader that `loadStateDict` checks a saved dict with.
 */
import { decodeNumber } from "../state_dict.js";

export type SchedulerStateValue = number | string | boolean | null | SchedulerStateValue[] | { [key: string]: SchedulerStateValue };

/** A scheduler's `stateDict()`: `JSON.stringify` writes it exactly. */
export type SchedulerStateDict = Record<string, SchedulerStateValue>;

/** Keys of PyTorch's scheduler state dicts that mean nothing to Kiln (printing, a warning's flag): accepted, ignored. */
const IGNORED_KEYS = new Set(["verbose", "_get_lr_called_within_step"]);

/**
 * Reads the entries of a saved state dict, checking each, with messages naming the key; `finish()`
 * then refuses keys nobody read. Nothing is assigned while reading, so a failed load changes nothing.
 */
export class StateReader {
  private readonly read = new Set<string>();

  constructor(
    private readonly sd: Readonly<Record<string, unknown>>,
    private readonly owner: string,
  ) {
    if (typeof sd !== "object" || sd === null || Array.isArray(sd)) throw new TypeError(`${owner} state dict must be an object`);
  }

  has(key: string): boolean {
    return Object.hasOwn(this.sd, key);
  }

  private get(key: string): unknown {
    this.read.add(key);
    if (!this.has(key)) throw new Error(`${this.owner} state dict: missing ${key}`);
    return this.sd[key];
  }

  private fail(key: string, what: string, v: unknown): never {
    throw new TypeError(`${this.owner} state dict: ${key} must be ${what}, got ${JSON.stringify(v)}`);
  }

  number(key: string): number {
    const v = this.get(key);
    if (typeof v !== "number" && typeof v !== "string") this.fail(key, "a number", v);
    return decodeNumber(v, `${this.owner} state dict: ${key}`);
  }

  int(key: string): number {
    const v = this.get(key);
    if (!Number.isInteger(v)) this.fail(key, "an integer", v);
    return v as number;
  }

  boolean(key: string): boolean {
    const v = this.get(key);
    if (typeof v !== "boolean") this.fail(key, "a boolean", v);
    return v;
  }

  choice<T extends string>(key: string, choices: readonly T[]): T {
    const v = this.get(key);
    if (!choices.includes(v as T)) this.fail(key, `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`, v);
    return v as T;
  }

  /** A list of `length` numbers (one per parameter group). */
  numbers(key: string, length: number): number[] {
    const v = this.get(key);
    if (!Array.isArray(v) || v.length !== length) this.fail(key, `a list of ${length} numbers`, v);
    return v.map((x, i) => {
      if (typeof x !== "number" && typeof x !== "string") this.fail(`${key}[${i}]`, "a number", x);
      return decodeNumber(x, `${this.owner} state dict: ${key}[${i}]`);
    });
  }

  /** A raw entry, for structured values the caller checks itself. */
  raw(key: string): unknown {
    return this.get(key);
  }

  /** Throws on keys neither read nor ignored (PyTorch's own bookkeeping keys are ignored). */
  finish(): void {
    for (const k of Object.keys(this.sd)) {
      if (!this.read.has(k) && !IGNORED_KEYS.has(k)) throw new Error(`${this.owner} state dict: unexpected key "${k}"`);
    }
  }
}
