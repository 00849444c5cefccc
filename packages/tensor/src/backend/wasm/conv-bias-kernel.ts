/**
 * The generated kernel of conv2d's bias gradient: `conv_bias_grad(src, rows, n, dst)` writes
 * dst[r] = Σ_i src[r·n + i] for `rows` contiguous rows of n floats (the H'·W' plane of one image and
 * channel of dy), four lanes at a time (unaligned loads, so any n), then the last n mod 4 one by one.
 */

import { kernel } from './commands.ts';
import { Code, f32, i32, v128 } from './emit/code.ts';
import { emitHorizontal } from './softmax-kernel.ts';

function biasGradBody(): Code {
  const c = new Code([i32, i32, i32, i32]);
  const [src, rows, n, dst] = [0, 1, 2, 3];
  const row = c.local(i32), p = c.local(i32), end = c.local(i32), vecEnd = c.local(i32);
  const acc = c.local(v128), sum = c.local(f32);
  c.while(() => c.localGet(row).localGet(rows).i32LtS(), () => {
    // p walks the row [p, end); vecEnd = end − (n mod 4)·4.
    c.localGet(src).localGet(row).localGet(n).i32Mul().i32Const(4).i32Mul().i32Add().localTee(p);
    c.localGet(n).i32Const(4).i32Mul().i32Add().localTee(end);
    c.localGet(n).i32Const(3).i32And().i32Const(4).i32Mul().i32Sub().localSet(vecEnd);
    c.v128ConstF32([0, 0, 0, 0]).localSet(acc);
    c.while(() => c.localGet(p).localGet(vecEnd).i32LtU(), () => {
      c.localGet(acc).localGet(p).v128Load().f32x4Add().localSet(acc);
      c.localGet(p).i32Const(16).i32Add().localSet(p);
    });
    // The four lanes summed, then the tail.
    c.localGet(acc);
    emitHorizontal(c, acc, () => c.f32Add());
    c.localSet(sum);
    c.while(() => c.localGet(p).localGet(end).i32LtU(), () => {
      c.localGet(sum).localGet(p).f32Load().f32Add().localSet(sum);
      c.localGet(p).i32Const(4).i32Add().localSet(p);
    });
    c.localGet(dst).localGet(row).i32Const(4).i32Mul().i32Add().localGet(sum).f32Store();
    c.localGet(row).i32Const(1).i32Add().localSet(row);
  });
  return c;
}

/** conv_bias_grad(src, rows, n, dst). */
export const convBiasGradKernel = kernel({ name: 'conv_bias_grad', params: ['src', 'rows', 'n', 'dst'], emit: ({ mod }) => mod.declare('conv_bias_grad', biasGradBody()) });
