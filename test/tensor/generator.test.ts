import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_SEED,
  Generator,
  defaultGenerator,
  fillBernoulli,
  fillNormal,
  fillRandint,
  fillUniform,
  fma32,
  fma64,
  manualSeed,
  randomInt64,
  randpermIndices,
} from "../../src/tensor/generator.js";
import { kaimingUniformBound, linearBiasBound } from "../../src/nn/init.js";

// ------------------------------------------------------------------------------------------ fixtures

interface T {
  shape: number[];
  dtype: string;
  data: number[];
}
interface RngCase {
  seed: number;
  "rand(7)": T;
  "randn(5)": T;
  "randn(40)": T;
  "uniform_(-2,3) x6": T;
  "randperm(25, generator seeded)": number[];
  "Linear(7,4).weight": T;
  "Linear(7,4).bias": T;
  "int64 random_()": string;
}
const rng = JSON.parse(readFileSync(new URL("../fixtures/rng.json", import.meta.url), "utf8")) as { cases: RngCase[] };

interface FloatCase {
  seed: number;
  dtype: "float32" | "float64";
  n: number;
  data?: number[];
  sha256?: string;
  next: string;
}
interface NormalCase extends FloatCase {
  mean: number;
  std: number;
}
interface UniformCase extends FloatCase {
  from: number;
  to: number;
}
interface Extra {
  normal: NormalCase[];
  normal_cache: { seed: number; ops: string[]; data: number[][]; next: string }[];
  uniform: UniformCase[];
  randint: { seed: number; low: string; high: string; n?: number; data?: string[]; sha256?: string; next: string }[];
  randperm: { seed: number; n: number; global?: boolean; data?: number[]; sha256_int32?: string; next: string }[];
  dropout: { seed: number; p: number; n: number; mask?: string; sha256_uint8?: string; next: string }[];
  state: {
    after_seed5_rand3_randn1: string;
    continue_randn3: number[];
    after_seed6_rand1000: string;
    legacy_continue_randn3: number[];
    fresh_generator: { initial_seed: string; state: string; next: string };
  };
  seeds: { seed: string; initial_seed: string; next: string }[];
  linear: { seed: number; in: number; out: number; weight_sha256: string; bias: number[]; next: string }[];
  dataloader: {
    shuffle_two_epochs_seed11: number[][];
    shuffle_after_two_epochs_next: string;
    noshuffle_after_one_epoch_next: string;
  };
  interleaved: { seed: number; ops: { op: string; data: number[] }[]; next: string };
}
const extra = JSON.parse(readFileSync(new URL("../fixtures/rng-extra.json", import.meta.url), "utf8")) as Extra;

// ------------------------------------------------------------------------------------------ helpers

const sha256 = (a: ArrayBufferView): string =>
  createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex");

const hex = (u: Uint8Array): string => Buffer.from(u).toString("hex");
const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "hex"));

/** Bit-exact comparison that reports the first differing index (and distinguishes -0 from +0). */
function expectSameFloats(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      expect.fail(`index ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/** Linear(in, out) as nn.Linear initialises it: weight then bias, from g. */
function linearInit(g: Generator, fanIn: number, fanOut: number): { weight: Float32Array; bias: Float32Array } {
  const weight = new Float32Array(fanIn * fanOut);
  const bias = new Float32Array(fanOut);
  const wb = kaimingUniformBound(fanIn);
  fillUniform(g, weight, -wb, wb);
  const bb = linearBiasBound(fanIn);
  fillUniform(g, bias, -bb, bb);
  return { weight, bias };
}

function floatArray(dtype: "float32" | "float64", n: number): Float32Array | Float64Array {
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}

// ------------------------------------------------------------------------------------------ mt19937

describe("Generator (mt19937)", () => {
  it("matches the reference mt19937 outputs (seed 5489)", () => {
    // The C++11 std::mt19937 with seed 5489: its 10000th output is 4123659995.
    const g = new Generator().manualSeed(5489);
    expect([g.random32(), g.random32(), g.random32()]).toEqual([3499211612, 581869302, 3890346734]);
    for (let i = 3; i < 9999; i++) g.random32();
    expect(g.random32()).toBe(4123659995);
  });

  it("starts from PyTorch's default seed and a fresh torch.Generator()'s state", () => {
    const g = new Generator();
    expect(g.initialSeed()).toBe(67280421310721n);
    expect(DEFAULT_SEED).toBe(67280421310721n);
    const f = extra.state.fresh_generator;
    expect(String(g.initialSeed())).toBe(f.initial_seed);
    expect(hex(g.getState())).toBe(f.state);
    expect(String(randomInt64(g))).toBe(f.next);
  });

  it("manualSeed returns the generator, and random64 is two draws, high half first", () => {
    const g = new Generator();
    expect(g.manualSeed(42)).toBe(g);
    const hi = g.random32();
    const lo = g.random32();
    g.manualSeed(42);
    expect(g.random64()).toBe((BigInt(hi) << 32n) | BigInt(lo));
  });

  it("accepts seeds as PyTorch does (uint64, or negative int64 wrapped) and uses the low 32 bits", () => {
    const g = new Generator();
    for (const c of extra.seeds) {
      g.manualSeed(BigInt(c.seed));
      expect(String(g.initialSeed())).toBe(c.initial_seed);
      expect(String(randomInt64(g))).toBe(c.next);
    }
    expect(() => g.manualSeed(2n ** 64n)).toThrow(RangeError);
    expect(() => g.manualSeed(-(2n ** 63n) - 1n)).toThrow(RangeError);
    expect(() => g.manualSeed(1.5)).toThrow(RangeError);
    // number and bigint seeds are the same seed
    expect(new Generator().manualSeed(123).random32()).toBe(new Generator().manualSeed(123n).random32());
  });

  it("manualSeed() seeds and returns the default generator", () => {
    expect(manualSeed(7)).toBe(defaultGenerator);
    const a = defaultGenerator.random32();
    manualSeed(7);
    expect(defaultGenerator.random32()).toBe(a);
    expect(defaultGenerator.initialSeed()).toBe(7n);
  });
});

// ------------------------------------------------------------------------------------------ rng.json

describe("rng.json (torch.manual_seed(s) then ...)", () => {
  const g = new Generator();
  for (const c of rng.cases) {
    describe(`seed ${c.seed}`, () => {
      it("rand(7)", () => {
        const o = new Float32Array(7);
        fillUniform(g.manualSeed(c.seed), o);
        expectSameFloats(o, c["rand(7)"].data);
      });
      it("randn(5): Box-Muller on float64 uniforms", () => {
        const o = new Float32Array(5);
        fillNormal(g.manualSeed(c.seed), o);
        expectSameFloats(o, c["randn(5)"].data);
      });
      it("randn(40): the vectorised (AVX2) path, bit-exact", () => {
        const o = new Float32Array(40);
        fillNormal(g.manualSeed(c.seed), o);
        expectSameFloats(o, c["randn(40)"].data);
      });
      it("uniform_(-2, 3) x6", () => {
        const o = new Float32Array(6);
        fillUniform(g.manualSeed(c.seed), o, -2, 3);
        expectSameFloats(o, c["uniform_(-2,3) x6"].data);
      });
      it("randperm(25, generator=seeded)", () => {
        expect(Array.from(randpermIndices(new Generator().manualSeed(c.seed), 25))).toEqual(
          c["randperm(25, generator seeded)"],
        );
      });
      it("int64 random_()", () => {
        expect(String(randomInt64(g.manualSeed(c.seed)))).toBe(c["int64 random_()"]);
      });
      it("Linear(7, 4) initial weight and bias", () => {
        const { weight, bias } = linearInit(g.manualSeed(c.seed), 7, 4);
        expectSameFloats(weight, c["Linear(7,4).weight"].data);
        expectSameFloats(bias, c["Linear(7,4).bias"].data);
      });
    });
  }
});

// ------------------------------------------------------------------------------------------ rng-extra.json

describe("normal_", () => {
  const g = new Generator();
  for (const c of extra.normal) {
    const exact = c.dtype === "float32";
    it(`${c.dtype} n=${c.n} normal_(${c.mean}, ${c.std}) seed ${c.seed}${exact ? "" : " (float64: within libm rounding)"}`, () => {
      const o = floatArray(c.dtype, c.n);
      fillNormal(g.manualSeed(c.seed), o, c.mean, c.std);
      if (c.sha256 !== undefined) expect(sha256(o)).toBe(c.sha256);
      else if (exact) expectSameFloats(o, c.data!);
      else {
        // PyTorch computes these with glibc's double log/log1p/sin/cos, V8 with its own: they differ
        // in the last bit for a few percent of arguments. Rounded to float32 they agree.
        const ref = c.data!;
        for (let i = 0; i < ref.length; i++) {
          const tol = 4e-16 * (Math.abs(c.mean) + Math.abs(ref[i]! - c.mean)) + 1e-300;
          expect(Math.abs(o[i]! - ref[i]!)).toBeLessThanOrEqual(tol);
          expect(Math.fround(o[i]!)).toBe(Math.fround(ref[i]!));
        }
      }
      // the generator has advanced exactly as PyTorch's
      expect(String(randomInt64(g))).toBe(c.next);
    });
  }

  it("keeps the second Box-Muller value in the generator across calls and dtypes (n >= 16 leaves it), until reseeded", () => {
    for (const s of extra.normal_cache) {
      g.manualSeed(s.seed);
      s.ops.forEach((op, k) => {
        if (op === "reseed") {
          g.manualSeed(s.seed);
          return;
        }
        const [name, len] = op.split(" ") as [string, string];
        const n = Number(len);
        const o = name === "randn64" ? new Float64Array(n) : new Float32Array(n);
        if (name === "rand") fillUniform(g, o);
        else fillNormal(g, o);
        const ref = s.data[s.ops.slice(0, k).filter((x) => x !== "reseed").length]!;
        if (name === "randn64") {
          // float64: within libm rounding (the fixture keeps only the values it checks)
          for (let i = 0; i < ref.length; i++) expect(Math.abs(o[i]! - ref[i]!)).toBeLessThan(1e-15);
        } else expectSameFloats(o, ref);
      });
      expect(String(randomInt64(g))).toBe(s.next);
    }
  });

  it("rejects a negative std", () => {
    expect(() => fillNormal(g, new Float32Array(3), 0, -1)).toThrow(/std/);
  });
});

describe("uniform_", () => {
  const g = new Generator();
  for (const c of extra.uniform) {
    it(`${c.dtype} n=${c.n} uniform_(${c.from}, ${c.to}) seed ${c.seed}`, () => {
      const o = floatArray(c.dtype, c.n);
      fillUniform(g.manualSeed(c.seed), o, c.from, c.to);
      if (c.sha256 !== undefined) expect(sha256(o)).toBe(c.sha256);
      else expectSameFloats(o, c.data!);
      expect(String(randomInt64(g))).toBe(c.next);
    });
  }

  it("rejects from > to and bounds outside the dtype", () => {
    expect(() => fillUniform(g, new Float32Array(2), 3, 2)).toThrow(/from/);
    expect(() => fillUniform(g, new Float32Array(2), -3e38, 3e38)).toThrow(RangeError);
    expect(() => fillUniform(g, new Float32Array(2), 0, 1e39)).toThrow(RangeError);
    expect(() => fillUniform(g, new Float64Array(2), 0, NaN)).toThrow(RangeError);
  });

  it("Linear layers: kaiming_uniform_(a=sqrt(5)) weight then bias, as nn.Linear draws them", () => {
    for (const c of extra.linear) {
      const { weight, bias } = linearInit(g.manualSeed(c.seed), c.in, c.out);
      expect(sha256(weight)).toBe(c.weight_sha256);
      expectSameFloats(bias, c.bias);
      expect(String(randomInt64(g))).toBe(c.next);
    }
    // the bounds as PyTorch's Python computes them (in doubles)
    expect(kaimingUniformBound(7)).toBe(Math.sqrt(3) * (Math.sqrt(2 / (1 + Math.sqrt(5) ** 2)) / Math.sqrt(7)));
    expect(kaimingUniformBound(4)).toBeCloseTo(0.5, 15);
    expect(linearBiasBound(4)).toBe(0.5);
    expect(linearBiasBound(0)).toBe(0);
  });
});

describe("randint (random_(low, high))", () => {
  const g = new Generator();
  for (const c of extra.randint) {
    it(`randint(${c.low}, ${c.high}) seed ${c.seed}`, () => {
      const o = new BigInt64Array(c.n ?? c.data!.length);
      fillRandint(g.manualSeed(c.seed), o, BigInt(c.low), BigInt(c.high));
      if (c.sha256 !== undefined) expect(sha256(o)).toBe(c.sha256);
      else expect(Array.from(o, String)).toEqual(c.data);
      expect(String(randomInt64(g))).toBe(c.next);
    });
  }

  it("takes number bounds too, and rejects an empty range", () => {
    const a = new BigInt64Array(5);
    const b = new BigInt64Array(5);
    fillRandint(g.manualSeed(1), a, -3, 9);
    fillRandint(g.manualSeed(1), b, -3n, 9n);
    expect(a).toEqual(b);
    expect(() => fillRandint(g, a, 4, 4)).toThrow(RangeError);
  });

  it("writes into views at an offset of a SharedArrayBuffer (how Kiln allocates storage)", () => {
    const view = new BigInt64Array(new SharedArrayBuffer(8 * 8), 16, 5);
    const plain = new BigInt64Array(5);
    fillRandint(g.manualSeed(4), view, -1000, 1000);
    fillRandint(g.manualSeed(4), plain, -1000, 1000);
    expect(Array.from(view)).toEqual(Array.from(plain));
    expect(new BigInt64Array(view.buffer)[1]).toBe(0n);
    expect(plain.some((v) => v < 0n)).toBe(true);
  });

  it("draws 32 bits when high - low < 2^32, else 64", () => {
    const o = new BigInt64Array(1);
    fillRandint(g.manualSeed(3), o, 0n, 2n ** 32n - 1n);
    const r32 = g.manualSeed(3).random32();
    expect(o[0]).toBe(BigInt(r32 % (2 ** 32 - 1)));
    fillRandint(g.manualSeed(3), o, 0n, 2n ** 32n);
    expect(o[0]).toBe(g.manualSeed(3).random64() % 2n ** 32n);
  });
});

describe("randperm", () => {
  const g = new Generator();
  for (const c of extra.randperm) {
    it(`randperm(${c.n}) seed ${c.seed}${c.global ? " (global generator)" : ""}`, () => {
      const gen = c.global ? manualSeed(c.seed) : g.manualSeed(c.seed);
      const p = randpermIndices(gen, c.n);
      if (c.sha256_int32 !== undefined) expect(sha256(p)).toBe(c.sha256_int32);
      else expect(Array.from(p)).toEqual(c.data);
      expect(String(randomInt64(gen))).toBe(c.next);
    });
  }

  it("is a permutation", () => {
    const p = randpermIndices(g.manualSeed(9), 5000);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});

describe("dropout keep-mask (bernoulli_(1 - p))", () => {
  const g = new Generator();
  for (const c of extra.dropout) {
    it(`F.dropout(ones(${c.n}), p=${c.p}) seed ${c.seed}`, () => {
      const m = new Uint8Array(c.n);
      fillBernoulli(g.manualSeed(c.seed), m, c.p);
      if (c.sha256_uint8 !== undefined) expect(sha256(m)).toBe(c.sha256_uint8);
      else expect(Array.from(m).join("")).toBe(c.mask);
      // one 64-bit draw per element whatever p is; none at all for p = 0 or 1
      expect(String(randomInt64(g))).toBe(c.next);
    });
  }

  it("rejects p outside [0, 1]", () => {
    expect(() => fillBernoulli(g, new Uint8Array(2), 1.5)).toThrow(RangeError);
  });
});

describe("getState / setState", () => {
  it("round-trips: draw, save, draw more, restore, draw again", () => {
    const g = new Generator().manualSeed(2024);
    fillUniform(g, new Float32Array(700)); // past a twist
    fillNormal(g, new Float32Array(3)); // leaves a cached normal
    const saved = g.getState();
    const first = new Float32Array(5);
    const firstBig = new Float32Array(50);
    fillNormal(g, first); // uses the cached value
    fillNormal(g, firstBig);
    const i1 = randomInt64(g);
    g.setState(saved);
    const again = new Float32Array(5);
    const againBig = new Float32Array(50);
    fillNormal(g, again);
    fillNormal(g, againBig);
    expectSameFloats(again, first);
    expectSameFloats(againBig, firstBig);
    expect(randomInt64(g)).toBe(i1);
    expect(g.initialSeed()).toBe(2024n);
    // restoring into another generator works too, and getState does not alias internal state
    const h = new Generator().setState(saved);
    saved.fill(0);
    const viaH = new Float32Array(5);
    fillNormal(h, viaH);
    expectSameFloats(viaH, first);
  });

  it("is byte for byte torch.get_rng_state()", () => {
    const g = new Generator().manualSeed(5);
    fillUniform(g, new Float32Array(3));
    fillNormal(g, new Float32Array(1));
    expect(g.getState().length).toBe(5056);
    expect(hex(g.getState())).toBe(extra.state.after_seed5_rand3_randn1);
    g.manualSeed(6);
    fillUniform(g, new Float32Array(1000));
    expect(hex(g.getState())).toBe(extra.state.after_seed6_rand1000);
  });

  it("resumes from a state saved by PyTorch, including its cached normal and the legacy layout", () => {
    const st = fromHex(extra.state.after_seed5_rand3_randn1);
    const o = new Float32Array(3);
    fillNormal(new Generator().setState(st), o);
    expectSameFloats(o, extra.state.continue_randn3);
    fillNormal(new Generator().setState(st.subarray(0, 5048)), o);
    expectSameFloats(o, extra.state.legacy_continue_randn3);
  });

  it("rejects states of the wrong size or with an invalid mt19937 position", () => {
    const g = new Generator();
    expect(() => g.setState(new Uint8Array(100))).toThrow(/5056/);
    const bad = g.getState();
    bad[8] = 0; // left = 0
    expect(() => g.setState(bad)).toThrow(/invalid/);
    const bad2 = g.getState();
    new DataView(bad2.buffer).setInt32(8, 625, true);
    expect(() => g.setState(bad2)).toThrow(/invalid/);
  });
});

describe("sequences of draws as PyTorch code makes them", () => {
  it("interleaved rand / randn / randint / randperm / uniform_ on the global generator", () => {
    const s = extra.interleaved;
    const g = manualSeed(s.seed);
    for (const { op, data } of s.ops) {
      if (op === "randint") {
        const o = new BigInt64Array(data.length);
        fillRandint(g, o, 0, 5);
        expect(Array.from(o, Number)).toEqual(data);
      } else if (op === "randperm") {
        expect(Array.from(randpermIndices(g, data.length))).toEqual(data);
      } else {
        const o = new Float32Array(data.length);
        if (op === "rand") fillUniform(g, o);
        else if (op === "uniform") fillUniform(g, o, -1, 1);
        else fillNormal(g, o);
        expectSameFloats(o, data);
      }
    }
    expect(String(randomInt64(g))).toBe(s.next);
  });

  it("a shuffling DataLoader: per epoch, an int64 base seed, then an int64 sampler seed for randperm", () => {
    const dl = extra.dataloader;
    const g = new Generator().manualSeed(11);
    const batches: number[][] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      randomInt64(g); // _BaseDataLoaderIter: _base_seed
      const seed = randomInt64(g); // RandomSampler.__iter__: seed of a fresh torch.Generator
      const order = Array.from(randpermIndices(new Generator().manualSeed(seed), 10));
      for (let i = 0; i < 10; i += 3) batches.push(order.slice(i, i + 3));
    }
    expect(batches).toEqual(dl.shuffle_two_epochs_seed11);
    expect(String(randomInt64(g))).toBe(dl.shuffle_after_two_epochs_next);
    // shuffle=False still draws the base seed
    g.manualSeed(11);
    randomInt64(g);
    expect(String(randomInt64(g))).toBe(dl.noshuffle_after_one_epoch_next);
  });
});

// ------------------------------------------------------------------------------------------ exact FMA

/** x = m * 2^e exactly (finite, non-zero normal or subnormal x). */
function decompose(x: number): [bigint, number] {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const ex = (hi >>> 20) & 0x7ff;
  const m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (ex === 0) return [sign * m, -1074];
  return [sign * (m | (1n << 52n)), ex - 1075];
}

/** RN_p(a * b + c) computed exactly with BigInts (moderate exponents only). */
function exactFma(a: number, b: number, c: number, p: number): number {
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const [mc, ec] = decompose(c);
  const ep = ea + eb;
  let e = Math.min(ep, ec);
  let m = ((ma * mb) << BigInt(ep - e)) + (mc << BigInt(ec - e));
  if (m === 0n) return 0;
  const neg = m < 0n;
  if (neg) m = -m;
  const shift = m.toString(2).length - p;
  if (shift > 0) {
    const q = m >> BigInt(shift);
    const r = m - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    m = r > half || (r === half && (q & 1n) === 1n) ? q + 1n : q;
    e += shift;
  }
  const v = Number(m) * 2 ** e;
  return neg ? -v : v;
}

describe("fma32 / fma64 (correctly rounded fused multiply-add)", () => {
  // a small deterministic PRNG for the test inputs
  const g = new Generator().manualSeed(77);
  const rnd = (): number => g.random32() / 2 ** 32;
  const f32 = (): number => Math.fround((rnd() - 0.5) * 2 ** Math.floor(rnd() * 40 - 20));
  const f64 = (): number => (rnd() - 0.5 + rnd() * 2 ** -30) * 2 ** Math.floor(rnd() * 40 - 20);

  it("fma32 on random and cancelling inputs", () => {
    for (let i = 0; i < 20000; i++) {
      const a = f32();
      const b = f32();
      const c = i % 3 === 0 ? Math.fround(-a * b) : i % 3 === 1 ? Math.fround(-a * b * (1 + rnd() * 1e-6)) : f32();
      expect(fma32(a, b, c)).toBe(exactFma(a, b, c, 24));
    }
  });

  it("fma32 where rounding a * b + c to double then to float would be wrong (double rounding)", () => {
    // c has an odd last bit; a * b = ulp(c) / 2 * (1 - 2^-46): the double sum rounds to the midpoint
    for (const c of [Math.fround(1 + 2 ** -23), Math.fround(-3 - 3 * 2 ** -22), Math.fround(0.7)]) {
      const ulp = 2 ** (Math.floor(Math.log2(Math.abs(c))) - 23);
      const a = Math.fround((ulp / 2) * (1 + 2 ** -23));
      for (const b of [Math.fround(1 - 2 ** -23), Math.fround(-(1 - 2 ** -23)), Math.fround(1 + 2 ** -23)]) {
        for (const cc of [c, -c]) {
          expect(fma32(a, b, cc)).toBe(exactFma(a, b, cc, 24));
        }
      }
    }
  });

  it("fma64 on random, cancelling and round-to-odd cases", () => {
    for (let i = 0; i < 20000; i++) {
      const a = f64();
      const b = f64();
      const c = i % 3 === 0 ? -(a * b) : i % 3 === 1 ? -(a * b) * (1 + rnd() * 1e-12) : f64();
      expect(fma64(a, b, c)).toBe(exactFma(a, b, c, 53));
    }
    for (const c of [1 + 2 ** -52, -(3 + 2 ** -51), 0.1, -0.7]) {
      const ulp = 2 ** (Math.floor(Math.log2(Math.abs(c))) - 52);
      const a = (ulp / 2) * (1 + 2 ** -52);
      for (const b of [1 - 2 ** -52, -(1 - 2 ** -52), 1 + 2 ** -52]) {
        for (const cc of [c, -c]) expect(fma64(a, b, cc)).toBe(exactFma(a, b, cc, 53));
      }
    }
  });
});
