import { Code, encodeModule, I32, V128, type Local, type MemoryImport } from "./encoder.js";

/**
 * The float32 matmul kernels in WebAssembly SIMD, emitted by `encoder.ts` when the module is first
 * needed (about 5 KB of code, a few milliseconds once per process).
 *
 * C (+)= A·B is computed GotoBLAS-style over operands packed into WebAssembly memory:
 * - A is packed into panels of MR rows: panel i holds A[i·MR + r, p] at [p·MR + r], so one step of
 *   p reads MR consecutive floats; B into panels of NR = 4·NV columns: B[p, j·NR + c] at [p·NR + c].
 *   Both are zero-padded to whole panels, so the micro-kernel never sees an edge. Packing reads the
 *   operand through two strides, which is how transposed operands cost nothing extra.
 * - The micro-kernel keeps an MR×NR tile of C in MR·NV f32x4 registers; each step of p loads NV
 *   vectors of B, broadcasts each of the MR values of A in turn (`v128.load32_splat`) and does MR·NV
 *   multiply-adds: fused (`f32x4.relaxed_madd`) with `fma`, else a multiply and an add. With
 *   MR = 4, NV = 2 that is 8 accumulators + 2 B vectors + 1 broadcast (+ 1 product), within V8's 15
 *   allocatable vector registers; TurboFan compiles the step to 2 loads, 4 broadcasts and 8
 *   vfmadd231ps (or 8 vmulps + 8 vaddps) with no spills. Larger tiles (5×8, 6×8, 4×12, 3×12)
 *   measured at half the speed without FMA, and 5×8, 4×12, 3×16 at 60–80 % of 4×8 with it.
 * - That step is bound by the floating-point ports: on AMD Zen (separate multiply and add pipes)
 *   about 48 GFLOP/s either way, which the kernel reaches 45–47 of; on Intel's Golden Cove cores,
 *   where multiplies and adds share ports, FMA makes it 18–40 % faster (same-process A/B).
 * - Loops: k in blocks of KC (so a KC×NR panel of B stays in L1 while it meets MCP·MR rows of A
 *   from L2), then blocks of MCP panels of A, then panels of B, then panels of A. The first k-block
 *   stores the tile (unless accumulating), later ones add to it; KC and MCP move results by a few
 *   per cent at most for n ≤ 1024.
 */
export interface GemmKernelShape {
  /** rows of the C tile (A panel width) */
  readonly mr: number;
  /** f32x4 vectors per row of the C tile; NR = 4·nv columns (B panel width) */
  readonly nv: number;
  /** depth of a k-block */
  readonly kc: number;
  /** A panels per m-block */
  readonly mcPanels: number;
  /** multiply-adds fused (relaxed SIMD; only where relaxed.ts says it compiles) */
  readonly fma: boolean;
}

/** The tile and blocking Kiln uses; `fma` as relaxed.ts finds it. */
export const DEFAULT_SHAPE: Omit<GemmKernelShape, "fma"> = { mr: 4, nv: 2, kc: 512, mcPanels: 8 };

/** Emits acc = acc + a·b for three f32x4 locals, fused with `fma`; `b` may be pushed by `pushB`. */
function multiplyAdd(c: Code, fma: boolean, acc: Local, a: Local, pushB: () => void): void {
  if (fma) {
    c.get(a);
    pushB();
    c.get(acc).f32x4RelaxedMadd().set(acc);
  } else {
    c.get(acc).get(a);
    pushB();
    c.f32x4Mul().f32x4Add().set(acc);
  }
}

/** Emits `while (cond) body` where `cond` leaves an i32 on the stack. */
function whileLoop(c: Code, cond: () => void, body: () => void): void {
  c.block(() =>
    c.loop(() => {
      cond();
      c.i32Eqz().brIf(1);
      body();
      c.br(0);
    }),
  );
}

/** Emits `do body while (--counter !== 0)`; the counter must start ≥ 1. */
function countDown(c: Code, counter: Local, body: () => void): void {
  c.loop(() => {
    body();
    c.get(counter).i32Const(1).i32Sub().tee(counter).brIf(0);
  });
}

/** `l += delta` for an i32 constant */
function addConst(c: Code, l: Local, delta: number): void {
  c.get(l).i32Const(delta).i32Add().set(l);
}

/** `l += d` for an i32 local */
function addLocal(c: Code, l: Local, d: Local): void {
  c.get(l).get(d).i32Add().set(l);
}

/**
 * The start of the k-block at `pc`, shared by both compute functions: kc = min(KC, k - pc);
 * add = pc > 0 || ACCUMULATE (later blocks add to the tile); addBias = pc == 0 && BIAS;
 * relu = pc + kc == k && RELU (only the last block applies it).
 */
function kBlock(c: Code, KC: number, l: { k: Local; pc: Local; flags: Local; kc: Local; add: Local; addBias: Local; relu: Local }): void {
  const { k, pc, flags, kc, add, addBias, relu } = l;
  c.get(k).get(pc).i32Sub().tee(kc).i32Const(KC).get(kc).i32Const(KC).i32LtS().select().set(kc);
  c.get(pc).i32Const(0).i32GtS().get(flags).i32Const(ACCUMULATE).i32And().i32Or().set(add);
  c.get(pc).i32Eqz().get(flags).i32Const(BIAS).i32And().i32Const(0).i32Ne().i32And().set(addBias);
  c.get(pc).get(kc).i32Add().get(k).i32Eq().get(flags).i32Const(RELU).i32And().i32Const(0).i32Ne().i32And().set(relu);
}

/**
 * pack(src, rs, ps, rows, k, dst): panels of R rows, element (i, p) read at src + i·rs + p·ps
 * (strides in bytes), written as described above, rows past `rows` zero-filled. Panels whose rows
 * are consecutive in memory (rs = 4) are copied a vector at a time, panels whose p is consecutive
 * (ps = 4) are transposed 4×4 blocks at a time; anything else element by element.
 */
function packFunction(R: number): Code {
  const c = new Code([I32, I32, I32, I32, I32, I32]);
  const [src, rs, ps, rows, k, dst] = [0, 1, 2, 3, 4, 5].map((i) => c.param(i));
  const i0 = c.local(I32);
  const s = c.local(I32);
  const d = c.local(I32);
  const p = c.local(I32);
  const rowStep = R * 4;
  const vectors = Array.from({ length: 4 }, () => c.local(V128));
  const [t0, t1, t2, t3] = Array.from({ length: 4 }, () => c.local(V128));

  whileLoop(
    c,
    () => c.get(i0).get(rows).i32LtS(),
    () => {
      if (R % 4 !== 0) stridedPanel(); // the vector paths need whole vectors
      else {
        c.get(i0).i32Const(R).i32Add().get(rows).i32LeS();
        c.if(
          () => {
            // a full panel
            c.get(rs).i32Const(4).i32Eq();
            c.if(
              () => {
                // rows consecutive: each p is R consecutive floats
                c.get(src).get(i0).get(rs).i32Mul().i32Add().set(s);
                c.get(dst).set(d);
                c.get(k).set(p);
                countDown(c, p, () => {
                  for (let v = 0; v < R / 4; v++) c.get(d).get(s).v128Load(16 * v).v128Store(16 * v);
                  addLocal(c, s, ps);
                  addConst(c, d, rowStep);
                });
              },
              () => {
                c.get(ps).i32Const(4).i32Eq();
                c.if(
                  () => transposePanel(),
                  () => stridedPanel(),
                );
              },
            );
          },
          () => stridedPanel(),
        );
      }
      c.get(dst).i32Const(R * 4).get(k).i32Mul().i32Add().set(dst);
      addConst(c, i0, R);
    },
  );
  return c;

  /** Element by element, zero past `rows`. */
  function stridedPanel(): void {
    for (let r = 0; r < R; r++) {
      c.get(dst).i32Const(4 * r).i32Add().set(d);
      c.get(k).set(p);
      c.get(i0).i32Const(r).i32Add().get(rows).i32LtS();
      c.if(
        () => {
          c.get(src).get(i0).i32Const(r).i32Add().get(rs).i32Mul().i32Add().set(s);
          countDown(c, p, () => {
            c.get(d).get(s).f32Load().f32Store();
            addLocal(c, s, ps);
            addConst(c, d, rowStep);
          });
        },
        () =>
          countDown(c, p, () => {
            c.get(d).f32Const(0).f32Store();
            addConst(c, d, rowStep);
          }),
      );
    }
  }

  /** ps = 4: each row's p run is contiguous; transpose 4 rows × 4 p at a time, then the tail. */
  function transposePanel(): void {
    for (let g = 0; g < R / 4; g++) {
      // s: first row of the group at p = 0; d: its column in the panel
      c.get(src).get(i0).i32Const(4 * g).i32Add().get(rs).i32Mul().i32Add().set(s);
      c.get(dst).i32Const(16 * g).i32Add().set(d);
      c.get(k).i32Const(2).i32Shl().set(p); // p counts bytes left in the row; at most 4·k
      whileLoop(
        c,
        () => c.get(p).i32Const(16).i32GeS(),
        () => {
          for (let r = 0; r < 4; r++) {
            c.get(s);
            if (r > 0) c.get(rs).i32Const(r).i32Mul().i32Add();
            c.v128Load().set(vectors[r]!);
          }
          const [r0, r1, r2, r3] = vectors as [Local, Local, Local, Local];
          c.get(r0).get(r1).i32x4Shuffle([0, 4, 1, 5]).set(t0); // a0 b0 a1 b1
          c.get(r2).get(r3).i32x4Shuffle([0, 4, 1, 5]).set(t1); // c0 d0 c1 d1
          c.get(r0).get(r1).i32x4Shuffle([2, 6, 3, 7]).set(t2); // a2 b2 a3 b3
          c.get(r2).get(r3).i32x4Shuffle([2, 6, 3, 7]).set(t3); // c2 d2 c3 d3
          c.get(d).get(t0).get(t1).i32x4Shuffle([0, 1, 4, 5]).v128Store(0);
          c.get(d).get(t0).get(t1).i32x4Shuffle([2, 3, 6, 7]).v128Store(rowStep);
          c.get(d).get(t2).get(t3).i32x4Shuffle([0, 1, 4, 5]).v128Store(2 * rowStep);
          c.get(d).get(t2).get(t3).i32x4Shuffle([2, 3, 6, 7]).v128Store(3 * rowStep);
          addConst(c, s, 16);
          addConst(c, d, 4 * rowStep);
          c.get(p).i32Const(16).i32Sub().set(p);
        },
      );
      whileLoop(
        c,
        () => c.get(p),
        () => {
          for (let r = 0; r < 4; r++) {
            c.get(d).get(s);
            if (r > 0) c.get(rs).i32Const(r).i32Mul().i32Add();
            c.f32Load().f32Store(4 * r);
          }
          addConst(c, s, 4);
          addConst(c, d, rowStep);
          c.get(p).i32Const(4).i32Sub().set(p);
        },
      );
    }
  }
}

/** Bits of compute's `flags`. */
export const ACCUMULATE = 1;
export const BIAS = 2;
export const RELU = 4;

/**
 * compute(pa, pb, c, mPanels, nPanels, k, ldc, flags, bias): C (+)= A·B over packed panels; C's
 * rows are ldc bytes apart and it holds mPanels·MR rows and nPanels·NR columns; k ≥ 1. Without
 * ACCUMULATE the first k-block overwrites C. The epilogue, in registers: with BIAS the
 * nPanels·NR floats at `bias` are added to every row (once, in the first k-block), with RELU the
 * last k-block stores max(x, 0) (NaN stays NaN, as `f32x4.max` propagates it).
 */
function computeFunction(shape: GemmKernelShape): Code {
  const { mr: MR, nv: NV, kc: KC, mcPanels: MCP } = shape;
  const NR = 4 * NV;
  const c = new Code([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [pa0, pb0, c0, mPanels, nPanels, k, ldc, flags, bias] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => c.param(i));
  const [pc, kc, ic, icEnd, jb, ib, pa, pb, pbBase, ct, p, add, addBias, relu, biasAt] = Array.from({ length: 15 }, () =>
    c.local(I32),
  );
  const acc = Array.from({ length: MR * NV }, () => c.local(V128));
  const bv = Array.from({ length: NV }, () => c.local(V128));
  const av = c.local(V128);

  whileLoop(
    c,
    () => c.get(pc).get(k).i32LtS(),
    () => {
      kBlock(c, KC, { k, pc, flags, kc, add, addBias, relu });
      c.i32Const(0).set(ic);
      whileLoop(
        c,
        () => c.get(ic).get(mPanels).i32LtS(),
        () => {
          c.get(ic).i32Const(MCP).i32Add().tee(icEnd).get(mPanels).get(icEnd).get(mPanels).i32LtS().select().set(icEnd);
          c.i32Const(0).set(jb);
          whileLoop(
            c,
            () => c.get(jb).get(nPanels).i32LtS(),
            () => {
              // pbBase = pb0 + (jb·k + pc)·NR·4; biasAt = bias + jb·NR·4
              c.get(pb0).get(jb).get(k).i32Mul().get(pc).i32Add().i32Const(NR * 4).i32Mul().i32Add().set(pbBase);
              c.get(bias).get(jb).i32Const(NR * 4).i32Mul().i32Add().set(biasAt);
              c.get(ic).set(ib);
              whileLoop(
                c,
                () => c.get(ib).get(icEnd).i32LtS(),
                () => {
                  c.get(pa0).get(ib).get(k).i32Mul().get(pc).i32Add().i32Const(MR * 4).i32Mul().i32Add().set(pa);
                  c.get(pbBase).set(pb);
                  for (const a of acc) c.v128Const0().set(a);
                  c.get(kc).set(p);
                  countDown(c, p, () => {
                    for (let v = 0; v < NV; v++) c.get(pb).v128Load(16 * v).set(bv[v]!);
                    for (let r = 0; r < MR; r++) {
                      c.get(pa).v128Load32Splat(4 * r).set(av);
                      for (let v = 0; v < NV; v++) multiplyAdd(c, shape.fma, acc[r * NV + v]!, av, () => c.get(bv[v]!));
                    }
                    addConst(c, pa, MR * 4);
                    addConst(c, pb, NR * 4);
                  });
                  // ct = c0 + ib·MR·ldc + jb·NR·4
                  c.get(c0).get(ib).i32Const(MR).i32Mul().get(ldc).i32Mul().i32Add();
                  c.get(jb).i32Const(NR * 4).i32Mul().i32Add().set(ct);
                  finishTile();
                  addConst(c, ib, 1);
                },
              );
              addConst(c, jb, 1);
            },
          );
          c.get(icEnd).set(ic);
        },
      );
      addConst(c, pc, KC);
    },
  );
  return c;

  /** acc (+ C) (+ bias), (max 0), stored to the tile at ct. */
  function finishTile(): void {
    const rows = (body: (r: number) => void): void => {
      c.get(ct).set(p); // p is free here: the row pointer
      for (let r = 0; r < MR; r++) {
        body(r);
        if (r < MR - 1) addLocal(c, p, ldc);
      }
    };
    const each = (f: (x: Local, v: number) => void): void => {
      for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) f(acc[r * NV + v]!, v);
    };
    c.get(add).if(() =>
      rows((r) => {
        for (let v = 0; v < NV; v++) {
          const x = acc[r * NV + v]!;
          c.get(x).get(p).v128Load(16 * v).f32x4Add().set(x);
        }
      }),
    );
    c.get(addBias).if(() => each((x, v) => c.get(x).get(biasAt).v128Load(16 * v).f32x4Add().set(x)));
    c.get(relu).if(() => {
      c.v128Const0().set(av);
      each((x) => c.get(x).get(av).f32x4Max().set(x));
    });
    rows((r) => {
      for (let v = 0; v < NV; v++) c.get(p).get(acc[r * NV + v]!).v128Store(16 * v);
    });
  }
}

/**
 * computeRows(pa, pb, c, rows, nPanels, k, ldc, flags, bias): what `compute` does for the first
 * `rows` rows (1 ≤ rows ≤ MR) of a single A panel, one row at a time, for products of one to three
 * rows (a matrix-vector product, inference at batch 1) where `compute` would spend three quarters
 * of its work on the panel's zero padding. A row meets ROW_PANELS panels of B at once (a
 * 1×(ROW_PANELS·NR) tile in ROW_PANELS·NV accumulators): one panel alone leaves the loop waiting
 * on the latency of its NV dependent additions. Each element is accumulated in the same order with
 * the same operations as in `compute` (elements are independent there), so the results are
 * identical bit for bit.
 */
const ROW_PANELS = 3; // measured: 1 → 22 µs, 2 → 15, 3 → 14, 4 → 25 for 1×784·784×256

function computeRowsFunction(shape: GemmKernelShape): Code {
  const { mr: MR, nv: NV, kc: KC } = shape;
  const NR = 4 * NV;
  const G = ROW_PANELS;
  const c = new Code([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [pa0, pb0, c0, rows, nPanels, k, ldc, flags, bias] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => c.param(i));
  const [pc, kc, jb, r, pa, pbBase, ct, p, add, addBias, relu, biasAt, panelBytes] = Array.from({ length: 13 }, () => c.local(I32));
  const pbq = Array.from({ length: G }, () => c.local(I32));
  const acc = Array.from({ length: G * NV }, () => c.local(V128));
  const av = c.local(V128);

  /** Rows 0..rows-1 against `g` panels from jb (pbBase, biasAt set for jb). */
  function panels(g: number): void {
    c.i32Const(0).set(r);
    whileLoop(
      c,
      () => c.get(r).get(rows).i32LtS(),
      () => {
        // pa = pa0 + (pc·MR + r)·4: row r of the panel at depth pc
        c.get(pa0).get(pc).i32Const(MR).i32Mul().get(r).i32Add().i32Const(4).i32Mul().i32Add().set(pa);
        // panel q of the group starts panelBytes = k·NR·4 bytes after panel q − 1
        for (let q = 0; q < g; q++) {
          c.get(pbBase);
          if (q > 0) c.get(panelBytes).i32Const(q).i32Mul().i32Add();
          c.set(pbq[q]!);
        }
        for (let x = 0; x < g * NV; x++) c.v128Const0().set(acc[x]!);
        c.get(kc).set(p);
        countDown(c, p, () => {
          c.get(pa).v128Load32Splat(0).set(av);
          for (let q = 0; q < g; q++) {
            for (let v = 0; v < NV; v++) multiplyAdd(c, shape.fma, acc[q * NV + v]!, av, () => c.get(pbq[q]!).v128Load(16 * v));
          }
          addConst(c, pa, MR * 4);
          for (let q = 0; q < g; q++) addConst(c, pbq[q]!, NR * 4);
        });
        // ct = c0 + r·ldc + jb·NR·4
        c.get(c0).get(r).get(ldc).i32Mul().i32Add().get(jb).i32Const(NR * 4).i32Mul().i32Add().set(ct);
        c.get(add).if(() => {
          for (let x = 0; x < g * NV; x++) c.get(acc[x]!).get(ct).v128Load(16 * x).f32x4Add().set(acc[x]!);
        });
        c.get(addBias).if(() => {
          for (let x = 0; x < g * NV; x++) c.get(acc[x]!).get(biasAt).v128Load(16 * x).f32x4Add().set(acc[x]!);
        });
        c.get(relu).if(() => {
          c.v128Const0().set(av);
          for (let x = 0; x < g * NV; x++) c.get(acc[x]!).get(av).f32x4Max().set(acc[x]!);
        });
        for (let x = 0; x < g * NV; x++) c.get(ct).get(acc[x]!).v128Store(16 * x);
        addConst(c, r, 1);
      },
    );
  }

  c.get(k).i32Const(NR * 4).i32Mul().set(panelBytes);
  whileLoop(
    c,
    () => c.get(pc).get(k).i32LtS(),
    () => {
      kBlock(c, KC, { k, pc, flags, kc, add, addBias, relu });
      c.i32Const(0).set(jb);
      const group = (g: number): void =>
        whileLoop(
          c,
          () => c.get(jb).i32Const(g).i32Add().get(nPanels).i32LeS(),
          () => {
            c.get(pb0).get(jb).get(k).i32Mul().get(pc).i32Add().i32Const(NR * 4).i32Mul().i32Add().set(pbBase);
            c.get(bias).get(jb).i32Const(NR * 4).i32Mul().i32Add().set(biasAt);
            panels(g);
            addConst(c, jb, g);
          },
        );
      for (let g = G; g >= 1; g--) group(g);
      addConst(c, pc, KC);
    },
  );
  return c;
}

/**
 * compact(c, rows, ldc, n): moves the rows of C (ldc bytes apart, n bytes used, n a multiple of 4)
 * together, row i to c + i·n, so that one copy takes C out. Rows only move down in memory and each
 * value is loaded before it is stored: moving forward, a vector (then the last 1–3 floats one by
 * one) at a time, never overwrites what is still to be read.
 */
function compactFunction(): Code {
  const c = new Code([I32, I32, I32, I32]);
  const [c0, rows, ldc, n] = [0, 1, 2, 3].map((i) => c.param(i));
  const [i, src, dst, q] = [c.local(I32), c.local(I32), c.local(I32), c.local(I32)];
  c.i32Const(1).set(i); // row 0 stays
  whileLoop(
    c,
    () => c.get(i).get(rows).i32LtS(),
    () => {
      c.get(c0).get(i).get(ldc).i32Mul().i32Add().set(src);
      c.get(c0).get(i).get(n).i32Mul().i32Add().set(dst);
      c.i32Const(0).set(q);
      whileLoop(
        c,
        () => c.get(q).i32Const(16).i32Add().get(n).i32LeS(),
        () => {
          c.get(dst).get(q).i32Add().get(src).get(q).i32Add().v128Load().v128Store();
          addConst(c, q, 16);
        },
      );
      whileLoop(
        c,
        () => c.get(q).get(n).i32LtS(),
        () => {
          c.get(dst).get(q).i32Add().get(src).get(q).i32Add().f32Load().f32Store();
          addConst(c, q, 4);
        },
      );
      addConst(c, i, 1);
    },
  );
  return c;
}

/**
 * The module's bytes: exports `packA` (MR-row panels), `packB` (NR-column panels), `compute`,
 * `computeRows` and `compact`, and imports `env.memory` as `memory` describes (WasmGemm's is
 * shared, so that a helper thread can compute in it too).
 */
export function gemmModuleBytes(shape: GemmKernelShape, memory: MemoryImport = {}): Uint8Array {
  return encodeModule([
    { name: "packA", code: packFunction(shape.mr) },
    { name: "packB", code: packFunction(4 * shape.nv) },
    { name: "compute", code: computeFunction(shape) },
    { name: "computeRows", code: computeRowsFunction(shape) },
    { name: "compact", code: compactFunction() },
  ], memory);
}

export interface GemmExports {
  packA(src: number, rs: number, ps: number, rows: number, k: number, dst: number): void;
  packB(src: number, rs: number, ps: number, rows: number, k: number, dst: number): void;
  compute(pa: number, pb: number, c: number, mPanels: number, nPanels: number, k: number, ldc: number, flags: number, bias: number): void;
  computeRows(pa: number, pb: number, c: number, rows: number, nPanels: number, k: number, ldc: number, flags: number, bias: number): void;
  compact(c: number, rows: number, ldc: number, n: number): void;
}
