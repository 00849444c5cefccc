/**
 * Generated kernels of the weight gradient of Winograd's F(2×2, 3×3) convolution (Lavin & Gray 2016,
 * Section 4.2): the 4×4 transform A dy Aᵀ of each 2×2 tile of the output gradient, and Gᵀ S G of the
 * GEMM's sums. The forward transforms, the layouts and the plane scratch are in winograd-kernel.ts.
 */

import { kernel, type EmitContext } from './commands.ts';
import { Code, f32, i32, v128 } from './emit/code.ts';
import { copyRow } from './winograd-kernel.ts';

interface GradientFunctions {
  readonly gradient: number;
  readonly filterGrad: number;
}

const gradientFunctions = (ctx: EmitContext): GradientFunctions => ctx.once('winograd-gradient', () => ({
  gradient: ctx.mod.declare('wino_gradient', gradientTransform()),
  filterGrad: ctx.mod.declare('wino_filter_grad', filterGradTransform()),
}));

/**
 * wino_gradient: for the weight gradient, Ă[ξ][o][col0 + t] = (A dy Aᵀ)[ξ] of 2×2 tile t of `count`
 * planes dy (oH×oW at dy, zero past the edges through the plane scratch `pad`), row-major with rows
 * `rowStride` bytes apart.
 */
export const winoGradient = kernel({
  name: 'wino_gradient', params: ['dy', 'count', 'oH', 'oW', 'tilesH', 'tilesWp', 'pad', 'a', 'rowStride', 'xiStride'],
  emit: (ctx) => gradientFunctions(ctx).gradient,
});
/** wino_filter_grad: dw[i][j] = Gᵀ S[·][i][j] G for i < rows, j < cols: S[ξ] row-major (cols wide), dw [rows][cols][3][3]. */
export const winoFilterGrad = kernel({
  name: 'wino_filter_grad', params: ['s', 'rows', 'cols', 'xiStride', 'dw'], emit: (ctx) => gradientFunctions(ctx).filterGrad,
});

/**
 * The weight gradient's tile transform. y = Aᵀ [U ⊙ V] A is linear in the filter g, and its adjoint
 * gives ∂L/∂g = Gᵀ [ (A dy Aᵀ) ⊙ (Bᵀ d B) ] G summed over tiles: this kernel makes A dy Aᵀ (4×4 from
 * each 2×2 tile of dy), the input transform makes Bᵀ d B, the GEMM sums their products over tiles,
 * and wino_filter_grad applies Gᵀ · G. This is Lavin & Gray's F(3×3, 2×2) for the weight gradient
 * (Section 4.2), whose matrices are those of F(2×2, 3×3) transposed: dy plays the 2×2 filter.
 * With A = (Aᵀ)ᵀ: rows of A·dy are dy₀, dy₀ + dy₁, dy₀ − dy₁, −dy₁.
 */
function gradientTransform(): Code {
  const c = new Code(Array.from({ length: 10 }, () => i32));
  const [dy, count, oH, oW, tilesH, tilesWp, pad, a, rowStride, xiStride] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const ch = c.local(i32), r = c.local(i32), th = c.local(i32), tw = c.local(i32), wpBytes = c.local(i32);
  const p = c.local(i32), dstRow = c.local(i32), dst = c.local(i32), cs = c.local(i32), cd = c.local(i32), cn = c.local(i32);
  const lo = c.local(v128), hi = c.local(v128);
  const d = Array.from({ length: 2 }, () => Array.from({ length: 2 }, () => c.local(v128)));
  const rr = Array.from({ length: 2 }, () => c.local(v128));
  c.localGet(tilesWp).i32Const(8).i32Mul().localSet(wpBytes); // 2·tilesWp floats per row
  c.localGet(pad).i32Const(0).localGet(tilesH).i32Const(2).i32Mul().localGet(wpBytes).i32Mul().memoryFill();
  c.while(() => c.localGet(ch).localGet(count).i32LtS(), () => {
    c.i32Const(0).localSet(r);
    c.while(() => c.localGet(r).localGet(oH).i32LtS(), () => {
      c.localGet(pad).localGet(r).localGet(wpBytes).i32Mul().i32Add().localSet(cd);
      c.localGet(dy).localGet(r).localGet(oW).i32Mul().i32Const(4).i32Mul().i32Add().localSet(cs);
      c.localGet(oW).localSet(cn);
      copyRow(c, cd, cs, cn);
      c.localGet(r).i32Const(1).i32Add().localSet(r);
    });
    c.localGet(a).localGet(ch).localGet(rowStride).i32Mul().i32Add().localSet(dstRow);
    c.i32Const(0).localSet(th);
    c.while(() => c.localGet(th).localGet(tilesH).i32LtS(), () => {
      c.i32Const(0).localSet(tw);
      c.while(() => c.localGet(tw).localGet(tilesWp).i32LtS(), () => {
        c.localGet(pad).localGet(th).i32Const(2).i32Mul().localGet(wpBytes).i32Mul().i32Add().localGet(tw).i32Const(8).i32Mul().i32Add().localSet(p);
        for (let row = 0; row < 2; row++) {
          c.localGet(p).v128Load(0).localSet(lo);
          c.localGet(p).v128Load(16).localSet(hi);
          c.localGet(lo).localGet(hi).shuffle32([0, 2, 4, 6]).localSet(d[row]![0]!);
          c.localGet(lo).localGet(hi).shuffle32([1, 3, 5, 7]).localSet(d[row]![1]!);
          if (row === 0) c.localGet(p).localGet(wpBytes).i32Add().localSet(p);
        }
        c.localGet(dstRow).localGet(th).localGet(tilesWp).i32Mul().localGet(tw).i32Add().i32Const(4).i32Mul().i32Add().localSet(dst);
        // (A·dy)[i][b] = rows dy₀, dy₀ + dy₁, dy₀ − dy₁, −dy₁; then the same along b.
        const combine = (x0: number, x1: number, i: number): void => {
          switch (i) {
            case 0: c.localGet(x0); break;
            case 1: c.localGet(x0).localGet(x1).f32x4Add(); break;
            case 2: c.localGet(x0).localGet(x1).f32x4Sub(); break;
            default: c.localGet(x1).f32x4Neg(); break;
          }
        };
        for (let i = 0; i < 4; i++) {
          for (let b = 0; b < 2; b++) {
            combine(d[0]![b]!, d[1]![b]!, i);
            c.localSet(rr[b]!);
          }
          for (let j = 0; j < 4; j++) {
            c.localGet(dst);
            if (4 * i + j > 0) c.localGet(xiStride).i32Const(4 * i + j).i32Mul().i32Add();
            combine(rr[0]!, rr[1]!, j);
            c.v128Store();
          }
        }
        c.localGet(tw).i32Const(4).i32Add().localSet(tw);
      });
      c.localGet(th).i32Const(1).i32Add().localSet(th);
    });
    c.localGet(dy).localGet(oH).localGet(oW).i32Mul().i32Const(4).i32Mul().i32Add().localSet(dy);
    c.localGet(ch).i32Const(1).i32Add().localSet(ch);
  });
  return c;
}

/** dw = Gᵀ S G: rows of Gᵀ·S are S₀ + ½S₁ + ½S₂, ½S₁ − ½S₂, ½S₁ + ½S₂ + S₃; then the same along columns. */
function filterGradTransform(): Code {
  const c = new Code([i32, i32, i32, i32, i32]);
  const [s, rows, cols, xiStride, dw] = [0, 1, 2, 3, 4];
  const i = c.local(i32), j = c.local(i32), src = c.local(i32), dst = c.local(i32);
  const S = Array.from({ length: 16 }, () => c.local(f32));
  const q = Array.from({ length: 12 }, () => c.local(f32)); // Gᵀ·S, 3×4
  const combine = (x: readonly number[], a: number): void => {
    const [x0, x1, x2, x3] = x as [number, number, number, number];
    switch (a) {
      case 0: c.localGet(x1).localGet(x2).f32Add().f32Const(0.5).f32Mul().localGet(x0).f32Add(); break;
      case 1: c.localGet(x1).localGet(x2).f32Sub().f32Const(0.5).f32Mul(); break;
      default: c.localGet(x1).localGet(x2).f32Add().f32Const(0.5).f32Mul().localGet(x3).f32Add(); break;
    }
  };
  c.while(() => c.localGet(i).localGet(rows).i32LtS(), () => {
    c.i32Const(0).localSet(j);
    c.while(() => c.localGet(j).localGet(cols).i32LtS(), () => {
      c.localGet(s).localGet(i).localGet(cols).i32Mul().localGet(j).i32Add().i32Const(4).i32Mul().i32Add().localSet(src);
      for (let xi = 0; xi < 16; xi++) {
        c.localGet(src);
        if (xi > 0) c.localGet(xiStride).i32Const(xi).i32Mul().i32Add();
        c.f32Load().localSet(S[xi]!);
      }
      for (let a = 0; a < 3; a++) for (let k = 0; k < 4; k++) {
        combine([S[k]!, S[4 + k]!, S[8 + k]!, S[12 + k]!], a);
        c.localSet(q[4 * a + k]!);
      }
      c.localGet(dw).localGet(i).localGet(cols).i32Mul().localGet(j).i32Add().i32Const(36).i32Mul().i32Add().localSet(dst);
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) {
        c.localGet(dst);
        combine([q[4 * a]!, q[4 * a + 1]!, q[4 * a + 2]!, q[4 * a + 3]!], b);
        c.f32Store(4 * (3 * a + b));
      }
      c.localGet(j).i32Const(1).i32Add().localSet(j);
    });
    c.localGet(i).i32Const(1).i32Add().localSet(i);
  });
  return c;
}
