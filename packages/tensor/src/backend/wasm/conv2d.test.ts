import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ConvShape } from './conv2d.ts';
import { checkConvOnEngine } from '../../testing/conv-reference.ts';
import { Engine } from './engine.ts';

const engine = new Engine({ threads: 2 });

const shapes = fc.record({
  N: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 2 }),
  cg: fc.integer({ min: 1, max: 5 }), og: fc.integer({ min: 1, max: 5 }),
  H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 11 }),
  kH: fc.integer({ min: 1, max: 3 }), kW: fc.integer({ min: 1, max: 3 }),
  sH: fc.integer({ min: 1, max: 2 }), sW: fc.integer({ min: 1, max: 2 }),
  pH: fc.integer({ min: 0, max: 2 }), pW: fc.integer({ min: 0, max: 2 }),
  dH: fc.integer({ min: 1, max: 2 }), dW: fc.integer({ min: 1, max: 2 }),
}).map((r): ConvShape | null => {
  const oH = Math.floor((r.H + 2 * r.pH - r.dH * (r.kH - 1) - 1) / r.sH) + 1;
  const oW = Math.floor((r.W + 2 * r.pW - r.dW * (r.kW - 1) - 1) / r.sW) + 1;
  if (oH < 1 || oW < 1) return null;
  return {
    N: r.N, C: r.cg * r.groups, H: r.H, W: r.W, O: r.og * r.groups, kH: r.kH, kW: r.kW, oH, oW,
    p: { stride: [r.sH, r.sW], padding: [r.pH, r.pW], dilation: [r.dH, r.dW], groups: r.groups },
  };
}).filter((s): s is ConvShape => s !== null);

const checkAll = (s: ConvShape, seed: number): void => checkConvOnEngine(engine, s, seed);

describe('conv2d via im2col + GEMM', () => {
  it('forward, input grad and weight grad match the direct loops', () => {
    fc.assert(fc.property(shapes, fc.integer(), (s, seed) => checkAll(s, seed)), { seed: 7, numRuns: 80 });
  });
  it('handles 1×1 kernels without a column matrix, and one image split across threads', () => {
    const p = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 } as const;
    checkAll({ N: 2, C: 5, H: 4, W: 6, O: 3, kH: 1, kW: 1, oH: 4, oW: 6, p }, 1);
    // One image with a GEMM large enough to be split: 3×3, pad 1, [1, 16, 20, 20] → 24 channels.
    checkAll({ N: 1, C: 16, H: 20, W: 20, O: 24, kH: 3, kW: 3, oH: 20, oW: 20, p: { ...p, padding: [1, 1] } }, 2);
  });
});
