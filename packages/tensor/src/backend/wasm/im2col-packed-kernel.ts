/**
 * im2col written straight into the GEMM's packed B layout, so the forward packs nothing twice. For
 * one image and group, with the column matrix of conv-kernel.ts,
 *   col[(c·kH + ki)·kW + kj][oi·oW + oj] = x[c][oi·sH − pH + ki·dH][oj·sW − pW + kj·dW]   (0 outside),
 * `conv_im2col_packed` writes the block B[k][j] = col[k0 + k][j0 + j] (k < kc, j < nc) as
 * gemm_pack_b would:
 *   B[k][j] at dst + 4·((⌊j / NR⌋·kc + k)·NR + j mod NR),   the last panel's lanes past nc zero.
 * It reads the image through its zero-padded copy (`conv_pad_image`, Hp = H + 2·pH rows of
 * Wp = W + 2·pW), where tap (c, ki, kj) of pixel (oi, oj) is xp[c][oi·sH + ki·dH][oj·sW + kj·dW]
 * with no bounds to test (the largest row, (oH − 1)·sH + (kH − 1)·dH, is at most Hp − 1 by the
 * definition of oH; likewise columns). Panel by panel, a run of lanes that is one piece of one
 * output row is copied for every tap in turn: a run of NR, NR/2 or NR/4 lanes at stride 1 or 2 is a
 * few unrolled vector copies per tap and nothing else.
 */

import { kernel } from './commands.ts';
import { geometryLocals, stridedCopy } from './conv-kernel.ts';
import { Code, i32 } from './emit/code.ts';

/**
 * conv_pad_image: rows [r0, r1) of the zero-padded copy, xp[c][r][q] = x[c][r − pH][q − pW] (0
 * outside the image), for each of the C planes of Hp × Wp at xp; other rows are left as they are.
 */
export const convPadImage = kernel({
  name: 'conv_pad_image', params: ['geometry', 'x', 'xp', 'r0', 'r1'],
  emit: (ctx) => ctx.once('conv-pad', () => ctx.mod.declare('conv_pad_image', padImage())),
});

/** conv_im2col_packed: the column block [k0, k0 + kc) × [j0, j0 + nc) of one image and group, from its padded copy xp, in NR-column panels at dst. */
export const convIm2colPacked = kernel({
  name: 'conv_im2col_packed', params: ['geometry', 'xp', 'k0', 'kc', 'j0', 'nc', 'dst'],
  emit: (ctx) => ctx.once('conv-packed', () => ctx.mod.declare('conv_im2col_packed', im2colPacked(ctx.shape.nr))),
});

/** Bytes of the zero-padded copy of one image and group that `conv_pad_image` writes. */
export const paddedImageBytes = (channels: number, H: number, W: number, pH: number, pW: number): number => 4 * channels * (H + 2 * pH) * (W + 2 * pW);

function padImage(): Code {
  const c = new Code([i32, i32, i32, i32, i32]);
  const [g, x, xp, r0, r1] = [0, 1, 2, 3, 4];
  const { C, H, W, pH, pW } = geometryLocals(c, g, ['C', 'H', 'W', 'pH', 'pW'] as const);
  const local = (): number => c.local(i32);
  const Wp = local(), planeBytes = local(), plane = local(), ch = local(), lo = local(), hi = local(), r = local();
  const s = local(), d = local(), n = local(), one = local(), four = local();
  c.localGet(W).localGet(pW).i32Const(2).i32Mul().i32Add().localSet(Wp);
  c.localGet(H).localGet(pH).i32Const(2).i32Mul().i32Add().localGet(Wp).i32Mul().i32Const(4).i32Mul().localSet(planeBytes);
  c.i32Const(1).localSet(one);
  c.i32Const(4).localSet(four);
  // Rows [lo, hi) of [r0, r1) hold image rows: lo = max(r0, pH), hi = min(r1, pH + H).
  c.localGet(r0).localGet(pH).localGet(r0).localGet(pH).i32GtS().select().localSet(lo);
  c.localGet(pH).localGet(H).i32Add().localTee(hi).localGet(r1).localGet(hi).localGet(r1).i32LtS().select().localSet(hi);
  c.localGet(xp).localSet(plane);
  c.while(() => c.localGet(ch).localGet(C).i32LtS(), () => {
    // Zero the rows, then copy each image row to column pW of its padded row.
    c.localGet(plane).localGet(r0).localGet(Wp).i32Mul().i32Const(4).i32Mul().i32Add().i32Const(0);
    c.localGet(r1).localGet(r0).i32Sub().localGet(Wp).i32Mul().i32Const(4).i32Mul().memoryFill();
    c.localGet(lo).localSet(r);
    c.while(() => c.localGet(r).localGet(hi).i32LtS(), () => {
      c.localGet(x).localGet(ch).localGet(H).i32Mul().localGet(r).i32Add().localGet(pH).i32Sub().localGet(W).i32Mul().i32Const(4).i32Mul().i32Add().localSet(s);
      c.localGet(plane).localGet(r).localGet(Wp).i32Mul().localGet(pW).i32Add().i32Const(4).i32Mul().i32Add().localSet(d);
      c.localGet(W).localSet(n);
      stridedCopy(c, d, s, n, one, four);
      c.localGet(r).i32Const(1).i32Add().localSet(r);
    });
    c.localGet(plane).localGet(planeBytes).i32Add().localSet(plane);
    c.localGet(ch).i32Const(1).i32Add().localSet(ch);
  });
  return c;
}

function im2colPacked(nr: number): Code {
  const c = new Code([i32, i32, i32, i32, i32, i32, i32]);
  const [g, xp, k0, kc, j0, nc, dst] = [0, 1, 2, 3, 4, 5, 6];
  const { H, W, kH, kW, sH, sW, pH, pW, dH, dW, oW } = geometryLocals(c, g, ['H', 'W', 'kH', 'kW', 'sH', 'sW', 'pH', 'pW', 'dH', 'dW', 'oW'] as const);
  const local = (): number => c.local(i32);
  const Wp = local(), planeBytes = local(), ch0 = local(), ki0 = local(), kj0 = local(), tapStart = local();
  const pj = local(), pn = local(), lane = local(), panel = local(), oi = local(), oj = local(), len = local();
  const ki = local(), kj = local(), k = local(), sk = local(), dk = local(), s = local(), d = local(), n = local();
  const kjStep = local(), kiStep = local(), chStep = local(), panelBytes = local(), z = local(), t = local();
  /** out = min(p, q) of two locals. */
  const minInto = (out: number, p: number, q: number): void => {
    c.localGet(p).localGet(q).localGet(p).localGet(q).i32LtS().select().localSet(out);
  };

  c.localGet(W).localGet(pW).i32Const(2).i32Mul().i32Add().localSet(Wp);
  c.localGet(H).localGet(pH).i32Const(2).i32Mul().i32Add().localGet(Wp).i32Mul().i32Const(4).i32Mul().localSet(planeBytes);
  // Byte steps of the source between taps: kj + 1; ki + 1 (kj back to 0); next channel (ki back to 0).
  c.localGet(dW).i32Const(4).i32Mul().localSet(kjStep);
  c.localGet(dH).localGet(Wp).i32Mul().i32Const(4).i32Mul().localGet(kW).localGet(kjStep).i32Mul().i32Sub().localSet(kiStep);
  c.localGet(planeBytes).localGet(kH).localGet(dH).i32Mul().localGet(Wp).i32Mul().i32Const(4).i32Mul().i32Sub().localSet(chStep);
  c.localGet(kc).i32Const(4 * nr).i32Mul().localSet(panelBytes);
  c.localGet(sW).i32Const(4).i32Mul().localSet(z);
  // A partial last panel starts as zeros (its lanes past nc stay so).
  c.localGet(nc).i32Const(nr).i32RemU().if(() => {
    c.localGet(dst).localGet(nc).i32Const(nr).i32DivU().localGet(panelBytes).i32Mul().i32Add().i32Const(0).localGet(panelBytes).memoryFill();
  });
  // The first tap k0 = (ch0·kH + ki0)·kW + kj0, and its source offset ch0·planeBytes + 4·(ki0·dH·Wp + kj0·dW).
  c.localGet(kH).localGet(kW).i32Mul().localSet(t);
  c.localGet(k0).localGet(t).i32DivU().localSet(ch0);
  c.localGet(k0).localGet(t).i32RemU().localTee(t).localGet(kW).i32DivU().localSet(ki0);
  c.localGet(t).localGet(kW).i32RemU().localSet(kj0);
  c.localGet(ch0).localGet(planeBytes).i32Mul();
  c.localGet(ki0).localGet(dH).i32Mul().localGet(Wp).i32Mul().localGet(kj0).localGet(dW).i32Mul().i32Add().i32Const(4).i32Mul().i32Add().localSet(tapStart);

  /** For k < kc: copy this run (from sk, to dk) with `copy`, then step sk to the next tap and dk to the next panel row. */
  const taps = (copy: () => void): void => {
    c.localGet(ki0).localSet(ki);
    c.localGet(kj0).localSet(kj);
    c.i32Const(0).localSet(k);
    c.while(() => c.localGet(k).localGet(kc).i32LtS(), () => {
      copy();
      c.localGet(sk).localGet(kjStep).i32Add().localSet(sk);
      c.localGet(kj).i32Const(1).i32Add().localTee(kj).localGet(kW).i32Eq().if(() => {
        c.i32Const(0).localSet(kj);
        c.localGet(sk).localGet(kiStep).i32Add().localSet(sk);
        c.localGet(ki).i32Const(1).i32Add().localTee(ki).localGet(kH).i32Eq().if(() => {
          c.i32Const(0).localSet(ki);
          c.localGet(sk).localGet(chStep).i32Add().localSet(sk);
        });
      });
      c.localGet(dk).i32Const(4 * nr).i32Add().localSet(dk);
      c.localGet(k).i32Const(1).i32Add().localSet(k);
    });
  };

  c.localGet(dst).localSet(panel);
  c.while(() => c.localGet(pj).localGet(nc).i32LtS(), () => {
    c.localGet(nc).localGet(pj).i32Sub().localSet(pn);
    c.i32Const(nr).localSet(t);
    minInto(pn, pn, t);
    // Pixel j0 + pj is (oi, oj).
    c.localGet(j0).localGet(pj).i32Add().localTee(t).localGet(oW).i32DivU().localSet(oi);
    c.localGet(t).localGet(oW).i32RemU().localSet(oj);
    c.i32Const(0).localSet(lane);
    c.while(() => c.localGet(lane).localGet(pn).i32LtS(), () => {
      // A run: lanes [lane, lane + len) of the panel are columns [oj, oj + len) of output row oi.
      c.localGet(oW).localGet(oj).i32Sub().localSet(len);
      c.localGet(pn).localGet(lane).i32Sub().localSet(t);
      minInto(len, len, t);
      c.localGet(panel).localGet(lane).i32Const(4).i32Mul().i32Add().localSet(dk);
      c.localGet(xp).localGet(tapStart).i32Add().localGet(oi).localGet(sH).i32Mul().localGet(Wp).i32Mul().localGet(oj).localGet(sW).i32Mul().i32Add().i32Const(4).i32Mul().i32Add().localSet(sk);
      // Runs of NR, NR/2 or NR/4 lanes (a whole panel, or output rows of NR/2 or NR/4 pixels) at stride
      // 1 or 2: unrolled vector copies. Anything else: the generic strided copy.
      const unrolled = [nr, nr / 2, nr / 4].filter((w, i, all) => w % 4 === 0 && w > 0 && all.indexOf(w) === i).flatMap((w) => [[w, 1], [w, 2]] as const);
      const chain = (i: number): void => {
        const variant = unrolled[i];
        if (variant === undefined) {
          taps(() => {
            c.localGet(sk).localSet(s).localGet(dk).localSet(d).localGet(len).localSet(n);
            stridedCopy(c, d, s, n, sW, z);
          });
          return;
        }
        const [width, stride] = variant;
        c.localGet(len).i32Const(width).i32Eq().localGet(sW).i32Const(stride).i32Eq().i32And().if(() => taps(() => {
          for (let v = 0; v < width / 4; v++) {
            if (stride === 1) c.localGet(dk).localGet(sk).v128Load(16 * v).v128Store(16 * v);
            // Lanes 4v … 4v + 3 are s[8v], s[8v + 2], s[8v + 4], s[8v + 6]: from s[8v .. 8v + 4) and s[8v + 3 .. 8v + 7).
            else c.localGet(dk).localGet(sk).v128Load(32 * v).localGet(sk).v128Load(32 * v + 12).shuffle32([0, 2, 5, 7]).v128Store(16 * v);
          }
        }), () => chain(i + 1));
      };
      chain(0);
      // The next run: the rest of the panel starts the next output row.
      c.localGet(lane).localGet(len).i32Add().localSet(lane);
      c.i32Const(0).localSet(oj);
      c.localGet(oi).i32Const(1).i32Add().localSet(oi);
    });
    c.localGet(panel).localGet(panelBytes).i32Add().localSet(panel);
    c.localGet(pj).i32Const(nr).i32Add().localSet(pj);
  });
  return c;
}
