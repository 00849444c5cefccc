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

  it('sample b holds generator b\'s successive normal draws, every entry of it; one generator draws the batch in order', () => {
    const seeds = [3, 8];
    const values = randnFrom(seeds.map((s) => new Generator(s)), [2, 3, 2], 'float64').dataSync();
    const expected = seeds.flatMap((s) => { const g = new Generator(s); return Array.from({ length: 6 }, () => g.normal()); });
    assert.deepEqual([...values], expected);
    const g = new Generator(5);
    const whole = Array.from({ length: 12 }, () => g.normal());
    assert.deepEqual([...randnFrom(new Generator(5), [2, 3, 2], 'float64').dataSync()], whole);
  });

  it('needs one generator per sample', () => {
    assert.throws(() => randnFrom([new Generator(1)], [2, 3]), /1 generators for a batch of 2/);
  });
});
