/**
 * Synthetic float32 classification data from a fixed seed, identical for every engine: generated
 * once here, written to raw files, and read by each engine process (PyTorch included).
 *
 * X is standard normal; the labels come from a fixed random linear "teacher", y = argmax(X·T), so the
 * task is learnable and every engine's loss visibly falls (a sanity check that they all train).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { DataRef } from "./protocol.js";

/** mulberry32: a small, fast, seeded 32-bit generator (not PyTorch's; engines draw their own weights). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** Fisher–Yates permutation of 0..n-1 into `out`. */
  permutation(out: Int32Array): Int32Array {
    for (let i = 0; i < out.length; i++) out[i] = i;
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }
}

export function normalArray(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

export interface Classification {
  readonly x: Float32Array;
  readonly y: Int32Array;
}

export function makeClassification(n: number, features: number, classes: number, seed: number): Classification {
  const rng = new Rng(seed);
  const x = normalArray(n * features, rng);
  const teacher = normalArray(features * classes, rng);
  const y = new Int32Array(n);
  const scores = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    scores.fill(0);
    for (let f = 0; f < features; f++) {
      const v = x[i * features + f]!;
      for (let c = 0; c < classes; c++) scores[c]! += v * teacher[f * classes + c]!;
    }
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[c]! > scores[best]!) best = c;
    y[i] = best;
  }
  return { x, y };
}

/** Writes the data set to `dir` (once per shape and seed) and returns where it is. */
export function writeClassification(dir: string, n: number, features: number, classes: number, seed: number): DataRef {
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, `cls-${n}x${features}-c${classes}-s${seed}`);
  const ref: DataRef = { xPath: `${stem}.x.f32`, yPath: `${stem}.y.i32`, n, features, classes };
  if (!existsSync(ref.xPath) || !existsSync(ref.yPath)) {
    const { x, y } = makeClassification(n, features, classes, seed);
    writeFileSync(ref.xPath, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    writeFileSync(ref.yPath, new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
  }
  return ref;
}

/** Reads a data set written by `writeClassification` (in an engine process). */
export function readClassification(ref: DataRef): Classification {
  const xb = readFileSync(ref.xPath);
  const yb = readFileSync(ref.yPath);
  const x = new Float32Array(ref.n * ref.features);
  const y = new Int32Array(ref.n);
  new Uint8Array(x.buffer).set(xb.subarray(0, x.byteLength));
  new Uint8Array(y.buffer).set(yb.subarray(0, y.byteLength));
  if (xb.length !== x.byteLength || yb.length !== y.byteLength) {
    throw new Error(`data files ${ref.xPath} / ${ref.yPath} do not hold ${ref.n}×${ref.features} samples`);
  }
  return { x, y };
}
