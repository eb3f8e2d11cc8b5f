import type { Storage } from "./dtype.js";

/**
 * PyTorch's version counter (`tensor._version`), kept per storage buffer: every in-place write to
 * an existing tensor's elements bumps it, so that whatever was derived from the elements (the
 * packed weights that inference keeps in WebAssembly memory, see kernels/gemm.ts) can tell that it
 * is stale. Views of one buffer share one counter, as PyTorch's views share their base's.
 *
 * Kiln's own in-place writers bump it: optimizer steps, `Module.loadStateDict`, parameter
 * initialisation (`resetParameters`). Code that writes a tensor's `.data` directly — in this
 * thread or, through a shared buffer, in another — must call `bumpVersion(tensor)` before the
 * tensor is used as a weight again.
 */
const versions = new WeakMap<ArrayBufferLike, number>();

/** The version of the buffer under `data` (0 until the first bump). */
export function storageVersion(data: Storage): number {
  return versions.get(data.buffer) ?? 0;
}

/** Records an in-place write to the elements of `t` (a tensor, or its storage). */
export function bumpVersion(t: { readonly data: Storage } | Storage): void {
  const buffer = "buffer" in t ? t.buffer : t.data.buffer;
  versions.set(buffer, (versions.get(buffer) ?? 0) + 1);
}
