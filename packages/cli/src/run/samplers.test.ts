import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GaussianDiffusion, linearBetas } from '@diffusion-ts/diffusion';
import { ddimSteps, defaultSampler, sampleLabels, samplerHelp, samplerNames, stepsFor, stepsHelp, sweepableSamplers } from './samplers.ts';
import type { Session } from './session.ts';

/** Just what the table reads of a session: its objective's discrete process, if any. */
const sessionWith = (diffusion: GaussianDiffusion | undefined): Session => ({ objective: { name: diffusion ? 'ddpm' : 'edm', diffusion } }) as unknown as Session;

describe('the CLI sampler table', () => {
  it('the help texts name every sampler, once, from the table', () => {
    for (const name of samplerNames) {
      const mentions = samplerHelp.match(new RegExp(`(^|[,;] )${name.replace('-', '\\-')}(?=[ ,:])`, 'g')) ?? [];
      assert.equal(mentions.length, 1, `${name} in "${samplerHelp}"`);
      assert.match(stepsHelp, new RegExp(`\\b(all T|\\d+) for ${name}\\b`));
    }
    assert.equal(samplerHelp, 'ddpm (ancestral, every step), iddpm (strided), ddim: discrete models; euler, heun, edm (stochastic), euler-a (ancestral), dpm2m (DPM-Solver++(2M)): any model');
  });

  it('default steps come from the table; ddpm takes all T of the process', () => {
    const discrete = sessionWith(new GaussianDiffusion(linearBetas(40)));
    assert.equal(stepsFor('ddpm', discrete, undefined), 40);
    assert.equal(stepsFor('heun', discrete, undefined), 18);
    assert.equal(stepsFor('ddim', discrete, 7), 7);
    // The default sampler (sample, eval, training previews, the demo) is one of the table's, at its default steps.
    assert.ok(samplerNames.includes(defaultSampler));
    assert.equal(stepsFor(defaultSampler, discrete), 18);
  });

  it('DDIM takes its integer stride where one gives exactly the steps asked, else even spacing (64 of 1000)', () => {
    assert.deepEqual(ddimSteps(1000, 50), Array.from({ length: 50 }, (_, k) => 20 * k));
    const steps = ddimSteps(1000, 64); // ceil(1000/s) skips 64 (s = 15 gives 67, s = 16 gives 63)
    assert.equal(steps.length, 64);
    assert.equal(steps[0], 0);
    assert.equal(steps[63], 999);
    for (let k = 1; k < 64; k++) assert.ok([15, 16].includes(steps[k]! - steps[k - 1]!), `gap ${steps[k]! - steps[k - 1]!} at ${k}`);
    assert.throws(() => ddimSteps(50, 80), /cannot divide section of 50 steps into 80/);
  });

  it('a sweep runs every sampler that takes a step count and fits the model', () => {
    assert.deepEqual(sweepableSamplers(sessionWith(new GaussianDiffusion(linearBetas(40)))), ['iddpm', 'ddim', 'euler', 'heun', 'edm', 'euler-a', 'dpm2m']);
    assert.deepEqual(sweepableSamplers(sessionWith(undefined)), ['euler', 'heun', 'edm', 'euler-a', 'dpm2m']);
  });

  it('without --class, sample k of a conditional run draws class (seed + k) mod K: the same alone as in a batch', () => {
    const cond = { config: { cond: true, numClasses: 10 } } as unknown as Session;
    assert.deepEqual(Array.from(sampleLabels(cond, { n: 12, seed: 5 })!), [5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6]);
    for (let k = 0; k < 12; k++) assert.equal(sampleLabels(cond, { n: 1, seed: 5 + k })![0], sampleLabels(cond, { n: 12, seed: 5 })![k]);
    assert.deepEqual(Array.from(sampleLabels(cond, { n: 3, seed: 5, classLabel: 7 })!), [7, 7, 7]);
    assert.equal(sampleLabels({ config: { cond: false, numClasses: 0 } } as unknown as Session, { n: 3, seed: 0 }), undefined);
    const classifier = { session: { config: { numClasses: 4 } } as unknown as Session, scale: 1 };
    assert.deepEqual(Array.from(sampleLabels({ config: { cond: false, numClasses: 0 } } as unknown as Session, { n: 5, seed: 2, classifier })!), [2, 3, 0, 1, 2]);
  });
});
