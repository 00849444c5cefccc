import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Generator, noGrad, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { buffer, Module, parameter } from './module.ts';
import { EMA, EmaError, edmEmaBeta, edmHalflife, fixedDecay, initialShare, withoutInitialShare } from './ema.ts';

/** A tiny module with a float32 weight, a float64 scale and an int32 buffer. */
class Tiny extends Module {
  weight: Tensor;
  scale: Tensor;
  count: Tensor;
  constructor(seed: number) {
    super();
    const generator = new Generator(seed);
    this.weight = parameter(randn([2, 3], { generator }));
    this.scale = parameter(randn([3], { generator, dtype: 'float64' }));
    this.count = buffer(tensor([0], { dtype: 'int32' }));
  }
}

const set = (t: Tensor, values: number[]): void => noGrad(() => void t.assign(tensor(values, { dtype: t.dtype, shape: t.shape })));
const values = (t: Tensor | undefined): number[] => [...t!.dataSync()];

describe('EMA', () => {
  it('constant parameters stay exactly constant, whatever the schedule', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 3, maxLength: 3 }), fc.integer({ min: 1, max: 30 }), (scale, n) => {
        const model = new Tiny(1);
        set(model.scale, scale);
        for (const decay of [0.9999, fixedDecay(0.999, { warmup: true }), edmHalflife({ batchSize: 64, halflifeKimg: 0.5 })]) {
          const ema = new EMA(model, { decay });
          for (let i = 0; i < n; i++) ema.update(model);
          assert.deepEqual(values(ema.get('scale')), values(model.scale));
          assert.deepEqual(values(ema.get('weight')), values(model.weight));
        }
      }),
      { numRuns: 10 },
    );
  });

  it('the average of a sequence equals its closed form Π βⱼ·x₀ + Σₖ (1 − βₖ) Πⱼ₌ₖ₊₁ⁿ βⱼ·xₖ', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -10, max: 10 }), { minLength: 2, maxLength: 12 }), fc.constantFrom('fixed', 'warmup', 'edm'), (xs, kind) => {
        const model = new Tiny(2);
        set(model.scale, [xs[0]!, 0, 0]);
        const schedule = kind === 'fixed' ? fixedDecay(0.9) : kind === 'warmup' ? fixedDecay(0.99, { warmup: true }) : edmHalflife({ batchSize: 4, halflifeKimg: 0.01, rampupRatio: 0.5 });
        const ema = new EMA(model, { decay: schedule });
        const betas: number[] = [];
        for (let k = 1; k < xs.length; k++) {
          betas.push(ema.nextBeta());
          set(model.scale, [xs[k]!, 0, 0]);
          ema.update(model);
        }
        const n = betas.length;
        const tail = (k: number): number => betas.slice(k).reduce((p, b) => p * b, 1); // Π_{j>k} β_j (β_j 1-based = betas[j-1])
        let expected = tail(0) * xs[0]!;
        for (let k = 1; k <= n; k++) expected += (1 - betas[k - 1]!) * tail(k) * xs[k]!;
        const got = values(ema.get('scale'))[0]!;
        assert.ok(Math.abs(got - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${got} vs ${expected}`);
      }),
      { numRuns: 30 },
    );
  });

  it('fixed decay with warm-up is min(decay, (1 + n)/(10 + n)), n counting this update', () => {
    const s = fixedDecay(0.9999, { warmup: true });
    assert.equal(s(0), 2 / 11);
    assert.equal(s(9), 11 / 20);
    assert.equal(s(1e6), 0.9999);
    assert.equal(fixedDecay(0.9999)(0), 0.9999);
  });

  it("EDM's beta: 0.5^(batch / min(halflife_kimg·1000, cur_nimg·ratio)), as NVlabs/edm training_loop.py", () => {
    // No ramp-up: the weight of a batch halves after halflife_nimg images.
    const beta = edmEmaBeta({ batchSize: 512, curNimg: 10_000_000, halflifeKimg: 500, rampupRatio: null });
    assert.equal(beta, 0.5 ** (512 / 500_000));
    assert.ok(Math.abs(beta ** (500_000 / 512) - 0.5) < 1e-12);
    // Ramp-up caps the half-life at 5% of the images seen so far.
    assert.equal(edmEmaBeta({ batchSize: 512, curNimg: 100_000 }), 0.5 ** (512 / 5000));
    assert.equal(edmEmaBeta({ batchSize: 512, curNimg: 100_000_000 }), 0.5 ** (512 / 500_000));
    // The first update (cur_nimg = 0) copies the network: beta = 0.5^(512 / 1e-8) = 0.
    assert.equal(edmEmaBeta({ batchSize: 512, curNimg: 0 }), 0);
    assert.equal(edmHalflife({ batchSize: 512 })(200), edmEmaBeta({ batchSize: 512, curNimg: 200 * 512 }));
  });

  it('copies buffers as they are, and copyTo loads the average into a model', () => {
    const model = new Tiny(3);
    const ema = new EMA(model, { decay: 0.5 });
    const start = values(model.scale);
    set(model.count, [7]);
    set(model.scale, start.map((v) => v + 2));
    ema.update(model);
    assert.deepEqual(values(ema.get('count')), [7]);
    const other = new Tiny(4);
    ema.copyTo(other);
    assert.deepEqual(values(other.scale), start.map((v) => v + 1));
    assert.deepEqual(values(other.count), [7]);
    assert.equal(other.scale.requiresGrad, true);
  });

  it('state dict round trip resumes identically; a mismatched state dict is rejected and changes nothing', () => {
    const model = new Tiny(5);
    const ema = new EMA(model, { decay: fixedDecay(0.9, { warmup: true }) });
    const step = (i: number): void => {
      set(model.scale, [i, -i, 2 * i]);
      ema.update(model);
    };
    for (let i = 0; i < 3; i++) step(i);
    const saved = ema.stateDict();
    const resumed = new EMA(new Tiny(6), { decay: fixedDecay(0.9, { warmup: true }) });
    resumed.loadStateDict(saved);
    assert.equal(resumed.numUpdates, 3);
    for (let i = 3; i < 6; i++) {
      step(i);
      resumed.update(model);
    }
    assert.deepEqual(values(resumed.get('scale')), values(ema.get('scale')));

    const before = values(resumed.get('weight'));
    const bad = { shadow: { ...saved.shadow, weight: tensor([1, 2, 3]) }, numUpdates: 3 };
    assert.throws(() => resumed.loadStateDict(bad), (e: unknown) => e instanceof EmaError && /weight: state dict has float32\[3\], EMA has float32\[2,3\]/.test(e.message));
    const { count: _, ...noCount } = saved.shadow;
    assert.throws(() => resumed.loadStateDict({ shadow: noCount, numUpdates: 3 }), /missing keys: count/);
    assert.deepEqual(values(resumed.get('weight')), before);
    assert.equal(resumed.numUpdates, 6);
  });

  it('refuses to average a model with a different structure', () => {
    class Other extends Module {
      weight = parameter(tensor([1, 2]));
    }
    const ema = new EMA(new Tiny(7), { decay: 0.9 });
    assert.throws(() => ema.update(new Other()), /EMA.update: the model's parameters \[weight\] differ/);
    assert.throws(() => ema.update(new Tiny(7), 1.5), /beta must be in \[0, 1\]/);
  });

  it('withoutInitialShare leaves the average of the trained iterates alone, as if θ₀ had never been in it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.double({ min: 0.5, max: 0.99, noNaN: true }), fc.integer({ min: 0, max: 1000 }), (n, beta, seed) => {
        const model = new Tiny(seed);
        const initial = { scale: tensor(values(model.scale), { dtype: 'float64' }) };
        const ema = new EMA(model, { decay: beta });
        const iterates: number[][] = [];
        const generator = new Generator(seed + 1);
        for (let i = 0; i < n; i++) {
          set(model.scale, values(randn([3], { generator, dtype: 'float64' })));
          iterates.push(values(model.scale));
          ema.update(model);
        }
        const share = initialShare(fixedDecay(beta), n);
        assert.ok(Math.abs(share - beta ** n) < 1e-15);
        const got = values(withoutInitialShare({ scale: ema.get('scale')!, count: ema.get('count')! }, initial, share, ['scale'])['scale']);
        // The iterates' own weights (1 − β)β^(n−k), normalised by their sum 1 − βⁿ.
        const want = [0, 1, 2].map((j) => iterates.reduce((acc, it, k) => acc + (1 - beta) * beta ** (n - 1 - k) * it[j]!, 0) / (1 - beta ** n));
        got.forEach((g, j) => assert.ok(Math.abs(g - want[j]!) < 1e-12 * (1 + Math.abs(want[j]!)), `n ${n}, β ${beta}: ${g} vs ${want[j]}`));
      }),
      { numRuns: 20 },
    );
  });

  it('withoutInitialShare: after one update it is the model itself; buffers pass through; no update leaves θ̄', () => {
    const model = new Tiny(3);
    const initial = { weight: model.weight.clone(), scale: model.scale.clone() };
    const ema = new EMA(model, { decay: 0.999 });
    const untouched = withoutInitialShare(ema.stateDict().shadow, initial, initialShare(fixedDecay(0.999), 0), ['weight', 'scale']);
    assert.deepEqual(values(untouched['scale']), values(initial.scale));
    set(model.scale, [1, 2, 3]);
    ema.update(model);
    const out = withoutInitialShare(ema.stateDict().shadow, initial, initialShare(fixedDecay(0.999), 1), ['weight', 'scale']);
    values(out['scale']).forEach((v, j) => assert.ok(Math.abs(v - [1, 2, 3][j]!) < 1e-9, `${v}`));
    assert.equal(out['count'], ema.get('count'));
    assert.throws(() => withoutInitialShare(ema.stateDict().shadow, {}, 0.5, ['scale']), /no initial tensor for 'scale'/);
    assert.throws(() => withoutInitialShare(ema.stateDict().shadow, initial, 1.5, ['scale']), /share must be in \[0, 1\], got 1.5/);
  });
});
