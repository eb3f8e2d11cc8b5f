/* Kiln's native kernels as a Node-API addon: `supported()` says whether this CPU has AVX2 and FMA,
 * `sgemm(...)` runs the matmul of sgemm.h in place on Float32Arrays (SharedArrayBuffer-backed or
 * not). Context-aware (NAPI_MODULE_INIT), so every worker thread can load it. This file is
 * compiled without -mavx2: it only calls into sgemm_avx2.c after checking the CPU. */
#include <node_api.h>
#include <stdint.h>

#include "sgemm.h"

static int cpu_supported(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

/* Throws `message` as a TypeError (kind 0) or RangeError (kind 1) and returns NULL */
static napi_value fail(napi_env env, int kind, const char *message) {
  if (kind == 0) napi_throw_type_error(env, NULL, message);
  else napi_throw_range_error(env, NULL, message);
  return NULL;
}

static int get_size(napi_env env, napi_value v, size_t *out) {
  double x;
  if (napi_get_value_double(env, v, &x) != napi_ok || !(x >= 0 && x <= 9007199254740991.0) || x != (double)(size_t)x) return 0;
  *out = (size_t)x;
  return 1;
}

static int get_flag(napi_env env, napi_value v) {
  bool b = false;
  napi_get_value_bool(env, v, &b);
  return b;
}

/* The floats of a Float32Array from `offset` on, if at least `count` of them are there */
static float *floats(napi_env env, napi_value v, size_t offset, size_t count) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_float32_array) return NULL;
  if (offset > length || count > length - offset) return NULL;
  return (float *)data + offset;
}

static napi_value supported(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_get_boolean(env, cpu_supported(), &result);
  return result;
}

/* sgemm(m, n, k, a, aOffset, transA, b, bOffset, transB, c, cOffset, accumulate, bias, biasOffset,
 *       relu, threads): the contract of gemm() in ../gemm.ts, m, n, k ≥ 1, bias a Float32Array or null */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value argv[16];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 16) return fail(env, 0, "sgemm takes 16 arguments");
  size_t m, n, k, a_offset, b_offset, c_offset, bias_offset, threads;
  if (!get_size(env, argv[0], &m) || !get_size(env, argv[1], &n) || !get_size(env, argv[2], &k) || m == 0 || n == 0 || k == 0)
    return fail(env, 1, "sgemm needs whole numbers m, n, k >= 1");
  if (!get_size(env, argv[4], &a_offset) || !get_size(env, argv[7], &b_offset) || !get_size(env, argv[10], &c_offset) ||
      !get_size(env, argv[13], &bias_offset) || !get_size(env, argv[15], &threads))
    return fail(env, 1, "sgemm's offsets and thread count must be whole numbers >= 0");
  if (m > SIZE_MAX / n || m * n > SIZE_MAX / k) return fail(env, 1, "sgemm's product is too large");
  kiln_sgemm_args args = {
      .m = m,
      .n = n,
      .k = k,
      .a = floats(env, argv[3], a_offset, m * k),
      .trans_a = get_flag(env, argv[5]),
      .b = floats(env, argv[6], b_offset, k * n),
      .trans_b = get_flag(env, argv[8]),
      .c = floats(env, argv[9], c_offset, m * n),
      .accumulate = get_flag(env, argv[11]),
      .bias = NULL,
      .relu = get_flag(env, argv[14]),
  };
  if (!args.a || !args.b || !args.c) return fail(env, 0, "sgemm's a, b and c must be Float32Arrays holding the matrices from their offsets");
  napi_valuetype bias_type;
  napi_typeof(env, argv[12], &bias_type);
  if (bias_type != napi_null) {
    args.bias = floats(env, argv[12], bias_offset, n);
    if (!args.bias) return fail(env, 0, "sgemm's bias must be null or a Float32Array holding n values from its offset");
  }
  if (!cpu_supported()) return fail(env, 1, "this CPU lacks AVX2 or FMA");
  if (kiln_sgemm_avx2(&args, threads > 64 ? 64 : (int)threads) != 0) {
    napi_throw_error(env, "ENOMEM", "sgemm could not allocate its packing buffers");
    return NULL;
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor properties[] = {
      {"supported", NULL, supported, NULL, NULL, NULL, napi_default, NULL},
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, 2, properties) != napi_ok) return NULL;
  return exports;
}
