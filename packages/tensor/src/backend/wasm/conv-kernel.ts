/**
 * Generated im2col and col2im for conv2d as GEMM (Chellapilla et al. 2006, "High Performance
 * Convolutional Neural Networks for Document Processing"). For one image and group, the column
 * matrix has a row per tap (c, ki, kj) and a column per output pixel (oi, oj):
 *   col[(c·kH + ki)·kW + kj][oi·oW + oj] = x[c][oi·sH − pH + ki·dH][oj·sW − pW + kj·dW]  (0 outside)
 * im2col writes it; col2im adds it back onto x (the adjoint, for the input gradient).
 *
 * Both read a geometry record (i32 words, see `ConvGeometryWords`) whose per-kj tables give the
 * range [ojLo, ojHi) of output columns whose input column is inside the image, so the inner loops
 * never test bounds: one zero run, one copy run (vectorised when sW is 1 or 2), one zero run per row.
 */

import { kernel } from './commands.ts';
import { Code, i32, v128 } from './emit/code.ts';
import type { ModuleBuilder } from './emit/module.ts';

/** Word offsets in the geometry record; the ojLo table starts at TABLE, ojHi at TABLE + kW. */
export const ConvGeometryWords = {
  C: 0, H: 1, W: 2, kH: 3, kW: 4, sH: 5, sW: 6, pH: 7, pW: 8, dH: 9, dW: 10, oH: 11, oW: 12, TABLE: 16,
} as const;

/** Read the listed words of the geometry record at local g into new i32 locals, by name. */
export function geometryLocals<const Names extends readonly (keyof typeof ConvGeometryWords)[]>(c: Code, g: number, names: Names): Record<Names[number], number> {
  const out = {} as Record<string, number>;
  for (const name of names) {
    out[name] = c.local(i32);
    c.localGet(g).i32Load(4 * ConvGeometryWords[name]).localSet(out[name]);
  }
  return out as Record<Names[number], number>;
}

export interface ConvFunctions {
  /** im2col(geometry, x, col) */
  readonly im2col: number;
  /** col2im(geometry, col, x): x += the adjoint of im2col applied to col. */
  readonly col2im: number;
}

export function addConvFunctions(mod: ModuleBuilder): ConvFunctions {
  const im2col = mod.declare('conv_im2col', columns('im2col'));
  const col2im = mod.declare('conv_col2im', columns('col2im'));
  return { im2col, col2im };
}

/** conv_im2col: the column matrix of one image and group (geometry: a `ConvGeometryWords` record). */
export const convIm2col = kernel({ name: 'conv_im2col', params: ['geometry', 'x', 'col'], emit: (ctx) => ctx.once('conv', () => addConvFunctions(ctx.mod)).im2col });
/** conv_col2im: x += the adjoint of im2col applied to col. */
export const convCol2im = kernel({ name: 'conv_col2im', params: ['geometry', 'col', 'x'], emit: (ctx) => ctx.once('conv', () => addConvFunctions(ctx.mod)).col2im });

/** One generator for both directions: they share every loop and differ in the innermost run. */
function columns(direction: 'im2col' | 'col2im'): Code {
  const c = new Code([i32, i32, i32]);
  const g = 0;
  // im2col(g, x, col) and col2im(g, col, x): name the image and the column matrix either way.
  const [image, colm] = direction === 'im2col' ? [1, 2] : [2, 1];
  const G = ConvGeometryWords;
  const word = (w: number): void => { c.localGet(g).i32Load(4 * w); };
  const local = (): number => c.local(i32);
  const { C, H, W, kH, kW, sH, pH, dH, oW, oH, sW } = geometryLocals(c, g, ['C', 'H', 'W', 'kH', 'kW', 'sH', 'pH', 'dH', 'oW', 'oH', 'sW'] as const);
  const ch = local(), ki = local(), kj = local(), oi = local(), y = local(), plane = local(), row = local();
  const xoff = local(), lo = local(), hi = local(), n = local(), s = local(), d = local(), z = local();
  const zero = c.local(v128);

  /** ptr[0..count) = 0 (im2col only). */
  const zeroRun = (ptr: number, count: number): void => {
    c.localGet(ptr).localSet(d).localGet(count).localSet(n);
    zeroFloats(c, d, n, zero);
  };

  // z = 4·sW: byte step along an input row.
  c.localGet(sW).i32Const(4).i32Mul().localSet(z);
  c.localGet(image).localSet(plane);
  c.while(() => c.localGet(ch).localGet(C).i32LtS(), () => {
    c.i32Const(0).localSet(ki);
    c.while(() => c.localGet(ki).localGet(kH).i32LtS(), () => {
      c.i32Const(0).localSet(kj);
      c.while(() => c.localGet(kj).localGet(kW).i32LtS(), () => {
        // This tap's valid output columns [lo, hi), and input column = oj·sW + xoff.
        c.localGet(g).localGet(kj).i32Const(4).i32Mul().i32Add().localTee(d).i32Load(4 * G.TABLE).localSet(lo);
        c.localGet(d).localGet(kW).i32Const(4).i32Mul().i32Add().i32Load(4 * G.TABLE).localSet(hi);
        word(G.dW);
        c.localGet(kj).i32Mul();
        word(G.pW);
        c.i32Sub().localSet(xoff);
        c.i32Const(0).localSet(oi);
        c.while(() => c.localGet(oi).localGet(oH).i32LtS(), () => {
          // y = oi·sH − pH + ki·dH: the input row, maybe outside the image.
          c.localGet(oi).localGet(sH).i32Mul().localGet(pH).i32Sub().localGet(ki).localGet(dH).i32Mul().i32Add().localSet(y);
          const inside = (): void => { c.localGet(y).i32Const(0).i32GeS().localGet(y).localGet(H).i32LtS().i32And(); };
          if (direction === 'im2col') {
            inside();
            c.if(() => {
              zeroRun(colm, lo);
              // s = &x[y][lo·sW + xoff], d = &col[row][lo]
              c.localGet(plane).localGet(y).localGet(W).i32Mul().localGet(lo).localGet(sW).i32Mul().i32Add().localGet(xoff).i32Add().i32Const(4).i32Mul().i32Add().localSet(s);
              c.localGet(colm).localGet(lo).i32Const(4).i32Mul().i32Add().localSet(d);
              c.localGet(hi).localGet(lo).i32Sub().localSet(n);
              stridedCopy(c, d, s, n, sW, z);
              c.localGet(colm).localGet(hi).i32Const(4).i32Mul().i32Add().localSet(row);
              c.localGet(oW).localGet(hi).i32Sub().localSet(n);
              zeroRun(row, n);
            }, () => zeroRun(colm, oW));
          } else {
            inside();
            c.if(() => {
              // x[y][lo·sW + xoff …] += col[row][lo … hi)
              c.localGet(plane).localGet(y).localGet(W).i32Mul().localGet(lo).localGet(sW).i32Mul().i32Add().localGet(xoff).i32Add().i32Const(4).i32Mul().i32Add().localSet(d);
              c.localGet(colm).localGet(lo).i32Const(4).i32Mul().i32Add().localSet(s);
              c.localGet(hi).localGet(lo).i32Sub().localSet(n);
              c.localGet(sW).i32Const(1).i32Eq().if(() => {
                c.while(() => c.localGet(n).i32Const(4).i32GeS(), () => {
                  c.localGet(d).localGet(d).v128Load().localGet(s).v128Load().f32x4Add().v128Store();
                  c.localGet(s).i32Const(16).i32Add().localSet(s);
                  c.localGet(d).i32Const(16).i32Add().localSet(d);
                  c.localGet(n).i32Const(4).i32Sub().localSet(n);
                });
              });
              c.while(() => c.localGet(n).i32Const(0).i32GtS(), () => {
                c.localGet(d).localGet(d).f32Load().localGet(s).f32Load().f32Add().f32Store();
                c.localGet(s).i32Const(4).i32Add().localSet(s);
                c.localGet(d).localGet(z).i32Add().localSet(d);
                c.localGet(n).i32Const(1).i32Sub().localSet(n);
              });
            });
          }
          // Next row of the column matrix.
          c.localGet(colm).localGet(oW).i32Const(4).i32Mul().i32Add().localSet(colm);
          c.localGet(oi).i32Const(1).i32Add().localSet(oi);
        });
        c.localGet(kj).i32Const(1).i32Add().localSet(kj);
      });
      c.localGet(ki).i32Const(1).i32Add().localSet(ki);
    });
    c.localGet(plane).localGet(H).localGet(W).i32Mul().i32Const(4).i32Mul().i32Add().localSet(plane);
    c.localGet(ch).i32Const(1).i32Add().localSet(ch);
  });
  return c;
}

/** d[0..n) = 0 (byte address in local d, count in local n; both advanced): four at a time, then one at a time. */
export function zeroFloats(c: Code, d: number, n: number, zero: number): void {
  c.while(() => c.localGet(n).i32Const(4).i32GeS(), () => {
    c.localGet(d).localGet(zero).v128Store();
    c.localGet(d).i32Const(16).i32Add().localSet(d);
    c.localGet(n).i32Const(4).i32Sub().localSet(n);
  });
  c.while(() => c.localGet(n).i32Const(0).i32GtS(), () => {
    c.localGet(d).f32Const(0).f32Store();
    c.localGet(d).i32Const(4).i32Add().localSet(d);
    c.localGet(n).i32Const(1).i32Sub().localSet(n);
  });
}

/**
 * d[i] = s[i·sW] for i < n (byte addresses in locals d and s, count in n, all three advanced; z holds
 * 4·sW). Four values per trip when sW is 1 (one vector load) or 2 (two vector loads, s[0..4) and
 * s[3..7), and a shuffle that picks s[0], s[2], s[4], s[6]: nothing past s[6], the last value those
 * four outputs need, so no load leaves the run); then one value per trip.
 */
export function stridedCopy(c: Code, d: number, s: number, n: number, sW: number, z: number): void {
  const vectorTrips = (copy: () => void, sBytes: number): void => {
    c.while(() => c.localGet(n).i32Const(4).i32GeS(), () => {
      copy();
      c.localGet(s).i32Const(sBytes).i32Add().localSet(s);
      c.localGet(d).i32Const(16).i32Add().localSet(d);
      c.localGet(n).i32Const(4).i32Sub().localSet(n);
    });
  };
  c.localGet(sW).i32Const(1).i32Eq().if(
    () => vectorTrips(() => c.localGet(d).localGet(s).v128Load().v128Store(), 16),
    () => c.localGet(sW).i32Const(2).i32Eq().if(() => vectorTrips(() => {
      c.localGet(d).localGet(s).v128Load().localGet(s).v128Load(12).shuffle32([0, 2, 5, 7]).v128Store();
    }, 32)),
  );
  c.while(() => c.localGet(n).i32Const(0).i32GtS(), () => {
    c.localGet(d).localGet(s).f32Load().f32Store();
    c.localGet(s).localGet(z).i32Add().localSet(s);
    c.localGet(d).i32Const(4).i32Add().localSet(d);
    c.localGet(n).i32Const(1).i32Sub().localSet(n);
  });
}
