/**
 * Generated group norm kernels, forward and backward, optionally fused with SiLU: the formulas of
 * js/norm.ts, four lanes at a time. A (sample, group) block of x [N, C, S] is contiguous (its
 * channels × S positions, S a multiple of 4); blocks [b0, b1) are one thread's share.
 *
 *   group_norm(x, w, b, dst, b0, b1, perGroup, S, groups, epsBits, silu)
 *     per block: μ, then σ² = mean((x − μ)²), both summed in f64; rstd = (σ² + eps)^−½;
 *     per channel c: y = (x − μ)·(rstd·w_c) + b_c, and SiLU(y) = y / (1 + e^−y) when `silu`.
 *   group_norm_backward(x, w, b, dy, dst, sums, b0, b1, perGroup, S, groups, epsBits, silu)
 *     per channel: g = dy (· SiLU'(y) when `silu`), written to dst, with Σ g and Σ g·x̂ (f64) stored
 *     at sums[2·(block·perGroup + ci)] (the caller adds them over samples for ∂w and ∂b); then
 *     dst = rstd · (g·w_c − mean(g·w) − x̂ · mean(g·w·x̂)), the means over the block.
 * `epsBits` is eps as float32 bits (command arguments are i32).
 */

import { kernel } from './commands.ts';
import { Code, f64, i32, v128 } from './emit/code.ts';
import { emitExp } from './unary-kernel.ts';

const splat = (v: number): [number, number, number, number] => [v, v, v, v];

/** Locals shared by both kernels' block loops. */
interface Frame {
  readonly x: number;
  readonly perGroup: number;
  readonly S: number;
  readonly groups: number;
  readonly epsBits: number;
  readonly blk: number;
  readonly block: number; // byte address of the block in x
  readonly size: number; // block length in floats
  readonly i: number;
  readonly end: number;
  readonly accLo: number;
  readonly accHi: number;
  readonly v: number;
  readonly mu: number; // f64
  readonly rstd: number; // f64
  readonly mu4: number;
  readonly rstd4: number;
}

/** Push, as one f64, the sum of the four lanes of f64 accumulators `lo` and `hi`. */
function emitSum(c: Code, lo: number, hi: number): void {
  c.localGet(lo).f64x2ExtractLane(0).localGet(lo).f64x2ExtractLane(1).f64Add()
    .localGet(hi).f64x2ExtractLane(0).f64Add().localGet(hi).f64x2ExtractLane(1).f64Add();
}

/** Add the f32x4 vector in local `v` into the f64 accumulators `lo` (lanes 0, 1) and `hi` (lanes 2, 3). */
function emitAccumulate(c: Code, v: number, lo: number, hi: number): void {
  c.localGet(lo).localGet(v).f64x2PromoteLowF32x4().f64x2Add().localSet(lo);
  c.localGet(hi).localGet(v).localGet(v).shuffle32([2, 3, 0, 1]).f64x2PromoteLowF32x4().f64x2Add().localSet(hi);
}

/** for (i = from; i < from + bytes; i += 16) body(), with `from` and `bytes` pushed by the callbacks. */
function emitVectorLoop(c: Code, f: Frame, from: () => void, bytes: () => void, body: () => void): void {
  from();
  c.localTee(f.i);
  bytes();
  c.i32Add().localSet(f.end);
  c.while(() => c.localGet(f.i).localGet(f.end).i32LtS(), () => {
    body();
    c.localGet(f.i).i32Const(16).i32Add().localSet(f.i);
  });
}

/** Set μ, rstd (f64) and their f32 splats for the block at `f.block`. */
function emitMoments(c: Code, f: Frame): void {
  const wholeBlock = (body: () => void) => emitVectorLoop(c, f, () => c.localGet(f.block), () => c.localGet(f.size).i32Const(4).i32Mul(), body);
  const zero = () => { c.v128ConstF32(splat(0)).localTee(f.accLo).localSet(f.accHi); };
  zero();
  wholeBlock(() => { c.localGet(f.i).v128Load().localSet(f.v); emitAccumulate(c, f.v, f.accLo, f.accHi); });
  emitSum(c, f.accLo, f.accHi);
  c.localGet(f.size).f64ConvertI32S().f64Div().localTee(f.mu).f32DemoteF64().f32x4Splat().localSet(f.mu4);
  zero();
  wholeBlock(() => {
    c.localGet(f.i).v128Load().localGet(f.mu4).f32x4Sub().localTee(f.v).localGet(f.v).f32x4Mul().localSet(f.v);
    emitAccumulate(c, f.v, f.accLo, f.accHi);
  });
  // rstd = 1 / √(Σ/size + eps)
  c.f64Const(1);
  emitSum(c, f.accLo, f.accHi);
  c.localGet(f.size).f64ConvertI32S().f64Div().localGet(f.epsBits).f32ReinterpretI32().f64PromoteF32().f64Add().f64Sqrt().f64Div();
  c.localTee(f.rstd).f32DemoteF64().f32x4Splat().localSet(f.rstd4);
}

/** The frame's locals on `c`, whose parameters include x, perGroup, S, groups and epsBits at the given indices. */
function frame(c: Code, params: { x: number; perGroup: number; S: number; groups: number; epsBits: number }): Frame {
  return {
    ...params,
    blk: c.local(i32), block: c.local(i32), size: c.local(i32), i: c.local(i32), end: c.local(i32),
    accLo: c.local(v128), accHi: c.local(v128), v: c.local(v128),
    mu: c.local(f64), rstd: c.local(f64), mu4: c.local(v128), rstd4: c.local(v128),
  };
}

/** Run `body(ci)` for each block in [b0, b1) after its moments, with `ch` = the channel index of ci. */
function emitBlocks(c: Code, f: Frame, b0: number, b1: number, body: () => void): void {
  c.localGet(f.perGroup).localGet(f.S).i32Mul().localSet(f.size);
  c.localGet(b0).localSet(f.blk);
  c.while(() => c.localGet(f.blk).localGet(b1).i32LtS(), () => {
    c.localGet(f.x).localGet(f.blk).localGet(f.size).i32Mul().i32Const(4).i32Mul().i32Add().localSet(f.block);
    emitMoments(c, f);
    body();
    c.localGet(f.blk).i32Const(1).i32Add().localSet(f.blk);
  });
}

/** for ci in [0, perGroup): set `ch` (the channel) and `row` (byte offset of the channel's row in its block), then body(). */
function emitChannels(c: Code, f: Frame, ci: number, ch: number, row: number, body: () => void): void {
  c.i32Const(0).localSet(ci);
  c.while(() => c.localGet(ci).localGet(f.perGroup).i32LtS(), () => {
    c.localGet(f.blk).localGet(f.groups).i32RemS().localGet(f.perGroup).i32Mul().localGet(ci).i32Add().localSet(ch);
    c.localGet(ci).localGet(f.S).i32Mul().i32Const(4).i32Mul().localSet(row);
    body();
    c.localGet(ci).i32Const(1).i32Add().localSet(ci);
  });
}

/** Leave σ(y) for the vector in local `y` on the stack (uses `t`, `n`, `e` as scratch; `y` is kept). */
function emitSigmoidOf(c: Code, y: number, e: number, t: number, n: number): void {
  c.v128ConstF32(splat(1)).v128ConstF32(splat(1));
  c.localGet(y).f32x4Neg().localSet(e);
  emitExp(c, e, t, n);
  c.f32x4Add().f32x4Div();
}

function forwardBody(): Code {
  const c = new Code([i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32]);
  const [x, w, b, dst, b0, b1, perGroup, S, groups, epsBits, silu] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const f = frame(c, { x, perGroup, S, groups, epsBits });
  const ci = c.local(i32), ch = c.local(i32), row = c.local(i32), out = c.local(i32);
  const scale = c.local(v128), shift = c.local(v128), y = c.local(v128), e = c.local(v128), t = c.local(v128), n = c.local(v128);
  c.localGet(dst).localGet(x).i32Sub().localSet(out); // dst sits at the same offsets as x: out + i stores element i
  emitBlocks(c, f, b0, b1, () => emitChannels(c, f, ci, ch, row, () => {
    // scale = rstd·w_c, shift = b_c
    c.localGet(f.rstd).f32DemoteF64().localGet(w).localGet(ch).i32Const(4).i32Mul().i32Add().f32Load().f32Mul().f32x4Splat().localSet(scale);
    c.localGet(b).localGet(ch).i32Const(4).i32Mul().i32Add().v128Load32Splat().localSet(shift);
    emitVectorLoop(c, f, () => c.localGet(f.block).localGet(row).i32Add(), () => c.localGet(f.S).i32Const(4).i32Mul(), () => {
      c.localGet(f.i).v128Load().localGet(f.mu4).f32x4Sub().localGet(scale).f32x4Mul().localGet(shift).f32x4Add().localSet(y);
      c.localGet(silu).if(() => {
        c.localGet(y);
        emitSigmoidOf(c, y, e, t, n);
        c.f32x4Mul().localSet(y);
      });
      c.localGet(out).localGet(f.i).i32Add().localGet(y).v128Store();
    });
  }));
  return c;
}

function backwardBody(): Code {
  const c = new Code([i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32]);
  const [x, w, b, dy, dst, sums, b0, b1, perGroup, S, groups, epsBits, silu] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const f = frame(c, { x, perGroup, S, groups, epsBits });
  const ci = c.local(i32), ch = c.local(i32), row = c.local(i32), delta = c.local(i32), slot = c.local(i32);
  const w4 = c.local(v128), b4 = c.local(v128), xhat = c.local(v128), g = c.local(v128), y = c.local(v128), s = c.local(v128);
  const e = c.local(v128), t = c.local(v128), n = c.local(v128), gxLo = c.local(v128), gxHi = c.local(v128);
  const sumG = c.local(f64), sumGx = c.local(f64), sD = c.local(f64), sDX = c.local(f64), wc = c.local(f64), meanG = c.local(v128), meanGx = c.local(v128);
  const loadW = () => c.localGet(w).localGet(ch).i32Const(4).i32Mul().i32Add();
  const rowLoop = (body: () => void) => emitVectorLoop(c, f, () => c.localGet(f.block).localGet(row).i32Add(), () => c.localGet(f.S).i32Const(4).i32Mul(), body);
  // x̂ = (x − μ)·rstd for the vector at address i
  const emitXhat = () => c.localGet(f.i).v128Load().localGet(f.mu4).f32x4Sub().localGet(f.rstd4).f32x4Mul().localSet(xhat);
  emitBlocks(c, f, b0, b1, () => {
    // dy and dst sit at the same offsets as x: element i of them is at dy − x + i, dst − x + i.
    c.f64Const(0).localSet(sumG).f64Const(0).localSet(sumGx);
    emitChannels(c, f, ci, ch, row, () => {
      loadW().v128Load32Splat().localSet(w4);
      c.localGet(b).localGet(ch).i32Const(4).i32Mul().i32Add().v128Load32Splat().localSet(b4);
      c.v128ConstF32(splat(0)).localTee(f.accLo).localTee(f.accHi).localTee(gxLo).localSet(gxHi);
      rowLoop(() => {
        emitXhat();
        c.localGet(dy).localGet(f.x).i32Sub().localGet(f.i).i32Add().v128Load().localSet(g);
        c.localGet(silu).if(() => {
          // g ← g · s · (1 + y·(1 − s)), s = σ(y), y = x̂·w + b
          c.localGet(xhat).localGet(w4).f32x4Mul().localGet(b4).f32x4Add().localSet(y);
          emitSigmoidOf(c, y, e, t, n);
          c.localSet(s);
          c.localGet(g).localGet(s).f32x4Mul();
          c.v128ConstF32(splat(1)).localGet(s).f32x4Sub().localGet(y).f32x4Mul().v128ConstF32(splat(1)).f32x4Add();
          c.f32x4Mul().localSet(g);
        });
        c.localGet(dst).localGet(f.x).i32Sub().localGet(f.i).i32Add().localGet(g).v128Store();
        emitAccumulate(c, g, f.accLo, f.accHi);
        c.localGet(g).localGet(xhat).f32x4Mul().localSet(y);
        emitAccumulate(c, y, gxLo, gxHi);
      });
      emitSum(c, f.accLo, f.accHi);
      c.localSet(sD);
      emitSum(c, gxLo, gxHi);
      c.localSet(sDX);
      // sums[2·(blk·perGroup + ci)] = Σ g, then Σ g·x̂
      c.localGet(sums).localGet(f.blk).localGet(f.perGroup).i32Mul().localGet(ci).i32Add().i32Const(16).i32Mul().i32Add().localTee(slot);
      c.localGet(sD).f64Store();
      c.localGet(slot).localGet(sDX).f64Store(8);
      loadW().f32Load().f64PromoteF32().localTee(wc).localGet(sD).f64Mul().localGet(sumG).f64Add().localSet(sumG);
      c.localGet(wc).localGet(sDX).f64Mul().localGet(sumGx).f64Add().localSet(sumGx);
    });
    // The block's means of g·w and g·w·x̂, then dx.
    c.localGet(sumG).localGet(f.size).f64ConvertI32S().f64Div().f32DemoteF64().f32x4Splat().localSet(meanG);
    c.localGet(sumGx).localGet(f.size).f64ConvertI32S().f64Div().f32DemoteF64().f32x4Splat().localSet(meanGx);
    emitChannels(c, f, ci, ch, row, () => {
      loadW().v128Load32Splat().localSet(w4);
      rowLoop(() => {
        c.localGet(dst).localGet(f.x).i32Sub().localGet(f.i).i32Add().localTee(delta); // store address
        emitXhat();
        c.localGet(delta).v128Load().localGet(w4).f32x4Mul().localGet(meanG).f32x4Sub();
        c.localGet(xhat).localGet(meanGx).f32x4Mul().f32x4Sub().localGet(f.rstd4).f32x4Mul();
        c.v128Store();
      });
    });
  });
  return c;
}

/** group_norm: see the header for the parameters. */
export const groupNormKernel = kernel({
  name: 'group_norm', params: ['x', 'w', 'b', 'dst', 'b0', 'b1', 'perGroup', 'S', 'groups', 'epsBits', 'silu'],
  emit: ({ mod }) => mod.declare('group_norm', forwardBody()),
});
/** group_norm_backward: see the header for the parameters. */
export const groupNormBackwardKernel = kernel({
  name: 'group_norm_backward', params: ['x', 'w', 'b', 'dy', 'dst', 'sums', 'b0', 'b1', 'perGroup', 'S', 'groups', 'epsBits', 'silu'],
  emit: ({ mod }) => mod.declare('group_norm_backward', backwardBody()),
});
