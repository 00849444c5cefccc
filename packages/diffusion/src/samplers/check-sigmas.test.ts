import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkSigmas } from './check-sigmas.ts';

describe('checkSigmas', () => {
  it('accepts a schedule ending in 0 and rejects short, negative, non-finite or zero-start ones, naming the sampler', () => {
    checkSigmas('s', [80, 1, 0]);
    assert.throws(() => checkSigmas('sampleX', [1]), /sampleX: need at least 2/);
    assert.throws(() => checkSigmas('sampleX', [1, -1]), /sampleX: sigmas\[1\] = -1/);
    assert.throws(() => checkSigmas('sampleX', [Infinity, 0]), /sigmas\[0\] = Infinity/);
    assert.throws(() => checkSigmas('sampleX', [0, 0]), /first noise level must be positive/);
  });
});
