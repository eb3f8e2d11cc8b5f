import { afterEach, describe, expect, it, vi } from "vitest";

describe("relaxed SIMD (the matmul's fused multiply-add)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  const load = async () => (await import("../../src/tensor/kernels/wasm/relaxed.js")).relaxedSimdAvailable;
  const gemmModule = async () => import("../../src/tensor/kernels/wasm/gemm_wasm.js");

  it("is available by default, and the default kernel uses it", async () => {
    vi.stubEnv("KILN_WASM_FMA", "");
    vi.resetModules();
    expect((await load())()).toBe(true);
    expect(new (await gemmModule()).WasmGemm().fma).toBe(true);
  });

  it("KILN_WASM_FMA=0 keeps the default kernel unfused; anything but 0 or 1 is refused", async () => {
    vi.stubEnv("KILN_WASM_FMA", "0");
    vi.resetModules();
    expect((await load())()).toBe(false);
    expect(new (await gemmModule()).WasmGemm().fma).toBe(false);
    vi.stubEnv("KILN_WASM_FMA", "yes");
    vi.resetModules();
    expect(await load()).toThrow(/KILN_WASM_FMA/);
  });
});
