/* The AVX2 + FMA float32 matmul (see sgemm.h), in the shape of BLIS and OpenBLAS: B is packed into
 * panels of NR columns and A into panels of MR rows, per block of KC steps of k, and a 6×16
 * register-blocked micro-kernel (12 of the 16 ymm registers accumulate) computes each tile of C;
 * the epilogue (C's earlier value, the bias, ReLU) is applied as the tile is written. Products of
 * fewer than MR rows (inference on a few samples) skip packing and stream B instead.
 * This file alone is compiled with -mavx2 -mfma; the addon calls it only on CPUs that have both. */
#include "sgemm.h"

#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum {
  MR = 6,
  NR = 16,
  /* a KC×NR panel of B (16 KiB) stays in L1, an MC×KC block of A (144 KiB) in L2 */
  KC = 256,
  MC = 144,
  NC = 4080,
};

/* Products of at least this many multiply-adds are split between two threads when allowed:
 * starting and joining a thread costs ~30 µs, a product this size ~50 µs on one core. */
#define SPLIT_MIN_WORK ((size_t)1 << 22)

static size_t min_size(size_t x, size_t y) { return x < y ? x : y; }
static size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

/* An operand's element (r, c) sits at p[r·rs + c·cs], whichever way it is stored. */
typedef struct {
  const float *p;
  size_t rs, cs;
} view;

/* rows [0, mc) × steps [0, kc) of A into MR-row panels: panel element (p, r) at p·MR + r, rows
 * past mc zero */
static void pack_a(view a, size_t mc, size_t kc, float *dst) {
  for (size_t i0 = 0; i0 < mc; i0 += MR, dst += MR * kc) {
    size_t mr = min_size(MR, mc - i0);
    const float *src = a.p + i0 * a.rs;
    for (size_t p = 0; p < kc; p++) {
      size_t r = 0;
      for (; r < mr; r++) dst[p * MR + r] = src[r * a.rs + p * a.cs];
      for (; r < MR; r++) dst[p * MR + r] = 0.0f;
    }
  }
}

/* steps [0, kc) × columns [0, nc) of B into NR-column panels: panel element (p, c) at p·NR + c,
 * columns past nc zero. A stored row (cs = 1) is copied a row at a time, a stored column (B
 * transposed) a column at a time, so that reads are always sequential. */
static void pack_b(view b, size_t kc, size_t nc, float *dst) {
  for (size_t j0 = 0; j0 < nc; j0 += NR, dst += NR * kc) {
    size_t nr = min_size(NR, nc - j0);
    const float *src = b.p + j0 * b.cs;
    if (nr < NR) memset(dst, 0, sizeof(float) * NR * kc);
    if (b.cs == 1) {
      for (size_t p = 0; p < kc; p++) {
        if (nr == NR) {
          _mm256_store_ps(dst + p * NR, _mm256_loadu_ps(src + p * b.rs));
          _mm256_store_ps(dst + p * NR + 8, _mm256_loadu_ps(src + p * b.rs + 8));
        } else {
          memcpy(dst + p * NR, src + p * b.rs, sizeof(float) * nr);
        }
      }
    } else {
      for (size_t c = 0; c < nr; c++)
        for (size_t p = 0; p < kc; p++) dst[p * NR + c] = src[c * b.cs + p];
    }
  }
}

/* How a tile's sums join C: on the first k-block C's earlier value (if accumulating) and the bias
 * come first, as in the TypeScript kernel; ReLU after the last block keeps NaN. */
typedef struct {
  int load_c;        /* add C's current value */
  const float *bias; /* first block only, offset to the tile's first column; NULL for none */
  int relu;          /* last block only */
} tile_epilogue;

static __m256 relu8(__m256 x) {
  __m256 keep = _mm256_or_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ), _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  return _mm256_and_ps(x, keep);
}

static float relu1(float x) { return x > 0.0f || x != x ? x : 0.0f; }

/* 8 sums into C at c (unaligned), with the epilogue */
static void store8(float *c, __m256 sum, const float *bias, const tile_epilogue *e) {
  __m256 base = e->load_c ? _mm256_loadu_ps(c) : _mm256_setzero_ps();
  if (bias) base = _mm256_add_ps(base, _mm256_loadu_ps(bias));
  __m256 x = _mm256_add_ps(base, sum);
  _mm256_storeu_ps(c, e->relu ? relu8(x) : x);
}

/* `count` sums into C one at a time (ragged tile edges), with the same arithmetic as store8 */
static void store_scalar(float *c, const float *sum, size_t count, const float *bias, const tile_epilogue *e) {
  for (size_t j = 0; j < count; j++) {
    float base = e->load_c ? c[j] : 0.0f;
    if (bias) base += bias[j];
    float x = base + sum[j];
    c[j] = e->relu ? relu1(x) : x;
  }
}

/* The 6×16 tile of C at c (row stride ldc), of which mr×nr is real, from kc steps of packed panels */
static void micro_kernel(size_t kc, const float *ap, const float *bp, float *c, size_t ldc, size_t mr, size_t nr,
                         const tile_epilogue *e) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (size_t p = 0; p < kc; p++, ap += MR, bp += NR) {
    __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8), a;
    a = _mm256_broadcast_ss(ap + 0), c00 = _mm256_fmadd_ps(a, b0, c00), c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(ap + 1), c10 = _mm256_fmadd_ps(a, b0, c10), c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(ap + 2), c20 = _mm256_fmadd_ps(a, b0, c20), c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(ap + 3), c30 = _mm256_fmadd_ps(a, b0, c30), c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(ap + 4), c40 = _mm256_fmadd_ps(a, b0, c40), c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(ap + 5), c50 = _mm256_fmadd_ps(a, b0, c50), c51 = _mm256_fmadd_ps(a, b1, c51);
  }
  __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (nr == NR) {
    for (size_t r = 0; r < mr; r++) {
      store8(c + r * ldc, acc[r][0], e->bias, e);
      store8(c + r * ldc + 8, acc[r][1], e->bias ? e->bias + 8 : NULL, e);
    }
    return;
  }
  float tile[NR];
  for (size_t r = 0; r < mr; r++) {
    _mm256_storeu_ps(tile, acc[r][0]);
    _mm256_storeu_ps(tile + 8, acc[r][1]);
    store_scalar(c + r * ldc, tile, nr, e->bias, e);
  }
}

/* The operands of one call as views, and C */
typedef struct {
  view a, b;
  float *c;
  size_t m, k, ldc;
  int accumulate, relu;
  const float *bias;
} problem;

/* Columns [j_begin, j_end) of C, with packing buffers pa (MC·KC) and pb (KC·NC, rounded) */
static void blocked(const problem *g, size_t j_begin, size_t j_end, float *pa, float *pb) {
  for (size_t jc = j_begin; jc < j_end; jc += NC) {
    size_t nc = min_size(NC, j_end - jc);
    for (size_t pc = 0; pc < g->k; pc += KC) {
      size_t kc = min_size(KC, g->k - pc);
      pack_b((view){g->b.p + pc * g->b.rs + jc * g->b.cs, g->b.rs, g->b.cs}, kc, nc, pb);
      int first = pc == 0, last = pc + kc == g->k;
      for (size_t ic = 0; ic < g->m; ic += MC) {
        size_t mc = min_size(MC, g->m - ic);
        pack_a((view){g->a.p + ic * g->a.rs + pc * g->a.cs, g->a.rs, g->a.cs}, mc, kc, pa);
        for (size_t jr = 0; jr < nc; jr += NR) {
          tile_epilogue e = {
              .load_c = !first || g->accumulate,
              .bias = first && g->bias ? g->bias + jc + jr : NULL,
              .relu = last && g->relu,
          };
          for (size_t ir = 0; ir < mc; ir += MR)
            micro_kernel(kc, pa + ir * kc, pb + jr * kc, g->c + (ic + ir) * g->ldc + jc + jr, g->ldc,
                         min_size(MR, mc - ir), min_size(NR, nc - jr), &e);
        }
      }
    }
  }
}

/* Fewer than MR rows: no packing. B stored [k×n]: each row of C is 64 columns at a time, 8
 * accumulators, over rows of B. B stored [n×k]: each element of C is a dot product of two
 * contiguous runs, 8 lanes at a time. */
static void few_rows(const problem *g, size_t j_begin, size_t j_end, float *row) {
  tile_epilogue e = {.load_c = g->accumulate, .bias = g->bias, .relu = g->relu};
  for (size_t i = 0; i < g->m; i++) {
    const float *a = g->a.p + i * g->a.rs;
    float *c = g->c + i * g->ldc;
    if (g->b.cs == 1) {
      size_t j = j_begin;
      for (; j + 64 <= j_end; j += 64) {
        __m256 s[8];
        for (int v = 0; v < 8; v++) s[v] = _mm256_setzero_ps();
        for (size_t p = 0; p < g->k; p++) {
          __m256 x = _mm256_broadcast_ss(a + p * g->a.cs);
          const float *b = g->b.p + p * g->b.rs + j;
          for (int v = 0; v < 8; v++) s[v] = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + 8 * v), s[v]);
        }
        for (int v = 0; v < 8; v++) store8(c + j + 8 * v, s[v], e.bias ? e.bias + j + 8 * v : NULL, &e);
      }
      for (; j < j_end; j += 8) {
        size_t width = min_size(8, j_end - j);
        __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)width), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256 s = _mm256_setzero_ps();
        for (size_t p = 0; p < g->k; p++)
          s = _mm256_fmadd_ps(_mm256_broadcast_ss(a + p * g->a.cs), _mm256_maskload_ps(g->b.p + p * g->b.rs + j, lanes), s);
        float sum[8];
        _mm256_storeu_ps(sum, s);
        store_scalar(c + j, sum, width, e.bias ? e.bias + j : NULL, &e);
      }
      continue;
    }
    /* A's row may be strided (A transposed): gathered into `row` first, so the dot products stream */
    float sums[8];
    if (g->a.cs != 1) {
      for (size_t p = 0; p < g->k; p++) row[p] = a[p * g->a.cs];
      a = row;
    }
    for (size_t j = j_begin; j < j_end; j += 8) {
      size_t width = min_size(8, j_end - j);
      for (size_t jj = 0; jj < width; jj++) {
        const float *b = g->b.p + (j + jj) * g->b.cs;
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        size_t p = 0;
        for (; p + 16 <= g->k; p += 16) {
          s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + p), _mm256_loadu_ps(b + p), s0);
          s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + p + 8), _mm256_loadu_ps(b + p + 8), s1);
        }
        __m256 s = _mm256_add_ps(s0, s1);
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_movehdup_ps(h));
        float dot = _mm_cvtss_f32(h);
        for (; p < g->k; p++) dot = fmaf(a[p], b[p], dot);
        sums[jj] = dot;
      }
      store_scalar(c + j, sums, width, e.bias ? e.bias + j : NULL, &e);
    }
  }
}

/* One thread's share of the columns of C, with its scratch: packing buffers, or for few rows
 * with both operands transposed a gathered row of A */
typedef struct {
  const problem *g;
  size_t j_begin, j_end;
  float *pa, *pb, *row;
} share;

static void *compute_share(void *arg) {
  share *s = arg;
  if (s->g->m >= MR) blocked(s->g, s->j_begin, s->j_end, s->pa, s->pb);
  else few_rows(s->g, s->j_begin, s->j_end, s->row);
  return NULL;
}

static void release(share *s) {
  free(s->pa);
  free(s->pb);
  free(s->row);
}

/* The scratch for s's columns; 0, or -1 when out of memory (nothing then held) */
static int allocate(share *s) {
  const problem *g = s->g;
  if (g->m < MR) {
    if (g->a.cs == 1 || g->b.cs == 1) return 0;
    s->row = malloc(sizeof(float) * g->k);
    return s->row ? 0 : -1;
  }
  size_t kc = min_size(KC, g->k);
  size_t pa = round_up(min_size(MC, g->m), MR) * kc, pb = round_up(min_size(NC, s->j_end - s->j_begin), NR) * kc;
  s->pa = aligned_alloc(64, round_up(sizeof(float) * pa, 64));
  s->pb = aligned_alloc(64, round_up(sizeof(float) * pb, 64));
  if (s->pa && s->pb) return 0;
  release(s);
  return -1;
}

int kiln_sgemm_avx2(const kiln_sgemm_args *args, int threads) {
  const size_t m = args->m, n = args->n, k = args->k;
  problem g = {
      /* A(i, p) sits at i·k + p, or p·m + i when stored transposed; B(p, j) at p·n + j, or j·k + p */
      .a = {args->a, args->trans_a ? 1 : k, args->trans_a ? m : 1},
      .b = {args->b, args->trans_b ? 1 : n, args->trans_b ? k : 1},
      .c = args->c,
      .m = m,
      .k = k,
      .ldc = n,
      .accumulate = args->accumulate,
      .relu = args->relu,
      .bias = args->bias,
  };
  /* each thread takes whole 16-column panels, so every element of C is summed the same way */
  size_t split = threads >= 2 && m * n * k >= SPLIT_MIN_WORK && n >= 2 * NR ? round_up(n / 2, NR) : n;
  share first = {&g, 0, split, NULL, NULL, NULL}, second = {&g, split, n, NULL, NULL, NULL};
  if (allocate(&first) != 0) return -1;
  if (split < n && allocate(&second) != 0) {
    release(&first);
    return -1;
  }
  pthread_t helper;
  int helped = split < n && pthread_create(&helper, NULL, compute_share, &second) == 0;
  compute_share(&first);
  if (helped) pthread_join(helper, NULL);
  else if (split < n) compute_share(&second);
  release(&first);
  release(&second);
  return 0;
}
