import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { linearSchedule, veSchedule, vpSchedule, type NoiseSchedule } from './noise-schedule.ts';
import { vpSigma } from './sigmas.ts';

const close = (a: number, b: number, rel: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-300), `${what}: ${a} vs ${b}`);

const schedules: [string, NoiseSchedule][] = [
  ['linear', linearSchedule],
  ['ve', veSchedule],
  ['vp (defaults)', vpSchedule()],
  ['vp (EDM range)', vpSchedule({ sigmaMin: 0.002, sigmaMax: 80 })],
];

describe('noise schedules sigma(t) (Table 1 of Karras et al. 2022)', () => {
  for (const [name, schedule] of schedules) {
    it(`${name}: sigmaInv inverts sigma, and sigmaDeriv matches central differences`, () => {
      fc.assert(
        fc.property(fc.double({ noNaN: true, min: 1e-3, max: 1 }), (t) => {
          close(schedule.sigmaInv(schedule.sigma(t)), t, 1e-9, 'inverse');
          const h = 1e-6 * t;
          close(schedule.sigmaDeriv(t), (schedule.sigma(t + h) - schedule.sigma(t - h)) / (2 * h), 1e-6, 'derivative');
        }),
      );
    });
  }

  it('vp: betas solved so that sigma(eps_s) = sigmaMin and sigma(1) = sigmaMax; the defaults are beta_d = 19.9, beta_min = 0.1', () => {
    const s = vpSchedule({ sigmaMin: 0.002, sigmaMax: 80, epsilonS: 1e-3 });
    close(s.sigma(1e-3), 0.002, 1e-9, 'sigma(eps_s)');
    close(s.sigma(1), 80, 1e-12, 'sigma(1)');
    const defaults = vpSchedule();
    for (const t of [1e-3, 0.1, 0.5, 1]) close(defaults.sigma(t), vpSigma(t), 1e-9, `t = ${t}`);
    assert.throws(() => vpSchedule({ sigmaMin: 5, sigmaMax: 1 }), /vpSchedule: sigmaMax/);
    for (const sigmaMin of [0, -0.5]) assert.throws(() => vpSchedule({ sigmaMin, sigmaMax: 1 }), /vpSchedule: sigmaMin/); // σ(ε_s) = 0 has no t
  });
});
