/**
 * Generated kernels of Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray 2016, "Fast
 * Algorithms for Convolutional Neural Networks", arXiv:1509.09308, Section 4.1): for a 4×4 input
 * tile d and a 3×3 filter g, the 2×2 output tile is
 *   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
 * with
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 −1 −1].
 * Summed over channels, the ⊙ becomes 16 independent matrix products (one per ξ = 4·i + j of the
 * 4×4 transformed tile), which the engine's GEMM runs; these kernels are the three transforms (the
 * weight gradient's two more are in winograd-grad-kernel.ts).
 *
 * Layouts (f32; all strides in bytes):
 *   U[ξ]: the Cout × Cin matrix (G g Gᵀ)[ξ], written straight into the GEMM's packed A layout (panels
 *         of MR rows, k-major: row o, column c at ((o / MR)·Cin + c)·MR + o % MR), for the filter at
 *         w + o·rowStride + c·colStride (9 taps, row-major, or rotated 180° with `flip`);
 *   V[ξ]: the Cin × cols matrix of (Bᵀ d B)[ξ], column = image·tiles + th·tilesWp + tw (tilesWp a
 *         multiple of 4), written straight into the packed B layout (panels of NR columns, k-major:
 *         row c, column t at ((t / NR)·Cin + c)·NR + t % NR);
 *   M[ξ][o][t] = Σ_c U[ξ][o][c] · V[ξ][c][t], row-major, from the GEMM's macro-kernel on those panels,
 *         so the GEMM packs nothing; the output transform turns M into Y.
 * Both tile transforms work on four horizontally adjacent tiles at once, one per f32x4 lane, through a
 * zero-padded copy of the channel plane (so no tile needs a bounds test, and odd sizes need no
 * special case): tiles past the image's right edge are computed and then never copied out.
 */

import { kernel, type EmitContext } from './commands.ts';
import { Code, f32, i32, v128 } from './emit/code.ts';
import type { ModuleBuilder } from './emit/module.ts';
import type { GemmShape } from './gemm-kernel.ts';

export interface WinogradFunctions {
  readonly filter: number;
  readonly input: number;
  readonly output: number;
}

export function addWinogradFunctions(mod: ModuleBuilder, { mr }: GemmShape): WinogradFunctions {
  return {
    filter: mod.declare('wino_filter', filterTransform(mr)),
    input: mod.declare('wino_input', inputTransform()),
    output: mod.declare('wino_output', outputTransform()),
  };
}

const winogradFunctions = (ctx: EmitContext): WinogradFunctions => ctx.once('winograd', () => addWinogradFunctions(ctx.mod, ctx.shape));

/**
 * wino_filter: U[ξ] rows [0, rows) (from the first row of an MR panel at u), all `cols` columns, the
 * filter of (i, j) at w + i·rowStride + j·colStride (rotated 180° if flip).
 */
export const winoFilter = kernel({
  name: 'wino_filter', params: ['w', 'rows', 'cols', 'rowStride', 'colStride', 'flip', 'u', 'xiStride'], emit: (ctx) => winogradFunctions(ctx).filter,
});
/**
 * wino_input: V rows for `count` channel planes of H×W at x (placed at zero padding (pH, pW) in the
 * plane scratch `pad`), as columns col0 + t of `panel`-column panels of `panelBytes` (V[ξ] at
 * v + ξ·xiStride; v already points at this task's first channel row). `panel` = NR gives the packed B
 * layout; `panel` ≥ the column count gives a plain row-major matrix (one panel).
 */
export const winoInput = kernel({
  name: 'wino_input', params: ['x', 'count', 'H', 'W', 'pH', 'pW', 'tilesH', 'tilesWp', 'pad', 'v', 'col0', 'panel', 'panelBytes', 'xiStride'],
  emit: (ctx) => winogradFunctions(ctx).input,
});
/**
 * wino_output: Y planes (oH×oW, at y) of `count` channels from M, through the plane scratch `pad`,
 * plus bias[ch] (`count` floats at `bias`) on channel ch's plane, or nothing when `bias` is 0: the
 * convolution's bias in the output transform, added after it as an unfused add would.
 */
export const winoOutput = kernel({
  name: 'wino_output', params: ['m', 'count', 'rowStride', 'xiStride', 'tilesH', 'tilesWp', 'pad', 'y', 'oH', 'oW', 'bias'],
  emit: (ctx) => winogradFunctions(ctx).output,
});

/** Bytes of the padded input plane that wino_input needs: (2·tilesH + 2) rows of 2·tilesWp + 4. */
export const inputPlaneBytes = (tilesH: number, tilesWp: number): number => 4 * (2 * tilesH + 2) * (2 * tilesWp + 4);
/** Bytes of the output plane that wino_output needs: 2·tilesH rows of 2·tilesWp. */
export const outputPlaneBytes = (tilesH: number, tilesWp: number): number => 4 * (2 * tilesH) * (2 * tilesWp);

/**
 * Copy `n` floats from src to dst (byte addresses in locals, both advanced), four at a time and then
 * one at a time: rows are short (8–64 floats), where memory.copy's call costs more than the copy.
 */
export function copyRow(c: Code, dst: number, src: number, n: number): void {
  c.while(() => c.localGet(n).i32Const(4).i32GeS(), () => {
    c.localGet(dst).localGet(src).v128Load().v128Store();
    c.localGet(src).i32Const(16).i32Add().localSet(src);
    c.localGet(dst).i32Const(16).i32Add().localSet(dst);
    c.localGet(n).i32Const(4).i32Sub().localSet(n);
  });
  c.while(() => c.localGet(n).i32Const(0).i32GtS(), () => {
    c.localGet(dst).localGet(src).f32Load().f32Store();
    c.localGet(src).i32Const(4).i32Add().localSet(src);
    c.localGet(dst).i32Const(4).i32Add().localSet(dst);
    c.localGet(n).i32Const(1).i32Sub().localSet(n);
  });
}

function filterTransform(mr: number): Code {
  const c = new Code([i32, i32, i32, i32, i32, i32, i32, i32]);
  const [w, rows, cols, rowStride, colStride, flip, u, xiStride] = [0, 1, 2, 3, 4, 5, 6, 7];
  const i = c.local(i32), j = c.local(i32), src = c.local(i32), dst = c.local(i32);
  const g = Array.from({ length: 9 }, () => c.local(f32));
  const gg = Array.from({ length: 12 }, () => c.local(f32)); // G·g, 4×3
  const half = (): void => { c.f32Const(0.5).f32Mul(); };
  /** out = ½(a + b + c) or ½(a − b + c). */
  const mid = (a: number, b: number, e: number, sign: 1 | -1): void => {
    c.localGet(a).localGet(b);
    if (sign > 0) c.f32Add(); else c.f32Sub();
    c.localGet(e).f32Add();
    half();
  };
  const body = (flipped: boolean): void => {
    for (let k = 0; k < 9; k++) c.localGet(src).f32Load(4 * (flipped ? 8 - k : k)).localSet(g[k]!);
    // G·g: rows g₀, ½(g₀+g₁+g₂), ½(g₀−g₁+g₂), g₂ of the 3×3 (each row of G·g has 3 columns).
    for (let col = 0; col < 3; col++) {
      const [a, b, e] = [g[col]!, g[3 + col]!, g[6 + col]!];
      c.localGet(a).localSet(gg[col]!);
      mid(a, b, e, 1); c.localSet(gg[3 + col]!);
      mid(a, b, e, -1); c.localSet(gg[6 + col]!);
      c.localGet(e).localSet(gg[9 + col]!);
    }
    // (G·g)·Gᵀ: the same combination along each row; store U[ξ = 4·r + s].
    for (let r = 0; r < 4; r++) {
      const [a, b, e] = [gg[3 * r]!, gg[3 * r + 1]!, gg[3 * r + 2]!];
      const store = (s: number, value: () => void): void => {
        c.localGet(dst).localGet(xiStride).i32Const(4 * r + s).i32Mul().i32Add();
        value();
        c.f32Store();
      };
      store(0, () => c.localGet(a));
      store(1, () => mid(a, b, e, 1));
      store(2, () => mid(a, b, e, -1));
      store(3, () => c.localGet(e));
    }
  };
  c.while(() => c.localGet(i).localGet(rows).i32LtS(), () => {
    c.i32Const(0).localSet(j);
    c.while(() => c.localGet(j).localGet(cols).i32LtS(), () => {
      c.localGet(w).localGet(i).localGet(rowStride).i32Mul().i32Add().localGet(j).localGet(colStride).i32Mul().i32Add().localSet(src);
      // dst = u + ((i / MR)·cols + j)·MR + i % MR floats
      c.localGet(u).localGet(i).i32Const(mr).i32DivU().localGet(cols).i32Mul().localGet(j).i32Add().i32Const(mr).i32Mul();
      c.localGet(i).i32Const(mr).i32RemU().i32Add().i32Const(4).i32Mul().i32Add().localSet(dst);
      c.localGet(flip).if(() => body(true), () => body(false));
      c.localGet(j).i32Const(1).i32Add().localSet(j);
    });
    c.localGet(i).i32Const(1).i32Add().localSet(i);
  });
  return c;
}

function inputTransform(): Code {
  const c = new Code(Array.from({ length: 14 }, () => i32));
  const [x, count, H, W, pH, pW, tilesH, tilesWp, pad, v, col0, nr, panelBytes, xiStride] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const col = c.local(i32), cs = c.local(i32), cd = c.local(i32), cn = c.local(i32);
  const ch = c.local(i32), r = c.local(i32), th = c.local(i32), tw = c.local(i32), wpBytes = c.local(i32);
  const p = c.local(i32), dstRow = c.local(i32), dst = c.local(i32);
  const a = c.local(v128), b = c.local(v128), e = c.local(v128), a2 = c.local(v128), b2 = c.local(v128);
  const d = Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => c.local(v128)));
  const t = Array.from({ length: 4 }, () => c.local(v128));
  // Padded plane row stride (bytes), and zero it once: the border stays zero for every channel.
  c.localGet(tilesWp).i32Const(2).i32Mul().i32Const(4).i32Add().i32Const(4).i32Mul().localSet(wpBytes);
  c.localGet(pad).i32Const(0).localGet(tilesH).i32Const(2).i32Mul().i32Const(2).i32Add().localGet(wpBytes).i32Mul().memoryFill();
  c.while(() => c.localGet(ch).localGet(count).i32LtS(), () => {
    // Copy the plane in at (pH, pW).
    c.i32Const(0).localSet(r);
    c.while(() => c.localGet(r).localGet(H).i32LtS(), () => {
      c.localGet(pad).localGet(r).localGet(pH).i32Add().localGet(wpBytes).i32Mul().i32Add().localGet(pW).i32Const(4).i32Mul().i32Add().localSet(cd);
      c.localGet(x).localGet(r).localGet(W).i32Mul().i32Const(4).i32Mul().i32Add().localSet(cs);
      c.localGet(W).localSet(cn);
      copyRow(c, cd, cs, cn);
      c.localGet(r).i32Const(1).i32Add().localSet(r);
    });
    c.localGet(v).localGet(ch).localGet(nr).i32Mul().i32Const(4).i32Mul().i32Add().localSet(dstRow); // row ch of every panel
    c.i32Const(0).localSet(th);
    c.while(() => c.localGet(th).localGet(tilesH).i32LtS(), () => {
      c.i32Const(0).localSet(tw);
      c.while(() => c.localGet(tw).localGet(tilesWp).i32LtS(), () => {
        // p = the padded plane at row 2·th, column 2·tw: tile tw + l starts at column 2·(tw + l).
        c.localGet(pad).localGet(th).i32Const(2).i32Mul().localGet(wpBytes).i32Mul().i32Add().localGet(tw).i32Const(8).i32Mul().i32Add().localSet(p);
        for (let row = 0; row < 4; row++) {
          // a, b, e = columns 0–3, 4–7, 8–11 of this row; d[row][k] lane l = column 2l + k.
          c.localGet(p).v128Load(0).localSet(a);
          c.localGet(p).v128Load(16).localSet(b);
          c.localGet(p).v128Load(32).localSet(e);
          c.localGet(a).localGet(b).shuffle32([0, 2, 4, 6]).localSet(d[row]![0]!);
          c.localGet(a).localGet(b).shuffle32([1, 3, 5, 7]).localSet(d[row]![1]!);
          c.localGet(a).localGet(b).shuffle32([2, 3, 4, 5]).localSet(a2);
          c.localGet(b).localGet(e).shuffle32([2, 3, 4, 5]).localSet(b2);
          c.localGet(a2).localGet(b2).shuffle32([0, 2, 4, 6]).localSet(d[row]![2]!);
          c.localGet(a2).localGet(b2).shuffle32([1, 3, 5, 7]).localSet(d[row]![3]!);
          if (row < 3) c.localGet(p).localGet(wpBytes).i32Add().localSet(p);
        }
        // Column col = col0 + th·tilesWp + tw: panel col / NR, lane col % NR (four lanes in one panel: 4 | NR, 4 | col).
        c.localGet(col0).localGet(th).localGet(tilesWp).i32Mul().i32Add().localGet(tw).i32Add().localSet(col);
        c.localGet(dstRow).localGet(col).localGet(nr).i32DivU().localGet(panelBytes).i32Mul().i32Add();
        c.localGet(col).localGet(nr).i32RemU().i32Const(4).i32Mul().i32Add().localSet(dst);
        // Bᵀ·d (rows d₀−d₂, d₁+d₂, d₂−d₁, d₁−d₃), then ·B along each row; store V[ξ = 4·i + k].
        const combine = (x0: number, x1: number, x2: number, x3: number, k: number): void => {
          switch (k) {
            case 0: c.localGet(x0).localGet(x2).f32x4Sub(); break;
            case 1: c.localGet(x1).localGet(x2).f32x4Add(); break;
            case 2: c.localGet(x2).localGet(x1).f32x4Sub(); break;
            default: c.localGet(x1).localGet(x3).f32x4Sub(); break;
          }
        };
        for (let i = 0; i < 4; i++) {
          for (let k = 0; k < 4; k++) {
            combine(d[0]![k]!, d[1]![k]!, d[2]![k]!, d[3]![k]!, i);
            c.localSet(t[k]!);
          }
          for (let k = 0; k < 4; k++) {
            c.localGet(dst);
            if (4 * i + k > 0) c.localGet(xiStride).i32Const(4 * i + k).i32Mul().i32Add();
            combine(t[0]!, t[1]!, t[2]!, t[3]!, k);
            c.v128Store();
          }
        }
        c.localGet(tw).i32Const(4).i32Add().localSet(tw);
      });
      c.localGet(th).i32Const(1).i32Add().localSet(th);
    });
    c.localGet(x).localGet(H).localGet(W).i32Mul().i32Const(4).i32Mul().i32Add().localSet(x);
    c.localGet(ch).i32Const(1).i32Add().localSet(ch);
  });
  return c;
}

function outputTransform(): Code {
  const c = new Code(Array.from({ length: 11 }, () => i32));
  const [m, count, rowStride, xiStride, tilesH, tilesWp, pad, y, oH, oW, bias] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const ch = c.local(i32), r = c.local(i32), th = c.local(i32), tw = c.local(i32), wpBytes = c.local(i32);
  const src = c.local(i32), dst = c.local(i32), srcRow = c.local(i32), cn = c.local(i32);
  const mv = Array.from({ length: 16 }, () => c.local(v128));
  const s = Array.from({ length: 4 }, () => c.local(v128));
  const y0 = c.local(v128), y1 = c.local(v128), b = c.local(v128);
  c.localGet(tilesWp).i32Const(8).i32Mul().localSet(wpBytes); // 2·tilesWp floats per row
  c.while(() => c.localGet(ch).localGet(count).i32LtS(), () => {
    c.localGet(m).localGet(ch).localGet(rowStride).i32Mul().i32Add().localSet(srcRow);
    // b = bias[ch] in every lane (bias ≠ 0), else zeros.
    c.v128ConstF32([0, 0, 0, 0]).localSet(b);
    c.localGet(bias).if(() => c.localGet(bias).localGet(ch).i32Const(4).i32Mul().i32Add().v128Load32Splat().localSet(b));
    c.i32Const(0).localSet(th);
    c.while(() => c.localGet(th).localGet(tilesH).i32LtS(), () => {
      c.i32Const(0).localSet(tw);
      c.while(() => c.localGet(tw).localGet(tilesWp).i32LtS(), () => {
        c.localGet(srcRow).localGet(th).localGet(tilesWp).i32Mul().localGet(tw).i32Add().i32Const(4).i32Mul().i32Add().localSet(src);
        for (let xi = 0; xi < 16; xi++) {
          c.localGet(src);
          if (xi > 0) c.localGet(xiStride).i32Const(xi).i32Mul().i32Add();
          c.v128Load().localSet(mv[xi]!);
        }
        // dst = the plane at row 2·th, column 2·tw.
        c.localGet(pad).localGet(th).i32Const(2).i32Mul().localGet(wpBytes).i32Mul().i32Add().localGet(tw).i32Const(8).i32Mul().i32Add().localSet(dst);
        for (let i = 0; i < 2; i++) {
          // Row i of Aᵀ·M: M₀ + M₁ + M₂ (i = 0) or M₁ − M₂ − M₃ (i = 1), column by column.
          for (let k = 0; k < 4; k++) {
            const [m0, m1, m2, m3] = [mv[k]!, mv[4 + k]!, mv[8 + k]!, mv[12 + k]!];
            if (i === 0) c.localGet(m0).localGet(m1).f32x4Add().localGet(m2).f32x4Add();
            else c.localGet(m1).localGet(m2).f32x4Sub().localGet(m3).f32x4Sub();
            c.localSet(s[k]!);
          }
          // ·A: Y[i][0] = s₀ + s₁ + s₂, Y[i][1] = s₁ − s₂ − s₃; lanes are tiles, so interleave them.
          c.localGet(s[0]!).localGet(s[1]!).f32x4Add().localGet(s[2]!).f32x4Add().localGet(b).f32x4Add().localSet(y0);
          c.localGet(s[1]!).localGet(s[2]!).f32x4Sub().localGet(s[3]!).f32x4Sub().localGet(b).f32x4Add().localSet(y1);
          c.localGet(dst).localGet(y0).localGet(y1).shuffle32([0, 4, 1, 5]).v128Store(0);
          c.localGet(dst).localGet(y0).localGet(y1).shuffle32([2, 6, 3, 7]).v128Store(16);
          if (i === 0) c.localGet(dst).localGet(wpBytes).i32Add().localSet(dst);
        }
        c.localGet(tw).i32Const(4).i32Add().localSet(tw);
      });
      c.localGet(th).i32Const(1).i32Add().localSet(th);
    });
    // Copy the oH×oW corner out.
    c.i32Const(0).localSet(r);
    c.while(() => c.localGet(r).localGet(oH).i32LtS(), () => {
      c.localGet(y).localGet(r).localGet(oW).i32Mul().i32Const(4).i32Mul().i32Add().localSet(dst);
      c.localGet(pad).localGet(r).localGet(wpBytes).i32Mul().i32Add().localSet(src);
      c.localGet(oW).localSet(cn);
      copyRow(c, dst, src, cn);
      c.localGet(r).i32Const(1).i32Add().localSet(r);
    });
    c.localGet(y).localGet(oH).localGet(oW).i32Mul().i32Const(4).i32Mul().i32Add().localSet(y);
    c.localGet(ch).i32Const(1).i32Add().localSet(ch);
  });
  return c;
}
