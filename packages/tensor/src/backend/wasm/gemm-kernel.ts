/**
 * Generated SGEMM kernels (the BLIS scheme of Van Zee & van de Geijn 2015, "BLIS: A Framework for
 * Rapidly Instantiating BLAS Functionality"): a register-blocked MR×NR micro-kernel over packed
 * panels, the macro-kernel that sweeps it over an MC×NC block, and the two packing routines.
 *
 * Packed layouts (f32, zero-padded to whole panels):
 *   A panel: MR rows × kc, stored k-major: ap[k·MR + r]   (one panel per MR rows of the block)
 *   B panel: kc × NR columns, stored k-major: bp[k·NR + j] (one panel per NR columns)
 * All strides and leading dimensions given to these functions are in bytes.
 */

import { kernel, type EmitContext } from './commands.ts';
import { Code, f32, i32, v128 } from './emit/code.ts';
import type { ModuleBuilder } from './emit/module.ts';

export interface GemmShape {
  /** Rows of the micro-tile (one f32 broadcast per row and k). */
  readonly mr: number;
  /** Columns of the micro-tile, a multiple of 4 (one f32x4 accumulator per 4 columns). */
  readonly nr: number;
  /** How many k steps one trip of the micro-kernel's loop does (a power of two). */
  readonly unroll: number;
}

/**
 * 2×16, one k step per trip, measured best on V8 (Node 20, x64, Zen 5) among 4×8, 5×8, 6×8, 8×4,
 * 2×12, 3×12, 2×20, 3×16 and 1×32: 8 f32x4 accumulators + 4 B vectors + 1 broadcast A + 1 product
 * temporary = 14 of the 15 XMM registers V8 allocates, and only 2 broadcasts per 4 vector loads
 * (on this machine a broadcast costs more than a load). Unrolling the k loop makes TurboFan hoist
 * every load of the unrolled steps to the top of the body, and then it spills accumulators.
 */
export const defaultGemmShape: GemmShape = { mr: 2, nr: 16, unroll: 1 };

export interface GemmFunctions {
  /** tile(kc, ap, bp, c, ldc, accumulate): C[MR×NR] (+)= Apanel · Bpanel. */
  readonly tile: number;
  /** macro(mc, nc, kc, ap, bp, c, ldc, accumulate, scratch): C[mc×nc] (+)= Ablock · Bblock. */
  readonly macro: number;
  /** packA(src, rowStride, kStride, mc, kc, dst): pack A[i, k] = src[i·rowStride + k·kStride] into MR-row panels. */
  readonly packA: number;
  /** packB(src, colStride, kStride, nc, kc, dst): pack B[k, j] = src[j·colStride + k·kStride] into NR-column panels. */
  readonly packB: number;
}

/** The macro-kernel with a per-row bias added in the tile's store (convolution bias in the GEMM's epilogue). */
export interface GemmBiasFunctions {
  /** tileBias(kc, ap, bp, c, ldc, accumulate, bias): C[MR×NR] = (accumulate ? C : 0) + Apanel · Bpanel + bias[row]. */
  readonly tile: number;
  /** macroBias(mc, nc, kc, ap, bp, c, ldc, accumulate, scratch, bias): the same over C[mc×nc], bias[0 … mc). */
  readonly macro: number;
}

/** Add the four GEMM functions to `mod`; `export_` names them `gemm_tile`, `gemm_macro`, …. */
export function addGemmFunctions(mod: ModuleBuilder, shape: GemmShape = defaultGemmShape): GemmFunctions {
  if (shape.nr % 4 !== 0) throw new Error(`gemm: nr=${shape.nr} must be a multiple of 4`);
  if ((shape.unroll & (shape.unroll - 1)) !== 0) throw new Error(`gemm: unroll=${shape.unroll} must be a power of two`);
  const tile = mod.declare('gemm_tile', microKernel(shape));
  const macro = mod.declare('gemm_macro', macroKernel(shape, tile));
  const packA = mod.declare('gemm_pack_a', packPanels(shape.mr));
  const packB = mod.declare('gemm_pack_b', packPanels(shape.nr));
  return { tile, macro, packA, packB };
}

/** The four functions, emitted once per module for whichever GEMM kernel asks first. */
const gemmFunctions = (ctx: EmitContext): GemmFunctions => ctx.once('gemm', () => addGemmFunctions(ctx.mod, ctx.shape));

/** The bias variants of the tile and macro-kernel, emitted once per module when a kernel asks for them. */
const gemmBiasFunctions = (ctx: EmitContext): GemmBiasFunctions => ctx.once('gemm-bias', () => {
  const tile = ctx.mod.declare('gemm_tile_bias', microKernel(ctx.shape, true));
  return { tile, macro: ctx.mod.declare('gemm_macro_bias', macroKernel(ctx.shape, tile, true, gemmFunctions(ctx).tile)) };
});

/** gemm_pack_a: pack A[i, k] = src[i·rowStride + k·kStride] (bytes) into MR-row panels at dst. */
export const gemmPackA = kernel({ name: 'gemm_pack_a', params: ['src', 'rowStride', 'kStride', 'mc', 'kc', 'dst'], emit: (ctx) => gemmFunctions(ctx).packA });
/** gemm_pack_b: pack B[k, j] = src[j·colStride + k·kStride] (bytes) into NR-column panels at dst. */
export const gemmPackB = kernel({ name: 'gemm_pack_b', params: ['src', 'colStride', 'kStride', 'nc', 'kc', 'dst'], emit: (ctx) => gemmFunctions(ctx).packB });
/** gemm_macro: C[mc×nc] (+)= Ablock · Bblock from packed panels; `scratch` holds the edge tile. */
export const gemmMacro = kernel({
  name: 'gemm_macro', params: ['mc', 'nc', 'kc', 'ap', 'bp', 'c', 'ldc', 'accumulate', 'scratch'], emit: (ctx) => gemmFunctions(ctx).macro,
});
/**
 * gemm_macro_bias: C[mc×nc] = (accumulate ? C : 0) + Ablock · Bblock + bias[row], the bias (mc floats
 * at `bias`) added as each tile is stored, after the product and what C held: so run on the last depth
 * block it gives (Σ + b) in the order an unfused `conv + bias` would, with no second pass over C.
 */
export const gemmMacroBias = kernel({
  name: 'gemm_macro_bias', params: ['mc', 'nc', 'kc', 'ap', 'bp', 'c', 'ldc', 'accumulate', 'scratch', 'bias'], emit: (ctx) => gemmBiasFunctions(ctx).macro,
});

/**
 * The micro-kernel: MR·NR/4 f32x4 accumulators live in locals for the whole k loop. With `withBias`
 * it takes a 7th parameter, the address of MR row biases, added to each row as the tile is stored.
 */
function microKernel({ mr, nr, unroll }: GemmShape, withBias = false): Code {
  const c = new Code(withBias ? [i32, i32, i32, i32, i32, i32, i32] : [i32, i32, i32, i32, i32, i32]);
  const [kc, ap, bp, cp, ldc, accumulate, bias] = [0, 1, 2, 3, 4, 5, 6];
  const nv = nr / 4; // f32x4 vectors per row of the tile
  const aEndUnrolled = c.local(i32), aEnd = c.local(i32), cRow = c.local(i32);
  const acc = Array.from({ length: mr }, () => Array.from({ length: nv }, () => c.local(v128)));
  const b = Array.from({ length: nv }, () => c.local(v128));
  const a = c.local(v128);
  const aStep = mr * 4, bStep = nr * 4; // bytes per k in each panel

  // Accumulators start at zero (locals are zero-initialised by the spec, so nothing to emit).

  // aEnd = ap + kc·MR·4; aEndUnrolled = ap + (kc - kc % unroll)·MR·4.
  c.localGet(ap).localGet(kc).i32Const(aStep).i32Mul().i32Add().localSet(aEnd);
  c.localGet(ap).localGet(kc).i32Const(-unroll).i32And().i32Const(aStep).i32Mul().i32Add().localSet(aEndUnrolled);

  // One k step at byte offsets (ka, kb): load NR/4 B vectors, then per row broadcast A and accumulate.
  const step = (ka: number, kb: number): void => {
    for (let j = 0; j < nv; j++) c.localGet(bp).v128Load(kb + 16 * j).localSet(b[j]!);
    for (let r = 0; r < mr; r++) {
      c.localGet(ap).v128Load32Splat(ka + 4 * r).localSet(a);
      for (let j = 0; j < nv; j++) {
        const accRJ = acc[r]![j]!;
        c.localGet(accRJ).localGet(a).localGet(b[j]!).f32x4Mul().f32x4Add().localSet(accRJ);
      }
    }
  };

  // Main loop: `unroll` k steps per trip, addressed by constant offsets, then bump both pointers.
  c.while(() => c.localGet(ap).localGet(aEndUnrolled).i32LtU(), () => {
    for (let u = 0; u < unroll; u++) step(u * aStep, u * bStep);
    c.localGet(ap).i32Const(unroll * aStep).i32Add().localSet(ap);
    c.localGet(bp).i32Const(unroll * bStep).i32Add().localSet(bp);
  });
  // Remainder loop: the last kc % unroll steps, one at a time.
  if (unroll > 1) {
    c.while(() => c.localGet(ap).localGet(aEnd).i32LtU(), () => {
      step(0, 0);
      c.localGet(ap).i32Const(aStep).i32Add().localSet(ap);
      c.localGet(bp).i32Const(bStep).i32Add().localSet(bp);
    });
  }

  // Write the tile: C row r at cp + r·ldc; add what is there when `accumulate` is set, then the row's bias.
  const store = (add: boolean): void => {
    c.localGet(cp).localSet(cRow);
    for (let r = 0; r < mr; r++) {
      if (withBias) c.localGet(bias).v128Load32Splat(4 * r).localSet(a);
      for (let j = 0; j < nv; j++) {
        c.localGet(cRow);
        if (add) c.localGet(cRow).v128Load(16 * j).localGet(acc[r]![j]!).f32x4Add();
        else c.localGet(acc[r]![j]!);
        if (withBias) c.localGet(a).f32x4Add();
        c.v128Store(16 * j);
      }
      if (r + 1 < mr) c.localGet(cRow).localGet(ldc).i32Add().localSet(cRow);
    }
  };
  c.localGet(accumulate).if(() => store(true), () => store(false));
  return c;
}

/**
 * The macro-kernel: for each NR-column B panel (kept in L1), for each MR-row A panel (from L2),
 * one micro-tile. Edge tiles are computed into `scratch` (MR·NR floats) and the valid part copied.
 * With `withBias`, a 10th parameter holds the address of mc row biases, which `tile` (then the bias
 * micro-kernel) adds to full tiles and the copy adds to edge tiles after computing them with
 * `edgeTile` (the plain micro-kernel), reading only the valid rows' biases.
 */
function macroKernel({ mr, nr }: GemmShape, tile: number, withBias = false, edgeTile = tile): Code {
  const c = new Code(Array.from({ length: withBias ? 10 : 9 }, () => i32));
  const [mc, nc, kc, ap, bp, cp, ldc, accumulate, scratch, bias] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const jr = c.local(i32), ir = c.local(i32), aPanel = c.local(i32), bPanel = c.local(i32);
  const cTile = c.local(i32), mv = c.local(i32), nv = c.local(i32), i = c.local(i32), j = c.local(i32);
  const src = c.local(i32), dst = c.local(i32), value = c.local(f32), rowBias = c.local(f32);
  /** local = min(limit, n - start) */
  const minInto = (out: number, limit: number, n: number, start: number): void => {
    c.localGet(n).localGet(start).i32Sub().localTee(out);
    c.i32Const(limit).localGet(out).i32Const(limit).i32LtS().select().localSet(out);
  };

  c.localGet(bp).localSet(bPanel);
  c.while(() => c.localGet(jr).localGet(nc).i32LtS(), () => {
    minInto(nv, nr, nc, jr);
    c.i32Const(0).localSet(ir);
    c.localGet(ap).localSet(aPanel);
    c.localGet(cp).localGet(jr).i32Const(4).i32Mul().i32Add().localSet(cTile);
    c.while(() => c.localGet(ir).localGet(mc).i32LtS(), () => {
      minInto(mv, mr, mc, ir);
      // Full tile: straight into C.
      c.localGet(mv).i32Const(mr).i32Eq().localGet(nv).i32Const(nr).i32Eq().i32And();
      c.if(() => {
        c.localGet(kc).localGet(aPanel).localGet(bPanel).localGet(cTile).localGet(ldc).localGet(accumulate);
        if (withBias) c.localGet(bias).localGet(ir).i32Const(4).i32Mul().i32Add();
        c.call(tile);
      }, () => {
        // Edge tile: into scratch (row stride NR·4 bytes), then copy the mv×nv valid corner.
        c.localGet(kc).localGet(aPanel).localGet(bPanel).localGet(scratch).i32Const(nr * 4).i32Const(0).call(edgeTile);
        c.i32Const(0).localSet(i);
        c.while(() => c.localGet(i).localGet(mv).i32LtS(), () => {
          c.localGet(scratch).localGet(i).i32Const(nr * 4).i32Mul().i32Add().localSet(src);
          c.localGet(cTile).localGet(i).localGet(ldc).i32Mul().i32Add().localSet(dst);
          if (withBias) c.localGet(bias).localGet(ir).localGet(i).i32Add().i32Const(4).i32Mul().i32Add().f32Load().localSet(rowBias);
          c.i32Const(0).localSet(j);
          c.while(() => c.localGet(j).localGet(nv).i32LtS(), () => {
            c.localGet(src).f32Load().localSet(value);
            c.localGet(accumulate).if(() => c.localGet(value).localGet(dst).f32Load().f32Add().localSet(value));
            if (withBias) c.localGet(value).localGet(rowBias).f32Add().localSet(value);
            c.localGet(dst).localGet(value).f32Store();
            c.localGet(src).i32Const(4).i32Add().localSet(src);
            c.localGet(dst).i32Const(4).i32Add().localSet(dst);
            c.localGet(j).i32Const(1).i32Add().localSet(j);
          });
          c.localGet(i).i32Const(1).i32Add().localSet(i);
        });
      });
      c.localGet(ir).i32Const(mr).i32Add().localSet(ir);
      c.localGet(aPanel).localGet(kc).i32Const(mr * 4).i32Mul().i32Add().localSet(aPanel);
      c.localGet(cTile).localGet(ldc).i32Const(mr).i32Mul().i32Add().localSet(cTile);
    });
    c.localGet(jr).i32Const(nr).i32Add().localSet(jr);
    c.localGet(bPanel).localGet(kc).i32Const(nr * 4).i32Mul().i32Add().localSet(bPanel);
  });
  return c;
}

/**
 * Packing, the same for both operands: `lines` lines (rows of A, columns of B) of `kc` values,
 * element (line l, k) at src + l·lineStride + k·kStride, into panels of `width` lines stored
 * k-major (dst[panel][k][l]), the last panel zero-padded.
 */
function packPanels(width: number): Code {
  const c = new Code([i32, i32, i32, i32, i32, i32]);
  const [src, lineStride, kStride, lines, kc, dst] = [0, 1, 2, 3, 4, 5];
  const p0 = c.local(i32), count = c.local(i32), l = c.local(i32), k = c.local(i32);
  const s = c.local(i32), d = c.local(i32), panelBytes = c.local(i32);
  c.localGet(kc).i32Const(width * 4).i32Mul().localSet(panelBytes);

  c.while(() => c.localGet(p0).localGet(lines).i32LtS(), () => {
    // count = min(width, lines - p0)
    c.localGet(lines).localGet(p0).i32Sub().localTee(count);
    c.i32Const(width).localGet(count).i32Const(width).i32LtS().select().localSet(count);
    c.localGet(src).localGet(p0).localGet(lineStride).i32Mul().i32Add().localSet(s);

    const generic = (): void => {
      // A partial panel starts as zeros.
      c.localGet(count).i32Const(width).i32LtS().if(() => c.localGet(dst).i32Const(0).localGet(panelBytes).memoryFill());
      // Line by line: read along k, write with stride width·4.
      c.i32Const(0).localSet(l);
      c.while(() => c.localGet(l).localGet(count).i32LtS(), () => {
        c.localGet(src).localGet(p0).localGet(l).i32Add().localGet(lineStride).i32Mul().i32Add().localSet(s);
        c.localGet(dst).localGet(l).i32Const(4).i32Mul().i32Add().localSet(d);
        c.i32Const(0).localSet(k);
        c.while(() => c.localGet(k).localGet(kc).i32LtS(), () => {
          c.localGet(d).localGet(s).f32Load().f32Store();
          c.localGet(s).localGet(kStride).i32Add().localSet(s);
          c.localGet(d).i32Const(width * 4).i32Add().localSet(d);
          c.localGet(k).i32Const(1).i32Add().localSet(k);
        });
        c.localGet(l).i32Const(1).i32Add().localSet(l);
      });
    };

    // A whole panel whose lines are adjacent in memory (row-major B, transposed A): per k, the
    // panel's row is `width` consecutive floats, so it is width/4 vector copies (one 64-bit copy
    // for width 2).
    const copyRows = (): void => {
      c.localGet(dst).localSet(d);
      c.i32Const(0).localSet(k);
      c.while(() => c.localGet(k).localGet(kc).i32LtS(), () => {
        if (width === 2) c.localGet(d).localGet(s).i64Load().i64Store();
        for (let v = 0; v < Math.floor(width / 4); v++) c.localGet(d).localGet(s).v128Load(16 * v).v128Store(16 * v);
        c.localGet(s).localGet(kStride).i32Add().localSet(s);
        c.localGet(d).i32Const(width * 4).i32Add().localSet(d);
        c.localGet(k).i32Const(1).i32Add().localSet(k);
      });
    };
    // A whole panel whose lines are contiguous along k (row-major A, transposed B): load four k's
    // of each line as one vector and transpose in registers (4×4 blocks, or 2×4 for width 2).
    const transposeLines = (): void => {
      const group = width === 2 ? 2 : 4; // lines per transposed block
      const r = Array.from({ length: group }, () => c.local(v128));
      const t = Array.from({ length: 4 }, () => c.local(v128));
      c.localGet(dst).localSet(d);
      c.i32Const(0).localSet(k);
      c.while(() => c.localGet(k).i32Const(4).i32Add().localGet(kc).i32LeS(), () => {
        for (let l0 = 0; l0 < width; l0 += group) {
          // r[i] = line l0+i, k … k+3
          r.forEach((ri, i) => c.localGet(s).localGet(lineStride).i32Const(l0 + i).i32Mul().i32Add().v128Load().localSet(ri));
          if (group === 2) {
            // [l0k0 l1k0 l0k1 l1k1] goes to k, k+1; [l0k2 l1k2 l0k3 l1k3] to k+2, k+3.
            c.localGet(d).localGet(r[0]!).localGet(r[1]!).shuffle32([0, 4, 1, 5]).v128Store(0);
            c.localGet(d).localGet(r[0]!).localGet(r[1]!).shuffle32([2, 6, 3, 7]).v128Store(2 * width * 4);
          } else {
            c.localGet(r[0]!).localGet(r[1]!).shuffle32([0, 4, 1, 5]).localSet(t[0]!); // l0k0 l1k0 l0k1 l1k1
            c.localGet(r[0]!).localGet(r[1]!).shuffle32([2, 6, 3, 7]).localSet(t[1]!); // l0k2 l1k2 l0k3 l1k3
            c.localGet(r[2]!).localGet(r[3]!).shuffle32([0, 4, 1, 5]).localSet(t[2]!);
            c.localGet(r[2]!).localGet(r[3]!).shuffle32([2, 6, 3, 7]).localSet(t[3]!);
            const out = [[0, 2, [0, 1, 4, 5]], [0, 2, [2, 3, 6, 7]], [1, 3, [0, 1, 4, 5]], [1, 3, [2, 3, 6, 7]]] as const;
            out.forEach(([a, b, lanes], j) => {
              c.localGet(d).localGet(t[a]!).localGet(t[b]!).shuffle32(lanes).v128Store(j * width * 4 + l0 * 4);
            });
          }
        }
        c.localGet(s).i32Const(16).i32Add().localSet(s);
        c.localGet(d).i32Const(4 * width * 4).i32Add().localSet(d);
        c.localGet(k).i32Const(4).i32Add().localSet(k);
      });
      // The last kc % 4 steps, one value at a time.
      c.while(() => c.localGet(k).localGet(kc).i32LtS(), () => {
        for (let l = 0; l < width; l++) {
          c.localGet(d).localGet(s).localGet(lineStride).i32Const(l).i32Mul().i32Add().f32Load().f32Store(4 * l);
        }
        c.localGet(s).i32Const(4).i32Add().localSet(s);
        c.localGet(d).i32Const(width * 4).i32Add().localSet(d);
        c.localGet(k).i32Const(1).i32Add().localSet(k);
      });
    };
    const whole = (): void => { c.localGet(count).i32Const(width).i32Eq(); };
    if (width % 4 === 0 || width === 2) {
      whole();
      c.localGet(lineStride).i32Const(4).i32Eq().i32And();
      c.if(copyRows, () => {
        whole();
        c.localGet(kStride).i32Const(4).i32Eq().i32And();
        c.if(transposeLines, generic);
      });
    } else {
      generic();
    }
    c.localGet(dst).localGet(panelBytes).i32Add().localSet(dst);
    c.localGet(p0).i32Const(width).i32Add().localSet(p0);
  });
  return c;
}
