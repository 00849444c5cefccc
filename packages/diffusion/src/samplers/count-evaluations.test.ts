import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { zeros } from '@diffusion-ts/tensor';
import { countEvaluations } from './count-evaluations.ts';

describe('countEvaluations', () => {
  it('counts calls and passes arguments and results through', () => {
    const seen: number[] = [];
    const x = zeros([2, 2]);
    const counted = countEvaluations((input, sigma) => (seen.push(sigma), input));
    assert.equal(counted.count, 0);
    assert.equal(counted.denoise(x, 3), x);
    counted.denoise(x, 4);
    assert.equal(counted.count, 2);
    assert.deepEqual(seen, [3, 4]);
  });
});
