import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { conv2d, Generator, randn, type Tensor } from '@diffusion-ts/tensor';
import { check, leaf, seedArb } from '@diffusion-ts/tensor/testing';
import { Conv2d } from './conv2d.ts';
import { gradcheckModule, maxAbsDiff } from '../testing/modules.ts';

/** Small convolutions: groups dividing both channel counts, strides, paddings and dilations. */
const convArb = fc.record({
  seed: seedArb,
  groups: fc.integer({ min: 1, max: 2 }),
  inPerGroup: fc.integer({ min: 1, max: 2 }),
  outPerGroup: fc.integer({ min: 1, max: 2 }),
  k: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 2 }),
  padding: fc.integer({ min: 0, max: 1 }),
  dilation: fc.integer({ min: 1, max: 2 }),
  bias: fc.boolean(),
});

describe('Conv2d', () => {
  it('matches the functional conv2d with its own weight and options; output shape follows PyTorch', () => {
    const g = new Generator(3);
    const layer = new Conv2d({ inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, padding: 1, groups: 2, generator: g });
    assert.deepEqual(layer.weight.shape, [6, 2, 3, 3]);
    const x = randn([2, 4, 7, 5], { generator: g });
    const y = layer.forward(x);
    assert.deepEqual(y.shape, [2, 6, 4, 3]); // ⌊(7 + 2 − 3)/2⌋ + 1 = 4, ⌊(5 + 2 − 3)/2⌋ + 1 = 3
    const expected = conv2d(x, layer.weight, layer.bias, { stride: 2, padding: 1, groups: 2 });
    assert.equal(maxAbsDiff(y.dataSync(), expected.dataSync()), 0);
  });

  it('initialises with fanIn = inChannels/groups · kH · kW', () => {
    const layer = new Conv2d({ inChannels: 8, outChannels: 16, kernelSize: [3, 1], groups: 2, generator: new Generator(0) });
    const bound = 1 / Math.sqrt(4 * 3);
    for (const p of layer.parameters()) assert.ok(p.dataSync().every((v) => Math.abs(v) <= bound));
    assert.ok(Math.max(...layer.weight.dataSync()) > 0.9 * bound);
  });

  it('rejects groups that do not divide the channels', () => {
    assert.throws(() => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 1, groups: 2, generator: new Generator(0) }), /groups 2 must divide/);
  });

  it('gradcheck over strides, paddings, dilations and groups', () => {
    check(convArb, ({ seed, groups, inPerGroup, outPerGroup, k, stride, padding, dilation, bias }) => {
      const g = new Generator(seed);
      const layer = new Conv2d({ inChannels: groups * inPerGroup, outChannels: groups * outPerGroup, kernelSize: k, stride, padding, dilation, groups, bias, generator: g });
      const size = dilation * (k - 1) + 2;
      gradcheckModule(layer, [leaf([1, groups * inPerGroup, size, size + 1], g)], (x: Tensor) => layer.forward(x), g);
    }, { numRuns: 12 });
  });

  it('forwardShifted(x, shift) is forward(x) + shift[b, o] per image and channel (batch-1 shift broadcast), with its gradients', () => {
    check(convArb, ({ seed, groups, inPerGroup, outPerGroup, k, stride, padding, dilation, bias }) => {
      const g = new Generator(seed), O = groups * outPerGroup;
      const layer = new Conv2d({ inChannels: groups * inPerGroup, outChannels: O, kernelSize: k, stride, padding, dilation, groups, bias, generator: g });
      const size = dilation * (k - 1) + 2;
      const x = randn([2, groups * inPerGroup, size, size + 1], { generator: g });
      for (const rows of [2, 1]) {
        const shift = randn([rows, O], { generator: g });
        const got = layer.forwardShifted(x, shift), want = layer.forward(x).add(shift.unsqueeze(-1).unsqueeze(-1));
        assert.deepEqual(got.shape, want.shape);
        assert.ok(maxAbsDiff(got.dataSync(), want.dataSync()) < 1e-5);
      }
      gradcheckModule(layer, [leaf([2, groups * inPerGroup, size, size + 1], g), leaf([2, O], g)], (xi: Tensor, si: Tensor) => layer.forwardShifted(xi, si), g);
    }, { numRuns: 12 });
  });
});
