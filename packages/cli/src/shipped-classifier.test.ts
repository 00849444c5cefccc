// The shipped MNIST classifier (models/mnist-classifier): it loads from its float16 file and classifies
// held-out digits as its model card states.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randn } from '@diffusion-ts/tensor';
import { heldOutAccuracy } from './run/classify.ts';
import { loadJudge, shippedClassifier } from './run/quality.ts';

/** Measured with this file's seed on the js backend (deterministic); the model card's figure is over all 2,000. */
const SUBSET = 400, SUBSET_CORRECT = 395, CARD_CORRECT = 1967;

describe('models/mnist-classifier', () => {
  it('loads as a --model classifier on mnist16 with 128 features', async () => {
    const judge = await loadJudge(shippedClassifier, 'judge');
    assert.equal(judge.config.data, 'mnist16');
    assert.deepEqual(judge.features!(randn([2, 1, 16, 16])).shape, [2, 128]);
  });

  it(`classifies a seeded subset of ${SUBSET} held-out digits with the pinned count, consistent with the card's accuracy`, async () => {
    const judge = await loadJudge(shippedClassifier, 'judge');
    const { correct, n } = await heldOutAccuracy(judge, SUBSET, 7);
    assert.equal(n, SUBSET);
    assert.equal(correct, SUBSET_CORRECT);
    // The subset's errors against the card's rate p: within 3 binomial standard deviations of n(1 − p).
    const p = CARD_CORRECT / 2000, sd = Math.sqrt(SUBSET * p * (1 - p));
    assert.ok(Math.abs(SUBSET - correct - SUBSET * (1 - p)) <= 3 * sd, `${SUBSET - correct} errors; the card's rate implies ${(SUBSET * (1 - p)).toFixed(1)} ± ${sd.toFixed(1)}`);
  });
});
