/* The float32 matmul behind the addon (sgemm_avx2.c), with the contract of gemm() in ../gemm.ts:
 * C[m×n] = relu((accumulate ? C : 0) + op(A)·op(B) + bias), row-major, each part optional;
 * op(A) is A[m×k] or, with trans_a, the transpose of an A stored [k×m]; op(B) is B[k×n] or, with
 * trans_b, the transpose of a B stored [n×k]. */
#ifndef KILN_SGEMM_H
#define KILN_SGEMM_H

#include <stddef.h>

typedef struct {
  size_t m, n, k;
  const float *a;
  int trans_a;
  const float *b;
  int trans_b;
  float *c;
  int accumulate;
  const float *bias; /* NULL for none */
  int relu;
} kiln_sgemm_args;

/* Needs AVX2 and FMA (the caller checks the CPU); m, n ≥ 1. Returns 0, or -1 when out of memory
 * (C is then unchanged). `threads` ≥ 2 lets a large product be split between the calling thread and
 * one more, with the same bits. */
int kiln_sgemm_avx2(const kiln_sgemm_args *args, int threads);

#endif
