import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '@diffusion-ts/tensor';
import { randnFrom } from './noise.ts';

describe('randnFrom', () => {
  it('sample k with seed s is the same alone or in a batch', () => {
    const seeds = [5, 6, 7];
    const batch = randnFrom(seeds.map((s) => new Generator(s)), [3, 2, 2]).dataSync();
    const alone = randnFrom([new Generator(6)], [1, 2, 2]).dataSync();
    assert.deepEqual([...batch.slice(4, 8)], [...alone]);
  });

  it('needs one generator per sample', () => {
    assert.throws(() => randnFrom([new Generator(1)], [2, 3]), /1 generators for a batch of 2/);
  });
});
