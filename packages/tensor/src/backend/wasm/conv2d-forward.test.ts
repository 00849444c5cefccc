/**
 * The conv2d forward with its weights packed once per call (`forwardPrepacked` in conv2d.ts): 1×1
 * convolutions as one batched GEMM split by columns, stride-2 and 3-channel convolutions through
 * im2col written straight into the packed panels from a padded copy (im2col-packed-kernel.ts), on
 * engines of one and two threads and with blocking small enough that every loop (depth blocks, row
 * blocks, column blocks, edge tiles) runs more than once. Checked against the
 * direct loops in float64 on the engine itself, and through the public ops against the `js`
 * reference backend, forward and both gradients. Also the input gradient of a conv to few channels
 * from many, which runs Winograd (`winogradInputGradWins`).
 */
import { describe, it } from 'node:test';
import type { ConvShape } from './conv2d.ts';
import { assertConvClose, checkConvOnEngine, uniformData } from '../../testing/conv-reference.ts';
import { Engine } from './engine.ts';
import { conv2d, getBackend, setBackend, tensor, type Tensor } from '../../index.ts';

function shape(N: number, C: number, H: number, W: number, O: number, k: number, stride = 1, padding = 0, groups = 1, dilation = 1): ConvShape {
  const span = dilation * (k - 1) + 1;
  const oH = Math.floor((H + 2 * padding - span) / stride) + 1, oW = Math.floor((W + 2 * padding - span) / stride) + 1;
  return { N, C, H, W, O, kH: k, kW: k, oH, oW, p: { stride: [stride, stride], padding: [padding, padding], dilation: [dilation, dilation], groups } };
}

/** Odd sizes, batch 1, K above the depth block, groups, stride 2, 3 channels in and out. */
const cases: [string, ConvShape][] = [
  ['1×1 batch 1, odd pixels', shape(1, 37, 5, 13, 7, 1)],
  ['1×1 attention-like [8,16,1,64]→12', shape(8, 16, 1, 64, 12, 1)],
  ['1×1 K = 300 > KC', shape(3, 300, 2, 3, 5, 1)],
  ['1×1 two groups', shape(2, 6, 3, 5, 4, 1, 1, 0, 2)],
  ['1×1 stride 2 (im2col)', shape(3, 4, 5, 7, 3, 1, 2)],
  ['3×3/2 pad 1, odd', shape(3, 5, 9, 7, 6, 3, 2, 1)],
  ['3×3/2 batch 1 (split by columns)', shape(1, 5, 9, 8, 6, 3, 2, 1)],
  ['3×3 from 3 channels', shape(2, 3, 7, 6, 5, 3, 1, 1)],
  ['3×3 to 3 channels, few inputs', shape(3, 4, 6, 5, 3, 3, 1, 1)],
  ['3×3 to 3 channels from 16 (input grad by Winograd)', shape(3, 16, 7, 6, 3, 3, 1, 1)],
  ['3×3 to 3 channels from 32, batch 1, pad 2', shape(1, 32, 5, 9, 3, 3, 1, 2)],
  // im2col into the packed panels: output rows of NR = 16, NR/2, NR/4 and other widths, at strides 1
  // and 2, padded and not, odd and even H and W, depth blocks that start inside a channel's taps.
  ['3×3/2 pad 0, even H and W', shape(2, 4, 8, 10, 5, 3, 2, 0)],
  ['3×3/2 pad 1, output rows of 16', shape(2, 3, 32, 31, 4, 3, 2, 1)],
  ['3×3/2 pad 1, output rows of 8', shape(2, 6, 16, 15, 5, 3, 2, 1)],
  ['3×3/2 pad 1, output rows of 4, even', shape(2, 5, 8, 8, 3, 3, 2, 1)],
  ['3×3/2 pad 1, odd H, even W, batch 3', shape(3, 7, 11, 12, 4, 3, 2, 1)],
  ['3×3/2 two groups', shape(2, 6, 9, 8, 4, 3, 2, 1, 2)],
  ['3×3/2 K = 315 in two depth blocks of 158 + 157', shape(2, 35, 7, 9, 6, 3, 2, 1)],
  ['3×3/2 dilation 2, pad 2', shape(2, 4, 11, 12, 3, 3, 2, 2, 1, 2)],
  ['3×3 from 3 channels, output rows of 16', shape(2, 3, 5, 16, 4, 3, 1, 1)],
  ['3×3 from 3 channels, output rows of 8, pad 0', shape(1, 3, 6, 10, 4, 3, 1, 0)],
  ['3×3 dilation 2 from 8 channels (not Winograd)', shape(2, 8, 9, 10, 5, 3, 1, 1, 1, 2)],
  ['5×5 pad 2 from 2 channels', shape(2, 2, 7, 9, 3, 5, 1, 2)],
];

const engines: [string, Engine][] = [
  ['one thread', new Engine({ threads: 1 })],
  ['two threads', new Engine({ threads: 2 })],
  ['two threads, tiny blocks', new Engine({ threads: 2, blocking: { mc: 4, kc: 8, nc: 32 } })],
];

describe('conv2d forward with weights packed once', () => {
  for (const [engineName, engine] of engines) {
    it(`matches the direct sums, forward and both gradients (${engineName})`, async () => {
      await engine.ready;
      cases.forEach(([name, s], i) => checkConvOnEngine(engine, s, 3 * i + 1, `${name} on ${engineName}`));
    });
  }

  it('agrees with the js reference backend through conv2d, forward and gradients', () => {
    const previous = getBackend();
    try {
      cases.forEach(([name, s], i) => {
        const x = uniformData(s.N * s.C * s.H * s.W, 7 * i + 1), w = uniformData(s.O * (s.C / s.p.groups) * s.kH * s.kW, 7 * i + 2);
        const g = uniformData(s.N * s.O * s.oH * s.oW, 7 * i + 3);
        const results = (['js', 'wasm'] as const).map((backend) => {
          setBackend(backend);
          const xt = tensor(x, { shape: [s.N, s.C, s.H, s.W], requiresGrad: true }), wt = tensor(w, { shape: [s.O, s.C / s.p.groups, s.kH, s.kW], requiresGrad: true });
          const y: Tensor = conv2d(xt, wt, undefined, { stride: s.p.stride[0], padding: s.p.padding[0], dilation: s.p.dilation[0], groups: s.p.groups });
          y.mul(tensor(g, { shape: y.shape })).sum().backward();
          return [y.dataSync(), xt.grad!.dataSync(), wt.grad!.dataSync()] as const;
        });
        const [js, wasm] = results as [typeof results[0], typeof results[0]];
        ['forward', 'input grad', 'weight grad'].forEach((what, j) => assertConvClose(wasm[j]!, js[j]!, `${what} ${name}`));
      });
    } finally {
      setBackend(previous);
    }
  });
});
