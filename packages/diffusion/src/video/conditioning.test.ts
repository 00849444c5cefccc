import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cat, Generator, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { GaussianDiffusion } from '../gaussian/diffusion.ts';
import { linearBetas } from '../schedules/betas.ts';
import { karrasSigmas } from '../schedules/sigmas.ts';
import { sampleDdpm } from '../samplers/ddpm.ts';
import { sampleEulerAncestral } from '../samplers/euler-ancestral.ts';
import { sampleHeun } from '../samplers/heun.ts';
import { randnFrom } from '../samplers/noise.ts';
import { GaussianVideo, methodDenoiser, momentError, odeLimit, posteriorError, unknownPart } from '../testing/gaussian-video.ts';
import type { Denoiser } from '../types.ts';
import { reconstructionGuidedPrediction, replacementPrediction } from './discrete.ts';
import { frameCondition } from './frame-condition.ts';
import { reconstructionGradient, reconstructionGuidedDenoiser } from './reconstruction-guidance.ts';
import { replacementDenoiser } from './replacement.ts';

// A Gaussian "video" of 4 frames × 2 pixels, frames correlated with ρ = 0.9; frames 0 and 1 are known.
const video = new GaussianVideo(4, 2);
const known = [0, 1];
const xa = [0.6, 0.3, 0.7, 0.1]; // frames 0 and 1, pixel-major within a frame
const target = video.conditional(known, xa);
const D = video.denoiser();

/** The known clip [N, 1, 4, 1, 2] holding xᵃ at frames 0, 1 (zeros elsewhere). */
function knownClip(N: number): Tensor {
  const clip = new Float64Array(video.n);
  video.indices(known).forEach((i, j) => { clip[i] = xa[j]!; });
  return tensor(Array.from({ length: N }, () => Array.from(clip)).flat(), { shape: [N, ...video.clipShape], dtype: 'float64' });
}

const N = 2000;
const cond = frameCondition(knownClip(N), known);
const sigmasOf = (steps: number) => karrasSigmas(steps, { sigmaMax: 40 });
const start = (steps: number) => randn([N, ...video.clipShape], { dtype: 'float64', generator: new Generator(1) }).mul(sigmasOf(steps)[0]!);
const heun = (denoise: Denoiser, steps: number) => sampleHeun(denoise, start(steps), sigmasOf(steps)).dataSync();
/** Largest |x − xᵃ| over the known frames of every sample. */
const knownFrameError = (x: ArrayLike<number>): number => {
  let worst = 0;
  for (let s = 0; s < x.length / video.n; s++) video.indices(known).forEach((i, j) => { worst = Math.max(worst, Math.abs(x[s * video.n + i]! - xa[j]!)); });
  return worst;
};

describe('conditioning on known frames: a Gaussian video with an exact denoiser (Ho et al. 2022, Sec. 3.1)', () => {
  it('the harness: the exact conditional denoiser reaches the closed-form posterior xᵇ | xᵃ as steps grow', () => {
    const exact = video.conditionalDenoiser(known, xa);
    const coarse = posteriorError(heun(exact, 4), video.n, target), fine = posteriorError(heun(exact, 64), video.n, target);
    // With N = 2000 samples the Monte Carlo error is about 1/√N ≈ 0.02 in the mean (in posterior std) and ≈ 0.03 in the covariance.
    assert.ok(fine.mean < 0.08 && fine.cov < 0.08, `64 steps: ${JSON.stringify(fine)}`);
    assert.ok(coarse.cov > 2 * fine.cov, `4 steps ${JSON.stringify(coarse)} vs 64 steps ${JSON.stringify(fine)}`);
  });

  it('each method converges in steps to the exact limit of its own ODE, and that limit is far nearer the posterior for guidance (w_r = 5) than for replacement', (t) => {
    // The limits, computed apart from the samplers (RK4 on the moments of the linear ODE, testing/gaussian-video.ts).
    const limitOf = (method: Parameters<typeof methodDenoiser>[3]) => unknownPart(odeLimit(methodDenoiser(video, known, xa, method), video.n, 40, 0.002), video.n, target.unknown);
    const limits = { replacement: limitOf({ kind: 'replacement' }), guidance: limitOf({ kind: 'guidance', weight: 5 }) };
    const samplers = { replacement: replacementDenoiser(D, cond, new Generator(2)), guidance: reconstructionGuidedDenoiser(D, cond, 5) };
    const rows: Record<string, unknown> = {};
    for (const method of ['replacement', 'guidance'] as const) {
      const coarse = heun(method === 'replacement' ? replacementDenoiser(D, cond, new Generator(2)) : samplers.guidance, 3);
      const fine = heun(samplers[method], 48);
      assert.equal(knownFrameError(fine), 0);
      const toLimit = { coarse: posteriorError(coarse, video.n, limits[method]), fine: posteriorError(fine, video.n, limits[method]) };
      rows[method] = { toLimit, limitToPosterior: momentError(limits[method], target), samplesToPosterior: posteriorError(fine, video.n, target) };
      // Monte Carlo level (2,000 samples: ≈ 0.02 in the mean, ≈ 0.03 in the covariance) at 48 steps; visibly off at 3.
      assert.ok(toLimit.fine.mean < 0.08 && toLimit.fine.cov < 0.08, `${method}: ${JSON.stringify(toLimit)}`);
      assert.ok(toLimit.coarse.cov > 2 * toLimit.fine.cov || toLimit.coarse.mean > 2 * toLimit.fine.mean, `${method}: ${JSON.stringify(toLimit)}`);
    }
    t.diagnostic(`error (mean in posterior std, covariance relative): ${JSON.stringify(rows)}`);
    // Exact numbers, no sampling: replacement's limit is the biased one Ho et al. describe (the unknown frames
    // see xᵃ only through its noisy version); guidance's is much nearer.
    const r = momentError(limits.replacement, target), g = momentError(limits.guidance, target);
    assert.ok(r.mean > 1 && g.mean < r.mean / 5 && g.cov < r.cov / 5, JSON.stringify({ r, g }));
  });

  it('reconstruction guidance is closest to the posterior at a moderate weight: w_r = 1 (the plain Gaussian approximation) under-corrects, w_r = 20 over-corrects (exact ODE limits)', (t) => {
    const err = (w: number) => momentError(unknownPart(odeLimit(methodDenoiser(video, known, xa, { kind: 'guidance', weight: w }), video.n, 40, 0.002, 500), video.n, target.unknown), target);
    const [w0, w1, w5, w20] = [err(0), err(1), err(5), err(20)];
    t.diagnostic(JSON.stringify({ w0, w1, w5, w20 }));
    assert.ok(w5.mean < w1.mean && w5.mean < w20.mean && w1.mean < w0.mean, JSON.stringify({ w0, w1, w5, w20 }));
  });

  it('discrete DDPM ancestral sampling (Algorithm 2 of Ho et al. 2020) takes both methods through `predict`, with the same ordering', (t) => {
    const d = new GaussianDiffusion(linearBetas(200), { modelMeanType: 'x0', modelVarType: 'fixedSmall' });
    const model = video.x0Model(d);
    const x = randn([N, ...video.clipShape], { dtype: 'float64', generator: new Generator(3) });
    const run = (predict: ReturnType<typeof replacementPrediction>) =>
      sampleDdpm(d, model, x, { noise: new Generator(4), predict }).dataSync();
    const replaced = run(replacementPrediction(d, model, cond, new Generator(5), { clipDenoised: false }));
    const guided = run(reconstructionGuidedPrediction(d, model, cond, 5, { clipDenoised: false }));
    assert.ok(knownFrameError(replaced) < 1e-12 && knownFrameError(guided) < 1e-12);
    const r = posteriorError(replaced, video.n, target), g = posteriorError(guided, video.n, target);
    t.diagnostic(JSON.stringify({ replacement: r, guidance: g }));
    assert.ok(r.mean > 0.8 && g.mean < r.mean / 3, JSON.stringify({ r, g }));
  });
});

describe('reconstruction guidance: the gradient', () => {
  it('on the linear Gaussian denoiser, D̃ᵇ = Dᵇ + w_r A_abᵀ (xᵃ − Dᵃ) exactly (A = Σ(Σ + σ²I)⁻¹), and D̃ᵃ = xᵃ', () => {
    const B = 3, sigma = 0.7, w = 2.5;
    const c = frameCondition(knownClip(B), known);
    const x = randn([B, ...video.clipShape], { dtype: 'float64', generator: new Generator(7) });
    const got = reconstructionGuidedDenoiser(D, c, w)(x, sigma).dataSync();
    const Dx = D(x, sigma).dataSync();
    // A from D's own action on basis vectors: D(μ + e_j) − μ.
    const n = video.n, basis = tensor(Array.from({ length: n }, (_, j) => Array.from({ length: n }, (_, i) => video.mean[i]! + (i === j ? 1 : 0))).flat(), { shape: [n, ...video.clipShape], dtype: 'float64' });
    const cols = D(basis, sigma).dataSync();
    const A = (i: number, j: number) => cols[j * n + i]! - video.mean[i]!;
    const a = video.indices(known), b = video.indices([2, 3]);
    for (let s = 0; s < B; s++) {
      a.forEach((ai, k) => assert.equal(got[s * n + ai], xa[k]));
      for (const bi of b) {
        const correction = a.reduce((acc, ai, k) => acc + A(ai, bi) * (xa[k]! - Dx[s * n + ai]!), 0);
        assert.ok(Math.abs(got[s * n + bi]! - (Dx[s * n + bi]! + w * correction)) < 1e-12);
      }
    }
  });

  it('equals central finite differences of ‖xᵃ − x̂ᵃ(x)‖² in float64 on a tiny nonlinear model (zero on the known frames)', () => {
    const B = 2, n = video.n, g = new Generator(11);
    const W = randn([n, n], { dtype: 'float64', generator: g }).mul(0.5);
    const model = (x: Tensor) => x.reshape([x.shape[0]!, n]).matmul(W).tanh().reshape(x.shape);
    const c = frameCondition(randn([B, ...video.clipShape], { dtype: 'float64', generator: g }), known);
    const x = randn([B, ...video.clipShape], { dtype: 'float64', generator: g });
    const { gradient } = reconstructionGradient(model, x, c);
    const loss = (values: Float64Array) => {
      const out = model(tensor(values, { shape: x.shape, dtype: 'float64' })).dataSync(), ka = c.known.dataSync();
      let total = 0;
      for (let s = 0; s < B; s++) for (const i of video.indices(known)) total += (ka[s * n + i]! - out[s * n + i]!) ** 2;
      return total;
    };
    const x0 = Float64Array.from(x.dataSync()), grad = gradient.dataSync(), h = 1e-6;
    for (let k = 0; k < x0.length; k++) {
      const plus = Float64Array.from(x0), minus = Float64Array.from(x0);
      plus[k]! += h; minus[k]! -= h;
      const fd = (loss(plus) - loss(minus)) / (2 * h);
      const inKnown = video.indices(known).includes(k % n);
      const want = inKnown ? 0 : fd;
      assert.ok(Math.abs(grad[k]! - want) < 1e-7 * Math.max(1, Math.abs(fd)), `x[${k}]: autodiff ${grad[k]} vs finite differences ${want}`);
    }
  });

  it('throws a clear error when the denoiser records no gradient', () => {
    const c = frameCondition(knownClip(1), known);
    const detached: Denoiser = (x) => x.detach().mul(0.5);
    assert.throws(() => reconstructionGuidedDenoiser(detached, c, 1)(randn([1, ...video.clipShape], { dtype: 'float64' }), 1), /recorded no gradient/);
  });
});

describe('shapes and seeds', () => {
  it('sample k is the same alone or in a batch (per-sample generators), for both methods', () => {
    const sigmas = karrasSigmas(6, { sigmaMax: 10 });
    const clip = randn([3, 1, 4, 1, 2], { dtype: 'float64', generator: new Generator(21) });
    const draw = (ks: number[], method: 'replacement' | 'guidance') => {
      const gens = ks.map((k) => new Generator(100 + k));
      const c = frameCondition(cat(ks.map((k) => clip.narrow(0, k, 1)), 0), known);
      const denoise = method === 'replacement' ? replacementDenoiser(D, c, ks.map((k) => new Generator(200 + k))) : reconstructionGuidedDenoiser(D, c, 3);
      return sampleEulerAncestral(denoise, randnFrom(gens, c.known.shape, 'float64').mul(sigmas[0]!), sigmas, { noise: gens }).dataSync();
    };
    for (const method of ['replacement', 'guidance'] as const) {
      const batch = draw([0, 1, 2], method), alone = draw([1], method);
      assert.deepEqual(Array.from(batch.slice(video.n, 2 * video.n)), Array.from(alone), method);
    }
    // The discrete path: DDPM ancestral with both predictions.
    const d = new GaussianDiffusion(linearBetas(30), { modelMeanType: 'x0', modelVarType: 'fixedSmall' });
    const model = video.x0Model(d);
    const ddpm = (ks: number[], method: 'replacement' | 'guidance') => {
      const gens = ks.map((k) => new Generator(300 + k));
      const c = frameCondition(cat(ks.map((k) => clip.narrow(0, k, 1)), 0), known);
      const predict = method === 'replacement' ? replacementPrediction(d, model, c, ks.map((k) => new Generator(400 + k))) : reconstructionGuidedPrediction(d, model, c, 3);
      return sampleDdpm(d, model, randnFrom(gens, c.known.shape, 'float64'), { noise: gens, predict }).dataSync();
    };
    for (const method of ['replacement', 'guidance'] as const) {
      const batch = ddpm([0, 1, 2], method), alone = ddpm([2], method);
      assert.deepEqual(Array.from(batch.slice(2 * video.n, 3 * video.n)), Array.from(alone), `ddpm ${method}`);
    }
  });

  it('bad input: frame indices, shapes and weights are refused with the offending values', () => {
    const clip = knownClip(2);
    assert.throws(() => frameCondition(clip, [4]), /frame 4 is not an integer in \[0, 4\)/);
    assert.throws(() => frameCondition(clip, [1, 1]), /frame 1 is listed twice/);
    assert.throws(() => frameCondition(clip, [0.5]), /frame 0.5/);
    assert.throws(() => frameCondition(clip.reshape([2, 4, 2]), [0]), /\[B, C, F, H, W\], got \[2,4,2\]/);
    assert.throws(() => reconstructionGuidedDenoiser(D, frameCondition(clip, known), -1), /weight w_r must be a finite number >= 0, got -1/);
    const c = frameCondition(clip, known);
    assert.throws(() => replacementDenoiser(D, c, new Generator(0))(randn([3, ...video.clipShape], { dtype: 'float64' }), 1), /replacementDenoiser: the clip being sampled is \[3,1,4,1,2\] but the known frames are given as \[2,1,4,1,2\]/);
  });
});
