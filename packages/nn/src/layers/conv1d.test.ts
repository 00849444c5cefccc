import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, randn, type Tensor } from '@diffusion-ts/tensor';
import { leaf } from '@diffusion-ts/tensor/testing';
import { Conv1d } from './conv1d.ts';
import { gradcheckModule, maxAbsDiff } from '../testing/modules.ts';

describe('Conv1d', () => {
  it('equals the 1-D cross-correlation written out by hand (stride, padding, dilation)', () => {
    const g = new Generator(2);
    const layer = new Conv1d({ inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2, padding: 1, dilation: 1, generator: g });
    assert.deepEqual(layer.weight.shape, [3, 2, 3]);
    const x = randn([1, 2, 6], { generator: g });
    const y = layer.forward(x);
    assert.deepEqual(y.shape, [1, 3, 3]);
    const [xs, w, b] = [x.dataSync(), layer.weight.dataSync(), layer.bias!.dataSync()];
    const expected: number[] = [];
    for (let o = 0; o < 3; o++) {
      for (let l = 0; l < 3; l++) {
        let s = b[o]!;
        for (let c = 0; c < 2; c++) for (let j = 0; j < 3; j++) {
          const pos = l * 2 - 1 + j;
          if (pos >= 0 && pos < 6) s += w[(o * 2 + c) * 3 + j]! * xs[c * 6 + pos]!;
        }
        expected.push(s);
      }
    }
    assert.ok(maxAbsDiff(y.dataSync(), expected) < 1e-6);
  });

  it('gradcheck (1×1 as in the attention block, and a grouped dilated kernel)', () => {
    const g = new Generator(5);
    const pointwise = new Conv1d({ inChannels: 3, outChannels: 6, kernelSize: 1, generator: g });
    gradcheckModule(pointwise, [leaf([2, 3, 4], g)], (x: Tensor) => pointwise.forward(x), g);
    const grouped = new Conv1d({ inChannels: 4, outChannels: 2, kernelSize: 2, dilation: 2, padding: 1, groups: 2, generator: g });
    gradcheckModule(grouped, [leaf([1, 4, 5], g)], (x: Tensor) => grouped.forward(x), g);
  });
});
