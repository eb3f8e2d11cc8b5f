/**
 * A tiny WebAssembly binary encoder: just the instructions Kiln's kernels use (i32 arithmetic,
 * f32 and v128 loads and stores, f32x4 and f64x2 arithmetic, relaxed SIMD's multiply-add,
 * structured control flow) and the sections of a module that imports one memory and exports
 * functions. Kernels are written against `Code`, whose methods are named after the instructions
 * they emit, so a kernel reads like WebAssembly text; `encodeModule` assembles the binary that
 * `new WebAssembly.Module(bytes)` compiles.
 *
 * Reference: the WebAssembly core specification 2.0, chapter 5 (binary format), and the SIMD
 * proposal's opcode table (all v128 instructions are `0xfd` followed by a LEB128 opcode).
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** A local variable's index in its function (parameters first). */
export type Local = number & { readonly __local: unique symbol };

function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
}

function sleb(out: number[], value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  out.push(...bytes);
}

/** The body of one function: its locals and its instructions, emitted in order. */
export class Code {
  readonly bytes: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(readonly params: readonly ValType[], readonly results: readonly ValType[] = []) {}

  /** The local holding parameter `i`. */
  param(i: number): Local {
    if (i < 0 || i >= this.params.length) throw new RangeError(`no parameter ${i}`);
    return i as Local;
  }

  /** Declares a new local of `type`, zero-initialised as WebAssembly does. */
  local(type: ValType): Local {
    this.locals.push(type);
    return (this.params.length + this.locals.length - 1) as Local;
  }

  /** The locals declaration that opens the function body: runs of equal types. */
  localsHeader(): number[] {
    const runs: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    const out: number[] = [];
    uleb(out, runs.length);
    for (const [count, t] of runs) {
      uleb(out, count);
      out.push(t);
    }
    return out;
  }

  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  private memarg(op: number[], alignLog2: number, offset: number): this {
    this.bytes.push(...op);
    uleb(this.bytes, alignLog2);
    uleb(this.bytes, offset);
    return this;
  }

  private simd(opcode: number): this {
    this.bytes.push(0xfd);
    uleb(this.bytes, opcode);
    return this;
  }

  // control: blocks take no parameters and give no results ("blocktype" 0x40)
  block(body: () => void): this {
    this.op(0x02, 0x40);
    body();
    return this.op(0x0b);
  }
  loop(body: () => void): this {
    this.op(0x03, 0x40);
    body();
    return this.op(0x0b);
  }
  /** `if` on the i32 on the stack, with an optional `else`. */
  if(then: () => void, otherwise?: () => void): this {
    this.op(0x04, 0x40);
    then();
    if (otherwise) {
      this.op(0x05);
      otherwise();
    }
    return this.op(0x0b);
  }
  /** Branches to the `depth`-th enclosing block (to the start of a `loop`, the end of a `block`). */
  br(depth: number): this {
    this.op(0x0c);
    uleb(this.bytes, depth);
    return this;
  }
  brIf(depth: number): this {
    this.op(0x0d);
    uleb(this.bytes, depth);
    return this;
  }
  return(): this {
    return this.op(0x0f);
  }
  /** Picks the first of two values if the i32 on top is non-zero, else the second. */
  select(): this {
    return this.op(0x1b);
  }

  // locals
  get(l: Local): this {
    this.op(0x20);
    uleb(this.bytes, l);
    return this;
  }
  set(l: Local): this {
    this.op(0x21);
    uleb(this.bytes, l);
    return this;
  }
  tee(l: Local): this {
    this.op(0x22);
    uleb(this.bytes, l);
    return this;
  }

  // i32
  i32Const(v: number): this {
    this.op(0x41);
    sleb(this.bytes, v);
    return this;
  }
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32Eq(): this {
    return this.op(0x46);
  }
  i32Ne(): this {
    return this.op(0x47);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32GtS(): this {
    return this.op(0x4a);
  }
  i32LeS(): this {
    return this.op(0x4c);
  }
  i32GeS(): this {
    return this.op(0x4e);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32And(): this {
    return this.op(0x71);
  }
  i32Or(): this {
    return this.op(0x72);
  }
  i32Shl(): this {
    return this.op(0x74);
  }

  // f32 (alignment hints are log2 of bytes; hints never change results)
  f32Load(offset = 0): this {
    return this.memarg([0x2a], 2, offset);
  }
  f32Store(offset = 0): this {
    return this.memarg([0x38], 2, offset);
  }
  f32Const(v: number): this {
    this.op(0x43);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.op(...b);
  }
  /** f64.promote_f32: exact. */
  f64PromoteF32(): this {
    return this.op(0xbb);
  }

  // v128
  v128Load(offset = 0): this {
    return this.memarg([0xfd, 0x00], 4, offset);
  }
  v128Store(offset = 0): this {
    return this.memarg([0xfd, 0x0b], 4, offset);
  }
  /** Loads one f32 and broadcasts it to all four lanes. */
  v128Load32Splat(offset = 0): this {
    return this.memarg([0xfd, 0x09], 2, offset);
  }
  v128Const0(): this {
    this.simd(0x0c);
    return this.op(...new Array<number>(16).fill(0));
  }
  /** Lane i of the result is lane lanes[i] of the concatenation of the two operands (0–7). */
  i32x4Shuffle(lanes: readonly [number, number, number, number]): this {
    this.simd(0x0d);
    for (const l of lanes) this.op(4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3);
    return this;
  }
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  f64x2Splat(): this {
    return this.simd(0x14);
  }
  f32x4Neg(): this {
    return this.simd(0xe1);
  }
  f32x4Sqrt(): this {
    return this.simd(0xe3);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Sub(): this {
    return this.simd(0xe5);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f32x4Div(): this {
    return this.simd(0xe7);
  }
  /**
   * Relaxed SIMD's f32x4.relaxed_madd(a, b, c) = a·b + c, rounded once where the CPU has FMA (see
   * relaxed.ts for when a module may use it).
   */
  f32x4RelaxedMadd(): this {
    return this.simd(0x105);
  }
  /** Lane-wise maximum; NaN if either lane is NaN. */
  f32x4Max(): this {
    return this.simd(0xe9);
  }
  /** Lane-wise comparisons: all ones where true, zeros where false. */
  f32x4Ne(): this {
    return this.simd(0x42);
  }
  f32x4Gt(): this {
    return this.simd(0x44);
  }
  v128Or(): this {
    return this.simd(0x50);
  }
  /** v128.bitselect(a, b, mask): bits of a where mask is 1, of b where it is 0. */
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  /** The two low lanes of an f32x4, exactly as f64 (f64x2.promote_low_f32x4). */
  f64x2PromoteLowF32x4(): this {
    return this.simd(0x5f);
  }
  /** Both f64 lanes rounded to f32 (to nearest, ties to even) in lanes 0–1, zeros in 2–3. */
  f32x4DemoteF64x2Zero(): this {
    return this.simd(0x5e);
  }
  f64x2Add(): this {
    return this.simd(0xf0);
  }
  f64x2Sub(): this {
    return this.simd(0xf1);
  }
  f64x2Mul(): this {
    return this.simd(0xf2);
  }
}

/** One exported function of a module. */
export interface FunctionDef {
  readonly name: string;
  readonly code: Code;
}

/** The memory a module imports: a shared one must declare a maximum (in 64 KiB pages). */
export interface MemoryImport {
  readonly minPages?: number;
  readonly shared?: { readonly maxPages: number };
}

/**
 * Assembles a module that imports `env.memory` (at least `minPages` 64 KiB pages; shared, with a
 * maximum, for `shared`) and exports `functions` under their names.
 */
export function encodeModule(functions: readonly FunctionDef[], memory: MemoryImport = {}): Uint8Array {
  const minPages = memory.minPages ?? 1;
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, body: number[]): void => {
    out.push(id);
    uleb(out, body.length);
    out.push(...body);
  };

  // type section: one signature per function (duplicates are harmless)
  const types: number[] = [];
  uleb(types, functions.length);
  for (const f of functions) {
    types.push(0x60);
    uleb(types, f.code.params.length);
    types.push(...f.code.params);
    uleb(types, f.code.results.length);
    types.push(...f.code.results);
  }
  section(1, types);

  const imports: number[] = [1];
  name(imports, "env");
  name(imports, "memory");
  if (memory.shared) {
    imports.push(0x02, 0x03); // memory, limits with a maximum, shared
    uleb(imports, minPages);
    uleb(imports, memory.shared.maxPages);
  } else {
    imports.push(0x02, 0x00); // memory, limits without a maximum
    uleb(imports, minPages);
  }
  section(2, imports);

  const funcs: number[] = [];
  uleb(funcs, functions.length);
  functions.forEach((_, i) => uleb(funcs, i));
  section(3, funcs);

  const exports: number[] = [];
  uleb(exports, functions.length);
  functions.forEach((f, i) => {
    name(exports, f.name);
    exports.push(0x00);
    uleb(exports, i);
  });
  section(7, exports);

  const code: number[] = [];
  uleb(code, functions.length);
  for (const f of functions) {
    const body = [...f.code.localsHeader(), ...f.code.bytes, 0x0b];
    uleb(code, body.length);
    code.push(...body);
  }
  section(10, code);
  return Uint8Array.from(out);
}
