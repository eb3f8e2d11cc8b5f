import { nativeKernel, setGemmBackend, wasmKernel, type GemmBackend } from "../../src/tensor/kernels/gemm.js";

/**
 * The float32 product kernels that work here, the TypeScript reference first: parity tests run on
 * each. CI sets KILN_TEST_NATIVE=required so that a native build that silently failed (the install
 * step lets it) fails test/tensor/gemm.test.ts instead of leaving the native kernel untested.
 */
export const FLOAT32_GEMM_BACKENDS: readonly GemmBackend[] = [
  "ts",
  ...(wasmKernel() ? (["wasm"] as const) : []),
  ...(nativeKernel() ? (["native"] as const) : []),
];

/** Runs `body` with `backend` chosen, then restores the kernel chosen before. */
export function withGemmBackend<T>(backend: GemmBackend, body: () => T): T {
  const previous = setGemmBackend(backend);
  try {
    return body();
  } finally {
    setGemmBackend(previous);
  }
}
