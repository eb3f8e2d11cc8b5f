import type { FloatStorage } from "../dtype.js";

/**
 * C[m×n] (+)= op(A)·op(B), row-major, where op(A) is A[m×k] or, with `transA`, Aᵀ of an A stored
 * as [k×m]; likewise B is [k×n] or, with `transB`, stored as [n×k]. Backward passes use the
 * transposed forms so no transpose is ever materialised. Offsets select one matrix of a batch.
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: FloatStorage,
  aOffset: number,
  transA: boolean,
  b: FloatStorage,
  bOffset: number,
  transB: boolean,
  c: FloatStorage,
  cOffset: number,
  accumulate: boolean,
): void {
  if (!accumulate) c.fill(0, cOffset, cOffset + m * n);
  if (!transB) {
    // i-p-j order: the innermost loop streams rows of B and C
    for (let i = 0; i < m; i++) {
      const ci = cOffset + i * n;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[aOffset + p * m + i]! : a[aOffset + i * k + p]!;
        if (av === 0) continue;
        const bp = bOffset + p * n;
        for (let j = 0; j < n; j++) c[ci + j]! += av * b[bp + j]!;
      }
    }
    return;
  }
  // B stored as [n×k]: dot products of rows of op(A) with rows of B
  for (let i = 0; i < m; i++) {
    const ci = cOffset + i * n;
    for (let j = 0; j < n; j++) {
      const bj = bOffset + j * k;
      let s = 0;
      if (transA) for (let p = 0; p < k; p++) s += a[aOffset + p * m + i]! * b[bj + p]!;
      else {
        const ai = aOffset + i * k;
        for (let p = 0; p < k; p++) s += a[ai + p]! * b[bj + p]!;
      }
      c[ci + j]! += s;
    }
  }
}
