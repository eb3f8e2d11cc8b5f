import { setFlagsFromString } from "node:v8";
import { Code, encodeModule, V128 } from "./encoder.js";

/**
 * Whether WebAssembly's relaxed SIMD (`f32x4.relaxed_madd`: one fused multiply-add where the CPU
 * has FMA, a multiply and an add where it has not) compiles here, turning it on if need be.
 *
 * V8 ships relaxed SIMD from 11.4 (Node 22). Node 20's V8 11.3 has it complete but behind
 * `--experimental-wasm-relaxed-simd`, a process-wide flag that only widens what WebAssembly
 * validates; set at run time it takes effect for every module compiled afterwards, in any thread.
 * It is worth having on CPUs whose multiplies and adds share ports: on the benchmark's Intel Xeon
 * (Sapphire Rapids class) the matmul runs 18–40 % faster with it. `KILN_WASM_FMA=0` keeps it off
 * (every product then rounds once more, as the plain kernel does).
 */
export function relaxedSimdAvailable(): boolean {
  if (available === undefined) available = probe();
  return available;
}

let available: boolean | undefined;

/** The part of the WebAssembly JS API used here (the project's `lib`/`types` do not declare it). */
const WebAssembly = (globalThis as unknown as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;

function probe(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.KILN_WASM_FMA;
  if (env === "0") return false;
  if (env !== undefined && env !== "" && env !== "1") throw new RangeError(`KILN_WASM_FMA must be "0" or "1", not ${JSON.stringify(env)}`);
  if (WebAssembly === undefined) return false;
  const bytes = probeModule();
  if (WebAssembly.validate(bytes)) return true;
  try {
    setFlagsFromString("--experimental-wasm-relaxed-simd");
  } catch {
    return false;
  }
  return WebAssembly.validate(bytes);
}

/** A module of one function: (a, b, c) → relaxed_madd(a, b, c). */
function probeModule(): Uint8Array {
  const c = new Code([V128, V128, V128], [V128]);
  c.get(c.param(0)).get(c.param(1)).get(c.param(2)).f32x4RelaxedMadd();
  return encodeModule([{ name: "madd", code: c }]);
}
