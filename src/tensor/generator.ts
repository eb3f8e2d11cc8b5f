/**
 * PyTorch's CPU random number generator, reproduced bit for bit (checked against Debian's PyTorch 1.13.1
 * on x86-64, where PyTorch runs its AVX2 kernels).
 *
 * `Generator` is PyTorch's `CPUGeneratorImpl`: a 32-bit Mersenne Twister (mt19937) seeded with
 * `seed & 0xffffffff`, plus the second Box–Muller value that `normal_` keeps between calls. The `fill*`
 * functions draw exactly what the corresponding PyTorch CPU kernel draws, in the same order, and round
 * exactly as it does, including the multiply-adds that GCC fuses in PyTorch's AVX2 build. Nothing here
 * depends on the Tensor class: everything works on typed arrays.
 *
 * Exact (bit for bit): random32/random64, randomInt64, fillUniform (float32 and float64), fillRandint,
 * randpermIndices, fillBernoulli (dropout), fillNormal on float32 with n >= 16 (PyTorch's AVX2 path,
 * whose log/sin/cos are float32 polynomials: verified for every possible input), and getState (the
 * bytes of torch.get_rng_state()).
 * Not exact: fillNormal on float64, and on float32 with n < 16, computes in double with V8's
 * Math.log/log1p/sin/cos where PyTorch calls glibc's, which round differently in the last bit for a few
 * percent of arguments. Float64 normals may then differ from PyTorch's by 1-2 ulp (~2e-16 relative);
 * float32 normals with n < 16 (the double rounded to float) agree except with probability ~1e-9 per value.
 *
 * PyTorch itself draws differently on CPUs without AVX2 (or with ATEN_CPU_CAPABILITY=default): there
 * the float32 uniform_ is not fused (last bit of some values) and randn with n >= 16 uses libm.
 *
 * What PyTorch code draws, for the layers above:
 * - nn.Linear(in, out): weight uniform_(-b, b) over out*in values with b = kaimingUniformBound(in), then
 *   bias uniform_ with linearBiasBound(in); modules in construction order.
 * - F.dropout / nn.Dropout in training (0 < p < 1): one 64-bit draw per element, whatever p.
 * - DataLoader: every iter() draws one int64 random_() (the workers' base seed) even without shuffle;
 *   with shuffle=True (no generator of its own) the first next() draws another int64, seeds a fresh
 *   Generator with it and takes randperm(n) from that one.
 * - normal_ with n < 16 may leave a cached value in the generator, used by the next n < 16 normal_ (any
 *   dtype) and part of the state; manual_seed clears it; n >= 16 neither uses nor clears it.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df | 0;
const UPPER_MASK = 0x80000000 | 0;
const LOWER_MASK = 0x7fffffff;

/** PyTorch's `default_rng_seed_val`: the seed of a fresh `torch.Generator()`. */
export const DEFAULT_SEED = 67280421310721n;

/** Size of `torch.get_rng_state()` / `Generator.get_state()` on CPU (`THGeneratorStateNew`). */
const STATE_SIZE = 5056;
/** Size of the legacy `THGeneratorState` that PyTorch still accepts in `set_state`. */
const LEGACY_STATE_SIZE = 5048;
// Byte offsets inside THGeneratorState{New} (x86-64 layout, little-endian).
const OFF_SEED = 0; // uint64 the_initial_seed
const OFF_LEFT = 8; // int32 left
const OFF_SEEDED = 12; // int32 seeded
const OFF_NEXT = 16; // uint64 next
const OFF_STATE = 24; // uint64 state[624]
const OFF_NORMAL_X = OFF_STATE + 8 * N; // double normal_x (5016)
const OFF_NORMAL_Y = OFF_NORMAL_X + 8; // double normal_y (5024)
const OFF_NORMAL_RHO = OFF_NORMAL_Y + 8; // double normal_rho (5032)
const OFF_NORMAL_VALID = OFF_NORMAL_RHO + 8; // int32 normal_is_valid (5040)
const OFF_FLOAT_NORMAL = LEGACY_STATE_SIZE; // float next_float_normal_sample (5048)
const OFF_FLOAT_VALID = OFF_FLOAT_NORMAL + 4; // bool is_next_float_normal_sample_valid (5052)

const TWO_POW_M24 = 1 / 16777216; // 2^-24
const TWO_POW_M53 = 1 / 9007199254740992; // 2^-53
const TWO_POW_32 = 4294967296;
const U64_MASK = (1n << 64n) - 1n;

function toSeed(seed: number | bigint): bigint {
  let s: bigint;
  if (typeof seed === "bigint") s = seed;
  else {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`manualSeed: seed must be an integer, got ${seed}`);
    s = BigInt(seed);
  }
  // PyTorch accepts any value that fits in uint64, or a negative int64 (reinterpreted as uint64).
  if (s < -(1n << 63n) || s > U64_MASK) {
    throw new RangeError(`manualSeed: seed ${s} is out of range [-2^63, 2^64)`);
  }
  return BigInt.asUintN(64, s);
}

/**
 * PyTorch's CPU generator (`torch.Generator()` / the default generator behind `torch.manual_seed`).
 */
export class Generator {
  /** mt19937 state words (int32 bit patterns). @internal */
  private readonly mt = new Int32Array(N);
  /** Draws left before the next twist (PyTorch's `left_`, 1..624). */
  private left = 1;
  /** Index of the next state word to temper (PyTorch's `next_`). */
  private next = 0;
  private seed = 0n;
  /** `next_double_normal_sample_`: the sin half of the last Box–Muller pair drawn by `normal_` (n < 16). */
  private hasNormal64 = false;
  private normal64 = 0;
  /** `next_float_normal_sample_`: never filled by the CPU kernels of 1.13, but part of the state. */
  private hasNormal32 = false;
  private normal32 = 0;

  constructor() {
    this.manualSeed(DEFAULT_SEED);
  }

  /** `g.manual_seed(seed)`: mt19937 initialised with `seed & 0xffffffff`; clears the cached normal. */
  manualSeed(seed: number | bigint): this {
    const s = toSeed(seed);
    this.seed = s;
    const mt = this.mt;
    let x = Number(s & 0xffffffffn) | 0;
    mt[0] = x;
    for (let j = 1; j < N; j++) {
      x = (Math.imul(1812433253, x ^ (x >>> 30)) + j) | 0;
      mt[j] = x;
    }
    this.left = 1;
    this.next = 0;
    this.hasNormal64 = false;
    this.normal64 = 0;
    this.hasNormal32 = false;
    this.normal32 = 0;
    return this;
  }

  /** `g.initial_seed()`: the seed last given to `manualSeed` (as an unsigned 64-bit value). */
  initialSeed(): bigint {
    return this.seed;
  }

  /** The next 32-bit output of mt19937, as a number in [0, 2^32). */
  random32(): number {
    if (--this.left === 0) this.twist();
    let y = this.mt[this.next++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A 64-bit draw: two 32-bit outputs, the first is the high half. */
  random64(): bigint {
    const hi = this.random32();
    const lo = this.random32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /**
   * The full state, byte for byte what `torch.get_rng_state()` / `g.get_state()` returns on CPU
   * (5056 bytes: PyTorch's `THGeneratorStateNew`), so it can be exchanged with PyTorch.
   */
  getState(): Uint8Array {
    const bytes = new Uint8Array(STATE_SIZE);
    const dv = new DataView(bytes.buffer);
    dv.setBigUint64(OFF_SEED, this.seed, true);
    dv.setInt32(OFF_LEFT, this.left, true);
    dv.setInt32(OFF_SEEDED, 1, true);
    dv.setBigUint64(OFF_NEXT, BigInt(this.next), true);
    for (let i = 0; i < N; i++) {
      dv.setUint32(OFF_STATE + 8 * i, this.mt[i]! >>> 0, true);
      // upper half of each uint64 stays 0
    }
    // PyTorch stores the cached double normal in normal_y and zeroes normal_x / normal_rho.
    if (this.hasNormal64) {
      dv.setFloat64(OFF_NORMAL_Y, this.normal64, true);
      dv.setInt32(OFF_NORMAL_VALID, 1, true);
    }
    if (this.hasNormal32) {
      dv.setFloat32(OFF_FLOAT_NORMAL, this.normal32, true);
      bytes[OFF_FLOAT_VALID] = 1;
    }
    return bytes;
  }

  /**
   * Restores a state from `getState()` (or from PyTorch's `torch.get_rng_state()`, either the current
   * 5056-byte layout or the legacy 5048-byte one). Throws if the length or contents are invalid.
   */
  setState(state: Uint8Array): this {
    if (!(state instanceof Uint8Array)) throw new TypeError("Generator.setState: expected a Uint8Array");
    if (state.length !== STATE_SIZE && state.length !== LEGACY_STATE_SIZE) {
      throw new Error(
        `Generator.setState: expected a state of ${STATE_SIZE} bytes (or the legacy ${LEGACY_STATE_SIZE}), ` +
          `got ${state.length}`,
      );
    }
    const dv = new DataView(state.buffer, state.byteOffset, state.byteLength);
    const seed = dv.getBigUint64(OFF_SEED, true);
    const left = dv.getInt32(OFF_LEFT, true);
    const seeded = dv.getInt32(OFF_SEEDED, true);
    const next = dv.getBigUint64(OFF_NEXT, true) & 0xffffffffn; // PyTorch keeps next_ as uint32
    // PyTorch's mt19937::is_valid()
    if (seeded === 0 || left < 1 || left > N || next > BigInt(N)) {
      throw new Error(`Generator.setState: invalid mt19937 state (seeded=${seeded}, left=${left}, next=${next})`);
    }
    let hasNormal64 = false;
    let normal64 = 0;
    let hasNormal32 = false;
    let normal32 = 0;
    const normalValid = dv.getInt32(OFF_NORMAL_VALID, true) !== 0;
    if (state.length === STATE_SIZE) {
      if (normalValid) {
        hasNormal64 = true;
        normal64 = dv.getFloat64(OFF_NORMAL_Y, true);
      }
      if (state[OFF_FLOAT_VALID] !== 0) {
        hasNormal32 = true;
        normal32 = dv.getFloat32(OFF_FLOAT_NORMAL, true);
      }
    } else if (normalValid) {
      // Legacy layout: PyTorch rebuilds the cached sample as rho * sin(2 pi x).
      hasNormal64 = true;
      normal64 = dv.getFloat64(OFF_NORMAL_RHO, true) * Math.sin(2 * Math.PI * dv.getFloat64(OFF_NORMAL_X, true));
    }
    for (let i = 0; i < N; i++) this.mt[i] = dv.getUint32(OFF_STATE + 8 * i, true) | 0;
    this.seed = seed;
    this.left = left;
    this.next = Number(next);
    this.hasNormal64 = hasNormal64;
    this.normal64 = normal64;
    this.hasNormal32 = hasNormal32;
    this.normal32 = normal32;
    return this;
  }

  /** @internal The cached Box–Muller value, consumed (normal_distribution<double>). */
  takeCachedNormal(): number | undefined {
    if (!this.hasNormal64) return undefined;
    this.hasNormal64 = false;
    return this.normal64;
  }

  /** @internal */
  setCachedNormal(v: number): void {
    this.hasNormal64 = true;
    this.normal64 = v;
  }

  /** @internal A float64 uniform in [0, 1): 53 bits of a 64-bit draw. */
  double01(): number {
    const hi = this.random32();
    const lo = this.random32();
    return ((hi & 0x1fffff) * TWO_POW_32 + lo) * TWO_POW_M53;
  }

  private twist(): void {
    const mt = this.mt;
    let kk = 0;
    let y: number;
    for (; kk < N - M; kk++) {
      y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; kk < N - 1; kk++) {
      y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    y = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.left = N;
    this.next = 0;
  }
}

/**
 * The generator behind `manualSeed` and every draw that is not given its own generator.
 * Note: PyTorch seeds its default generator non-deterministically at start-up; Kiln's starts from
 * PyTorch's fixed default seed (67280421310721) so that unseeded runs are reproducible.
 */
export const defaultGenerator: Generator = new Generator();

/** `torch.manual_seed(seed)`: seeds `defaultGenerator` and returns it. */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

// ------------------------------------------------------------------------------------------------
// Exact float arithmetic helpers

const f64Scratch = new Float64Array(1);
const u32OfF64 = new Uint32Array(f64Scratch.buffer); // [lo, hi] on little-endian hosts
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = LITTLE_ENDIAN ? 1 : 0;

/**
 * Correctly rounded float32 fused multiply-add of float32 values: RN32(a * b + c).
 * The product of two float32 values is exact in double, so `s = a * b + c` is rounded once, to double;
 * rounding `s` to float32 is then wrong only if `s` lies exactly halfway between two floats while the
 * exact sum does not (double rounding), which the slow path below detects and corrects.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = Math.fround(s);
  // t = r + 2 (s - r): the other float neighbour of s if s is a midpoint, else not a float32 (or r)
  const t = s + (s - r);
  return t === r || Math.fround(t) !== t ? r : fma32Tie(p, c, s, r, t);
}

/** fma32 when s = RN64(p + c) is halfway between the floats r and t. */
function fma32Tie(p: number, c: number, s: number, r: number, t: number): number {
  const bb = s - p;
  const e = p - (s - bb) + (c - bb); // exact error of s
  if (e === 0) return r; // s is exact: fround's ties-to-even is right
  return e > 0 === t > r ? t : r;
}

const SPLITTER = 134217729; // 2^27 + 1

/**
 * Correctly rounded double fused multiply-add RN(a * b + c) (Boldo–Melquiond: exact product, exact
 * sum, round-to-odd of the tail). Valid away from overflow and the subnormal range.
 */
export function fma64(a: number, b: number, c: number): number {
  const p = a * b;
  // exact product p + pe (Veltkamp/Dekker)
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const pe = ah * bh - p + ah * bl + al * bh + al * bl;
  // th + tl = c + p exactly
  const th = c + p;
  let bb = th - c;
  const tl = c - (th - bb) + (p - bb);
  // v = RO(tl + pe)
  let v = tl + pe;
  bb = v - tl;
  const ve = tl - (v - bb) + (pe - bb);
  if (ve !== 0) {
    f64Scratch[0] = v;
    if ((u32OfF64[LO]! & 1) === 0) {
      // even: step to the neighbour on the side of the exact value (which is odd)
      const awayFromZero = ve > 0 === v > 0;
      if (awayFromZero) u32OfF64[LO] = u32OfF64[LO]! + 1; // even + 1 never carries
      else if (u32OfF64[LO] === 0) {
        u32OfF64[LO] = 0xffffffff;
        u32OfF64[HI] = u32OfF64[HI]! - 1;
      } else u32OfF64[LO] = u32OfF64[LO]! - 1;
      v = f64Scratch[0]!;
    }
  }
  return th + v;
}

// ------------------------------------------------------------------------------------------------
// uniform_

function checkUniformArgs(from: number, to: number, max: number): void {
  if (!(from >= -max && from <= max)) throw new RangeError(`uniform_: from=${from} is out of bounds for the dtype`);
  if (!(to >= -max && to <= max)) throw new RangeError(`uniform_: to=${to} is out of bounds for the dtype`);
  if (from > to) throw new RangeError(`uniform_ expects to return a [from, to) range, but found from=${from} > to=${to}`);
  if (!(to - from <= max)) throw new RangeError(`uniform_ expects to-from <= max, but found to=${to} and from=${from}`);
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** floor(log2(|v|)) for v != 0, give or take one (log2 may round across a power of two). */
const roughExponent = (v: number): number => Math.floor(Math.log2(Math.abs(v)));

/**
 * Whether x * range + from is exact in double for every x = k * 2^-24 (k < 2^24) and float32 `from`,
 * `range`: the product's lowest bit is >= 2^-47 ulp-ish of range, from's >= 2^-23 of from, and the
 * sum is below 2^(max exponent + 2); exact if that span fits in 53 bits (we ask 50, for the rough
 * exponents). True for the symmetric bounds of layer initialisation.
 */
function uniformSumIsExact(from: number, range: number): boolean {
  if (range === 0) return true;
  const ef = roughExponent(from);
  const er = roughExponent(range);
  return Math.max(ef, er) + 2 - Math.min(er - 47, ef - 23) <= 50;
}

/**
 * `uniform_(from, to)` on float32 or float64 storage, as PyTorch draws it (float32: 24 bits from one
 * 32-bit draw, fused multiply-add rounding; float64: 53 bits from a 64-bit draw).
 */
export function fillUniform(g: Generator, out: Float32Array | Float64Array, from = 0, to = 1): void {
  const n = out.length;
  if (out instanceof Float32Array) {
    checkUniformArgs(from, to, FLOAT32_MAX);
    const f = Math.fround(from);
    const range = Math.fround(Math.fround(to) - f);
    if (f === 0 || uniformSumIsExact(f, range)) {
      // x * range + f is exact in double, so storing it (one rounding) is the fma
      for (let i = 0; i < n; i++) out[i] = (g.random32() & 0xffffff) * TWO_POW_M24 * range + f;
    } else {
      for (let i = 0; i < n; i++) out[i] = fma32((g.random32() & 0xffffff) * TWO_POW_M24, range, f);
    }
  } else {
    checkUniformArgs(from, to, Number.MAX_VALUE);
    const range = to - from;
    if (from === 0) {
      for (let i = 0; i < n; i++) out[i] = g.double01() * range;
    } else {
      for (let i = 0; i < n; i++) out[i] = fma64(g.double01(), range, from);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// normal_

// PyTorch's normal_fill_16_AVX2 (x86-64 builds running with AVX2, like Debian's 1.13) computes 8
// lanes at a time with avx_mathfun.h's log256_ps and sincos256_ps: Cephes polynomials in float32,
// compiled by GCC with -mfma, which contracts every multiply that feeds an add into a fused
// multiply-add (20 of them here). Below, each lane is replayed in float32 arithmetic, each FMA as
// Math.fround(a * b + c): in every one of these steps a * b + c happens to be exact in double, so
// rounding it once to float32 is exactly the FMA. This was checked exhaustively, for all 2^24 possible
// uniforms u1 and u2, against the same avx_mathfun code compiled by GCC 12 -O2 -mavx2 -mfma (which
// also matches PyTorch 1.13's own torch.randn output).

const SQRTHF = Math.fround(0.707106781186547524);
const LOG_P0 = Math.fround(7.0376836292e-2);
const LOG_P1 = Math.fround(-1.151461031e-1);
const LOG_P2 = Math.fround(1.167699874e-1);
const LOG_P3 = Math.fround(-1.2420140846e-1);
const LOG_P4 = Math.fround(1.4249322787e-1);
const LOG_P5 = Math.fround(-1.6668057665e-1);
const LOG_P6 = Math.fround(2.0000714765e-1);
const LOG_P7 = Math.fround(-2.4999993993e-1);
const LOG_P8 = Math.fround(3.3333331174e-1);
const LOG_Q1 = Math.fround(-2.1219444e-4);
const LOG_Q2 = Math.fround(0.693359375);
const FOPI = Math.fround(1.27323954473516); // 4 / pi
const MINUS_DP1 = Math.fround(-0.78515625);
const MINUS_DP2 = Math.fround(-2.4187564849853515625e-4);
const MINUS_DP3 = Math.fround(-3.77489497744594108e-8);
const SINCOF_P0 = Math.fround(-1.9515295891e-4);
const SINCOF_P1 = Math.fround(8.3321608736e-3);
const SINCOF_P2 = Math.fround(-1.6666654611e-1);
const COSCOF_P0 = Math.fround(2.443315711809948e-5);
const COSCOF_P1 = Math.fround(-1.388731625493765e-3);
const COSCOF_P2 = Math.fround(4.166664568298827e-2);
const TWO_PI_F32 = Math.fround(2 * Math.PI);

/** 2^-k for k = 0..25. */
const POW2_NEG = new Float64Array(26).map((_, k) => 2 ** -k);

/**
 * PyTorch's normal_fill_16_AVX2 on d[o .. o+16): float32 uniforms in [0, 1) in, normals out;
 * `mean` and `std` are float32 values.
 */
function normalFill16Avx(d: Float32Array, o: number, mean: number, std: number): void {
  const plain = std === 1 && mean === 0;
  for (let l = 0; l < 8; l++) {
    // ---- log256_ps(u1), u1 = 1 - d[o + l] = m * 2^-24 exactly, m an integer in [1, 2^24]
    const m = 16777216 - d[o + l]! * 16777216;
    // split u1 = x * 2^e with x in [0.5, 1), as log256_ps does with bit masks on the float
    const top = 31 - Math.clz32(m | 0);
    let x = m * POW2_NEG[top + 1]!;
    let e = top - 23;
    if (x < SQRTHF) {
      e -= 1;
      x = Math.fround(x - 1 + x);
    } else {
      x = x - 1; // exact
    }
    const z = Math.fround(x * x);
    let y = Math.fround(LOG_P0 * x + LOG_P1);
    y = Math.fround(y * x + LOG_P2);
    y = Math.fround(y * x + LOG_P3);
    y = Math.fround(y * x + LOG_P4);
    y = Math.fround(y * x + LOG_P5);
    y = Math.fround(y * x + LOG_P6);
    y = Math.fround(y * x + LOG_P7);
    y = Math.fround(y * x + LOG_P8);
    y = Math.fround(y * x);
    y = Math.fround(y * z + Math.fround(e * LOG_Q1)); // y * z is the product GCC fuses, e * q1 is rounded
    y = Math.fround(y - z * 0.5);
    const log = Math.fround(e * LOG_Q2 + Math.fround(x + y));
    const radius = Math.fround(Math.sqrt(-2 * log)); // -2 * log is exact

    // ---- sincos256_ps(theta), theta = 2 pi u2 >= +0 (so the input-sign handling is left out)
    let t = Math.fround(TWO_PI_F32 * d[o + 8 + l]!);
    const j = ((Math.fround(t * FOPI) | 0) + 1) & ~1; // cvttps (truncation), then (j + 1) & ~1
    // extended precision modular arithmetic: t = ((t - j DP1) - j DP2) - j DP3
    t = Math.fround(j * MINUS_DP1 + t);
    t = Math.fround(j * MINUS_DP2 + t);
    t = Math.fround(j * MINUS_DP3 + t);
    const zz = Math.fround(t * t);
    let yc = Math.fround(COSCOF_P0 * zz + COSCOF_P1);
    yc = Math.fround(yc * zz + COSCOF_P2);
    yc = Math.fround(yc * zz);
    yc = Math.fround(yc * zz - zz * 0.5);
    yc = Math.fround(yc + 1);
    let ys = Math.fround(SINCOF_P0 * zz + SINCOF_P1);
    ys = Math.fround(ys * zz + SINCOF_P2);
    ys = Math.fround(ys * zz);
    ys = Math.fround(ys * t + t);
    const polyMask = (j & 2) === 0;
    let sin = polyMask ? ys : yc;
    let cos = polyMask ? yc : ys;
    if ((j & 4) !== 0) sin = -sin;
    if ((~(j - 2) & 4) !== 0) cos = -cos;

    const n1 = Math.fround(radius * cos);
    const n2 = Math.fround(radius * sin);
    // _mm256_fmadd_ps(n, std, mean): here the sum need not be exact in double, so use the full fma32
    d[o + l] = plain ? n1 : fma32(n1, std, mean);
    d[o + l + 8] = plain ? n2 : fma32(n2, std, mean);
  }
}

/**
 * PyTorch's normal_fill_16<double> on out[o .. o+16): radius * cos(theta) * std + mean, GCC fusing the
 * last multiply with the add. (PyTorch's log/cos/sin are glibc's: see the header on exactness.)
 */
function normalFill16Double(d: Float64Array, o: number, mean: number, std: number): void {
  const plain = std === 1 && mean === 0;
  for (let j = 0; j < 8; j++) {
    const u1 = 1 - d[o + j]!;
    const u2 = d[o + j + 8]!;
    const radius = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    const n1 = radius * Math.cos(theta);
    const n2 = radius * Math.sin(theta);
    d[o + j] = plain ? n1 : fma64(n1, std, mean);
    d[o + j + 8] = plain ? n2 : fma64(n2, std, mean);
  }
}

/**
 * One draw of at::normal_distribution<double>(mean, std), using and refilling the generator's cache:
 * u1, u2 float64 uniforms, r = sqrt(-2 log1p(-u2)), theta = 2 pi u1; returns r cos(theta) * std + mean
 * (fused) and keeps r sin(theta) for the next draw.
 */
function normalSample(g: Generator, mean: number, std: number): number {
  let v = g.takeCachedNormal();
  if (v === undefined) {
    const u1 = g.double01();
    const u2 = g.double01();
    const r = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    g.setCachedNormal(r * Math.sin(theta));
    v = r * Math.cos(theta);
  }
  return std === 1 && mean === 0 ? v : fma64(v, std, mean);
}

/**
 * `normal_(mean, std)` exactly as torch.randn / normal_ draws for that dtype and length: for n < 16
 * (either dtype) one Box–Muller pair per two values from two float64 uniforms, the sin half cached in
 * the generator (across calls); for n >= 16 the vectorised path (float32: PyTorch's AVX2 kernel;
 * float64: the scalar `normal_fill`).
 */
export function fillNormal(g: Generator, out: Float32Array | Float64Array, mean = 0, std = 1): void {
  if (!(std >= 0)) throw new RangeError(`normal expects std >= 0.0, but found std ${std}`);
  const n = out.length;
  if (n < 16) {
    for (let i = 0; i < n; i++) out[i] = normalSample(g, mean, std);
    return;
  }
  if (out instanceof Float32Array) {
    const m = Math.fround(mean);
    const s = Math.fround(std);
    for (let i = 0; i < n; i++) out[i] = (g.random32() & 0xffffff) * TWO_POW_M24;
    for (let o = 0; o + 16 <= n; o += 16) normalFill16Avx(out, o, m, s);
    if (n % 16 !== 0) {
      const o = n - 16;
      for (let i = 0; i < 16; i++) out[o + i] = (g.random32() & 0xffffff) * TWO_POW_M24;
      normalFill16Avx(out, o, m, s);
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = g.double01();
    for (let o = 0; o + 16 <= n; o += 16) normalFill16Double(out, o, mean, std);
    if (n % 16 !== 0) {
      const o = n - 16;
      for (let i = 0; i < 16; i++) out[o + i] = g.double01();
      normalFill16Double(out, o, mean, std);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// integers

function toBigInt(v: bigint | number, what: string): bigint {
  if (typeof v === "bigint") return v;
  if (!Number.isSafeInteger(v)) throw new RangeError(`${what} must be an integer, got ${v}`);
  return BigInt(v);
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * `torch.randint(low, high, ...)` into int64 storage (`random_(low, high)`): `draw % (high - low) + low`,
 * where the draw is one 32-bit output when `high - low < 2^32` and a 64-bit draw otherwise.
 */
export function fillRandint(g: Generator, out: BigInt64Array, low: bigint | number, high: bigint | number): void {
  const lo = toBigInt(low, "randint: low");
  const hi = toBigInt(high, "randint: high");
  if (lo < INT64_MIN || hi > INT64_MAX + 1n) throw new RangeError("randint: bounds must fit in int64");
  if (lo >= hi) throw new RangeError(`random_ expects 'from' to be less than 'to', but got from=${lo} >= to=${hi}`);
  const range = hi - lo;
  const n = out.length;
  if (range < 1n << 32n) {
    const r = Number(range);
    const base = Number(lo);
    if (Number.isSafeInteger(base) && Number.isSafeInteger(base + r)) {
      // all values are safe integers: write the two 32-bit halves directly (no BigInt per element)
      const words = new Uint32Array(out.buffer, out.byteOffset, 2 * n);
      for (let i = 0; i < n; i++) {
        const v = (g.random32() % r) + base;
        const h = Math.floor(v / TWO_POW_32);
        words[2 * i + LO] = v - h * TWO_POW_32;
        words[2 * i + HI] = h; // negative h wraps to its two's-complement bit pattern
      }
    } else {
      for (let i = 0; i < n; i++) out[i] = BigInt.asIntN(64, BigInt(g.random32() % r) + lo);
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = BigInt.asIntN(64, (g.random64() % range) + lo);
  }
}

/** `torch.empty((), dtype=torch.int64).random_(generator=g).item()`: one 64-bit draw masked to 63 bits. */
export function randomInt64(g: Generator): bigint {
  const hi = g.random32() & 0x7fffffff;
  const lo = g.random32();
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * `torch.randperm(n, generator=g)` as PyTorch 1.13 CPU computes it: start from 0..n-1 and for
 * i = 0..n-2 swap positions i and i + (random32() % (n - i)): n - 1 32-bit draws.
 * (Checked against PyTorch 1.13 up to n = 214748364; later PyTorch versions switch to 64-bit draws and
 * an inside-out shuffle from that n on, 1.13 does not.)
 */
export function randpermIndices(g: Generator, n: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm: n must be a non-negative integer, got ${n}`);
  if (n > 0x7fffffff) throw new RangeError(`randperm: n=${n} is too large`);
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const z = g.random32() % (n - i);
    const sav = r[i]!;
    r[i] = r[i + z]!;
    r[i + z] = sav;
  }
  return r;
}

/**
 * The keep-mask draws of `F.dropout(x, p, training=True)` on a float32 tensor of `out.length`
 * elements, as PyTorch 1.13 CPU (built without MKL) draws them: `noise.bernoulli_(1 - p)`, i.e. per
 * element one float64 uniform `u` (a 64-bit draw) and keep iff `u < 1 - p`. Fills `out` with 1 (keep)
 * or 0 (drop). Like dropout, p = 0 and p = 1 draw nothing (all kept / all dropped).
 */
export function fillBernoulli(g: Generator, out: Uint8Array, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  const n = out.length;
  if (p === 0) {
    out.fill(1);
    return;
  }
  if (p === 1) {
    out.fill(0);
    return;
  }
  const keep = 1 - p;
  for (let i = 0; i < n; i++) out[i] = g.double01() < keep ? 1 : 0;
}
