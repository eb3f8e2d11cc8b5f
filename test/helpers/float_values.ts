/** Inputs and comparisons for tests that demand bit-identical float32 results (optimizer kernels). */

/**
 * Deterministic values: mostly normal-ish over a wide range of magnitudes, some tiny, some huge,
 * some exact zeros; with `special`, a few NaNs, infinities and negative zeros too.
 */
export function floatValues(n: number, seed: number, special: boolean): Float32Array {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out = new Float32Array(new SharedArrayBuffer(n * 4));
  for (let i = 0; i < n; i++) {
    const r = next();
    const sign = next() < 0.5 ? -1 : 1;
    let v = sign * (0.5 + next()) * 2 ** Math.floor(next() * 24 - 16);
    if (r < 0.03) v = 0;
    else if (r < 0.05) v = sign * 1e-30 * next();
    else if (r < 0.06) v = sign * 3e4 * next();
    if (special && r > 0.995) v = [NaN, Infinity, -Infinity, -0][Math.floor(next() * 4)]!;
    out[i] = v;
  }
  return out;
}

/** The bit patterns of `x`, every NaN as one pattern (NaN payloads are not compared). */
export function bits(x: Float32Array): Int32Array {
  const out = new Int32Array(x.length);
  const v = new Int32Array(x.buffer, x.byteOffset, x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] !== x[i] ? 0x7fc00000 : v[i]!;
  return out;
}
