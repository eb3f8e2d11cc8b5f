{
  "targets": [
    {
      "target_name": "kiln_native",
      "sources": ["src/tensor/kernels/native/addon.c"],
      "dependencies": ["kiln_sgemm_avx2"],
      "cflags_c": ["-std=c11"],
    },
    {
      "target_name": "kiln_sgemm_avx2",
      "type": "static_library",
      "sources": ["src/tensor/kernels/native/sgemm_avx2.c"],
      "cflags_c": ["-std=c11", "-O3", "-mavx2", "-mfma"],
    },
  ],
}
