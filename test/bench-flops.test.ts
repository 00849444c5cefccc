// bench/flops.ts counts useful FLOPs from the kernel calls a network makes; here it is held against
// the closed forms of one Conv2d and one Linear layer (forward and both gradients), on shapes drawn
// by fast-check, so the U-Net figure it reports is a sum of counts that are right for every layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { getBackend, Generator, randn, setBackend, sum } from '@diffusion-ts/tensor';
import { Conv2d, Linear } from '@diffusion-ts/nn';
import { countingBackend } from '../bench/flops.ts';

function onCounting<R>(fn: () => R): { result: R; flops: Map<string, { calls: number; flops: number }> } {
  const previous = getBackend(), counting = countingBackend(getBackend());
  setBackend(counting.kernels);
  try {
    return { result: fn(), flops: counting.count.byKernel };
  } finally {
    setBackend(previous);
  }
}

test('flops: a 3×3 Conv2d step counts 2·N·O·H·W·C·9 for the forward and for each gradient', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 6 }),
    (N, C, O, H, W) => {
      const { flops } = onCounting(() => {
        const g = new Generator(1);
        const conv = new Conv2d(C, O, 3, { padding: 1, generator: g });
        const x = randn([N, C, H, W], { generator: g }).requiresGrad_();
        sum(conv.forward(x)).backward();
      });
      const closed = 2 * N * O * H * W * C * 9;
      assert.deepEqual(flops.get('conv2d'), { calls: 1, flops: closed });
      assert.deepEqual(flops.get('conv2dInputGrad'), { calls: 1, flops: closed });
      assert.deepEqual(flops.get('conv2dWeightGrad'), { calls: 1, flops: closed });
    }), { numRuns: 10 });
});

test('flops: a Linear step counts 2·B·in·out for the forward and for each gradient; an input without grad skips ∂x', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.boolean(), (B, inF, outF, inputGrad) => {
    const { flops } = onCounting(() => {
      const g = new Generator(2);
      const lin = new Linear(inF, outF, { generator: g });
      const x = randn([B, inF], { generator: g }).requiresGrad_(inputGrad);
      sum(lin.forward(x)).backward();
    });
    const closed = 2 * B * inF * outF;
    assert.deepEqual(flops.get('matmul'), { calls: inputGrad ? 3 : 2, flops: (inputGrad ? 3 : 2) * closed });
  }), { numRuns: 10 });
});
