/**
 * The generated softmax kernel: `softmax_rows(src, dst, rows, n)` normalises `rows` contiguous rows
 * of n floats (n a multiple of 4), four lanes at a time, in three passes over each row:
 *   m = max of the row (NaN-propagating, as f32x4.max is), s = |m| < ∞ ? m : 0,
 *   dst = exp(x − s) and Σ of it (in four float32 lanes),   dst *= 1 / Σ.
 * exp is the vector polynomial of unary-kernel.ts (about an ulp).
 * And its backward, `softmax_backward_rows(y, dy, dst, rows, n)`, in two passes over each row:
 *   dot = Σ dy ⊙ y (in four float32 lanes),   dst = y ⊙ (dy − dot).
 */

import { kernel } from './commands.ts';
import { Code, f32, i32, v128 } from './emit/code.ts';
import { emitExp } from './unary-kernel.ts';

/** Reduce the vector on the stack to one f32 with `combine` (f32.max or f32.add), via local `tmp`. */
export function emitHorizontal(c: Code, tmp: number, combine: () => void): void {
  c.localSet(tmp).localGet(tmp).f32x4ExtractLane(0);
  for (let lane = 1; lane < 4; lane++) {
    c.localGet(tmp).f32x4ExtractLane(lane);
    combine();
  }
}

function softmaxBody(): Code {
  const c = new Code([i32, i32, i32, i32]);
  const [src, dst, rows, n] = [0, 1, 2, 3];
  const row = c.local(i32), i = c.local(i32), bytes = c.local(i32), from = c.local(i32), to = c.local(i32);
  const acc = c.local(v128), x = c.local(v128), t = c.local(v128), e = c.local(v128), shift = c.local(v128), tmp = c.local(v128);
  const m = c.local(f32);
  c.localGet(n).i32Const(4).i32Mul().localSet(bytes);
  c.while(() => c.localGet(row).localGet(rows).i32LtS(), () => {
    c.localGet(row).localGet(bytes).i32Mul().localTee(i).localGet(src).i32Add().localSet(from);
    c.localGet(i).localGet(dst).i32Add().localSet(to);
    // m = max(row); shift = m when finite, else 0 (an all −∞ row, a +∞ or a NaN in it)
    c.v128ConstF32([-Infinity, -Infinity, -Infinity, -Infinity]).localSet(acc);
    c.i32Const(0).localSet(i);
    c.while(() => c.localGet(i).localGet(bytes).i32LtS(), () => {
      c.localGet(acc).localGet(from).localGet(i).i32Add().v128Load().f32x4Max().localSet(acc);
      c.localGet(i).i32Const(16).i32Add().localSet(i);
    });
    c.localGet(acc);
    emitHorizontal(c, tmp, () => c.f32Max());
    c.localTee(m).f32Const(0).localGet(m).f32Abs().f32Const(Infinity).f32Lt().select().f32x4Splat().localSet(shift);
    // dst = exp(x − shift), acc = Σ
    c.v128ConstF32([0, 0, 0, 0]).localSet(acc);
    c.i32Const(0).localSet(i);
    c.while(() => c.localGet(i).localGet(bytes).i32LtS(), () => {
      c.localGet(from).localGet(i).i32Add().v128Load().localGet(shift).f32x4Sub().localSet(x);
      emitExp(c, x, t, e);
      c.localSet(e);
      c.localGet(to).localGet(i).i32Add().localGet(e).v128Store();
      c.localGet(acc).localGet(e).f32x4Add().localSet(acc);
      c.localGet(i).i32Const(16).i32Add().localSet(i);
    });
    // dst *= 1 / Σ
    c.f32Const(1).localGet(acc);
    emitHorizontal(c, tmp, () => c.f32Add());
    c.f32Div().f32x4Splat().localSet(acc);
    c.i32Const(0).localSet(i);
    c.while(() => c.localGet(i).localGet(bytes).i32LtS(), () => {
      c.localGet(to).localGet(i).i32Add();
      c.localGet(to).localGet(i).i32Add().v128Load().localGet(acc).f32x4Mul().v128Store();
      c.localGet(i).i32Const(16).i32Add().localSet(i);
    });
    c.localGet(row).i32Const(1).i32Add().localSet(row);
  });
  return c;
}

/** softmax_rows(src, dst, rows, n). */
export const softmaxKernel = kernel({ name: 'softmax_rows', params: ['src', 'dst', 'rows', 'n'], emit: ({ mod }) => mod.declare('softmax_rows', softmaxBody()) });

function softmaxBackwardBody(): Code {
  const c = new Code([i32, i32, i32, i32, i32]);
  const [y, dy, dst, rows, n] = [0, 1, 2, 3, 4];
  const row = c.local(i32), i = c.local(i32), bytes = c.local(i32), base = c.local(i32), end = c.local(i32);
  const acc = c.local(v128), tmp = c.local(v128);
  c.localGet(n).i32Const(4).i32Mul().localSet(bytes);
  c.while(() => c.localGet(row).localGet(rows).i32LtS(), () => {
    c.localGet(row).localGet(bytes).i32Mul().localTee(base).localGet(bytes).i32Add().localSet(end);
    // acc = Σ dy ⊙ y, then its four lanes summed and splatted
    c.v128ConstF32([0, 0, 0, 0]).localSet(acc);
    c.localGet(base).localSet(i);
    c.while(() => c.localGet(i).localGet(end).i32LtS(), () => {
      c.localGet(acc).localGet(dy).localGet(i).i32Add().v128Load().localGet(y).localGet(i).i32Add().v128Load().f32x4Mul().f32x4Add().localSet(acc);
      c.localGet(i).i32Const(16).i32Add().localSet(i);
    });
    c.localGet(acc);
    emitHorizontal(c, tmp, () => c.f32Add());
    c.f32x4Splat().localSet(acc);
    // dst = y ⊙ (dy − dot)
    c.localGet(base).localSet(i);
    c.while(() => c.localGet(i).localGet(end).i32LtS(), () => {
      c.localGet(dst).localGet(i).i32Add();
      c.localGet(y).localGet(i).i32Add().v128Load();
      c.localGet(dy).localGet(i).i32Add().v128Load().localGet(acc).f32x4Sub().f32x4Mul().v128Store();
      c.localGet(i).i32Const(16).i32Add().localSet(i);
    });
    c.localGet(row).i32Const(1).i32Add().localSet(row);
  });
  return c;
}

/** softmax_backward_rows(y, dy, dst, rows, n). */
export const softmaxBackwardKernel = kernel({ name: 'softmax_backward_rows', params: ['y', 'dy', 'dst', 'rows', 'n'], emit: ({ mod }) => mod.declare('softmax_backward_rows', softmaxBackwardBody()) });
