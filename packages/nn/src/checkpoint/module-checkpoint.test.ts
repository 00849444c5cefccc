import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { Generator, noGrad, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { buffer, Module, parameter } from '../module.ts';
import { EMA } from '../ema.ts';
import { Adam } from '../optim/adam.ts';
import { SGD } from '../optim/sgd.ts';
import { CHECKPOINT_FORMAT, CheckpointError, encodeCheckpoint, recordsToStateDict, stateDictToRecords } from './module-checkpoint.ts';
import { nonFiniteEntries } from './non-finite.ts';
import { loadCheckpoint, restoreCheckpoint, saveCheckpoint } from './checkpoint-file.ts';
import { saveSafetensors } from './file.ts';

const root = mkdtempSync(join(tmpdir(), 'diffusion-ts-module-checkpoint-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = (): string => {
  const dir = join(root, `t${counter++}`);
  mkdirSync(dir);
  return dir;
};

/** A tiny two-layer network built from `parameter()`, with an int32 buffer and a float64 parameter. */
class TinyNet extends Module {
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  gain: Tensor;
  seen: Tensor;
  constructor(seed: number, hidden = 4) {
    super();
    const generator = new Generator(seed);
    this.w1 = parameter(randn([hidden, 3], { generator }));
    this.b1 = parameter(randn([hidden], { generator }));
    this.w2 = parameter(randn([2, hidden], { generator }));
    this.gain = parameter(randn([1], { generator, dtype: 'float64' }));
    this.seen = buffer(tensor([0], { dtype: 'int32' }));
  }
  forward(x: Tensor): Tensor {
    const h = x.matmul(this.w1.transpose(0, 1)).add(this.b1).tanh();
    return h.matmul(this.w2.transpose(0, 1)).mul(this.gain.to('float32'));
  }
}

const config = { kind: 'TinyNet', hidden: 4, note: 'ünïcode ✓' };
const input = randn([5, 3], { generator: new Generator(77) });
const snapshot = (m: Module): Record<string, number[]> => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.dataSync()]]));

function train(model: TinyNet, opt: Adam | SGD, ema: EMA, steps: number, from: number): void {
  for (let s = from; s < from + steps; s++) {
    opt.zeroGrad();
    const x = randn([5, 3], { generator: new Generator(500 + s) });
    model.forward(x).square().mean().backward();
    opt.step();
    ema.update(model);
    noGrad(() => model.seen.assign(model.seen.add(5)));
  }
}

async function trainedCheckpoint(path: string): Promise<{ model: TinyNet; opt: Adam; ema: EMA; generator: Generator }> {
  const model = new TinyNet(1);
  const opt = new Adam(model.parameters(), { lr: 0.01, amsgrad: true });
  const ema = new EMA(model, { decay: 0.9 });
  train(model, opt, ema, 3, 0);
  const generator = new Generator(123);
  randn([7], { generator });
  await saveCheckpoint(path, { model, ema, optimizer: opt, step: 3, config, generatorState: generator.getState() });
  return { model, opt, ema, generator };
}

describe('saveCheckpoint / restoreCheckpoint', () => {
  it('round trip: identical outputs, EMA, generator, and identical subsequent optimizer steps', async () => {
    const path = join(freshDir(), 'ckpt.safetensors');
    const original = await trainedCheckpoint(path);

    const model = new TinyNet(2);
    const opt = new Adam(model.parameters(), { lr: 0.5, amsgrad: true });
    const ema = new EMA(model, { decay: 0.9 });
    const generator = new Generator(0);
    const loaded = await restoreCheckpoint(path, { model, ema, optimizer: opt, generator });
    assert.equal(loaded.step, 3);
    assert.deepEqual(loaded.config, config);
    assert.deepEqual(generator.getState(), original.generator.getState());
    assert.deepEqual([...model.forward(input).dataSync()], [...original.model.forward(input).dataSync()]);
    assert.deepEqual(snapshot(model), snapshot(original.model));
    assert.equal(ema.numUpdates, 3);
    assert.equal(opt.lr, 0.01);

    train(original.model, original.opt, original.ema, 2, 3);
    train(model, opt, ema, 2, 3);
    assert.deepEqual(snapshot(model), snapshot(original.model));
    for (const key of Object.keys(model.stateDict())) assert.deepEqual([...ema.get(key)!.dataSync()], [...original.ema.get(key)!.dataSync()], key);
    assert.deepEqual(readdirSync(join(path, '..')), ['ckpt.safetensors']);
  });

  it('stores namespaced tensors and JSON metadata', async () => {
    const path = join(freshDir(), 'ckpt.safetensors');
    await trainedCheckpoint(path);
    const checkpoint = await loadCheckpoint(path);
    assert.deepEqual(Object.keys(checkpoint.model).sort(), ['b1', 'gain', 'seen', 'w1', 'w2']);
    assert.equal(checkpoint.model['seen']!.dtype, 'int32');
    assert.deepEqual([...checkpoint.model['seen']!.dataSync()], [15]);
    assert.equal(checkpoint.model['gain']!.dtype, 'float64');
    assert.deepEqual(Object.keys(checkpoint.ema!.shadow).sort(), ['b1', 'gain', 'seen', 'w1', 'w2']);
    assert.deepEqual(Object.keys(checkpoint.optimizer!.state).sort(), ['0', '1', '2', '3']);
    assert.deepEqual(Object.keys(checkpoint.optimizer!.state[3]!.tensors).sort(), ['expAvg', 'expAvgSq', 'maxExpAvgSq']);
    const bytes = readFileSync(path);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as Record<string, unknown>;
    assert.ok('model.w1' in header && 'ema.w1' in header && 'optim.0.expAvg' in header && 'optim.3.maxExpAvgSq' in header);
    const metadata = header['__metadata__'] as Record<string, string>;
    assert.equal(metadata['format'], CHECKPOINT_FORMAT);
    assert.deepEqual(JSON.parse(metadata['config']!), config);
    assert.equal((JSON.parse(metadata['training']!) as { step: number }).step, 3);
  });

  it('a mismatched checkpoint is a clear error and leaves model, EMA and optimizer untouched', async () => {
    const path = join(freshDir(), 'ckpt.safetensors');
    await trainedCheckpoint(path);

    const wide = new TinyNet(3, 6);
    const before = snapshot(wide);
    await assert.rejects(restoreCheckpoint(path, { model: wide }), (e: unknown) => e instanceof CheckpointError && /model: .*w1: checkpoint has float32\[4,3\], model has float32\[6,3\]/.test(e.message) && e.message.includes(path));
    assert.deepEqual(snapshot(wide), before);

    // The model alone would load; the optimizer does not fit, so nothing is loaded.
    const model = new TinyNet(4);
    const sgd = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const ema = new EMA(model, { decay: 0.9 });
    const modelBefore = snapshot(model);
    await assert.rejects(restoreCheckpoint(path, { model, ema, optimizer: sgd }), (e: unknown) => e instanceof CheckpointError && /optimizer: .*state dict is for Adam, not SGD/.test(e.message));
    assert.deepEqual(snapshot(model), modelBefore);
    assert.equal(ema.numUpdates, 0);
    assert.deepEqual(sgd.stateDict().state, {});

    const plainPath = join(freshDir(), 'model-only.safetensors');
    await saveCheckpoint(plainPath, { model, step: 0, config: null });
    await assert.rejects(restoreCheckpoint(plainPath, { model, ema }), /the checkpoint has no EMA/);
    await assert.rejects(restoreCheckpoint(plainPath, { model, generator: new Generator(1) }), /no generator state/);
  });

  it('rejects files that are not diffusion-ts checkpoints, naming the problem', async () => {
    const dir = freshDir();
    const foreign = join(dir, 'foreign.safetensors');
    await saveSafetensors(foreign, { 'model.w': { dtype: 'float32', shape: [1], data: Float32Array.of(1) } }, { format: 'pt' });
    await assert.rejects(loadCheckpoint(foreign), (e: unknown) => e instanceof CheckpointError && /not a diffusion-ts checkpoint: __metadata__.format is "pt"/.test(e.message));
    const meta = (training: string, extra: Record<string, string> = {}) => ({ format: CHECKPOINT_FORMAT, config: '{}', training, ...extra });
    const cases: [Record<string, string>, Record<string, Float32Array>, RegExp][] = [
      [meta('{"step":'), {}, /training is not valid JSON/],
      [{ format: CHECKPOINT_FORMAT, training: '{"step":1}' }, {}, /no "config" entry/],
      [meta('{"step":-1}'), {}, /step must be a non-negative integer, got -1/],
      [meta('{"step":1}'), { 'ema.w': Float32Array.of(1) }, /tensor "ema.w" but the metadata declares no EMA/],
      [meta('{"step":1}'), { 'optim.0.expAvg': Float32Array.of(1) }, /tensor "optim.0.expAvg" has no optimizer step/],
      [meta('{"step":1}'), { stray: Float32Array.of(1) }, /unexpected tensor "stray"/],
      [meta('{"step":1,"generatorState":{"seed":1}}'), {}, /generatorState must be \{ seed, offset \}/],
      [meta('{"step":1,"optimizer":{"kind":"Adam","paramGroups":[{"params":[-1]}],"steps":{}}}'), {}, /paramGroups must be objects with integer "params" lists/],
    ];
    for (const [metadata, data, pattern] of cases) {
      const path = join(dir, 'bad.safetensors');
      const tensors = Object.fromEntries(Object.entries(data).map(([k, d]) => [k, { dtype: 'float32' as const, shape: [d.length], data: d }]));
      await saveSafetensors(path, tensors, metadata);
      await assert.rejects(loadCheckpoint(path), (e: unknown) => e instanceof CheckpointError && pattern.test(e.message), pattern.source);
    }
  });

  it('hostile metadata is rejected with a short message naming the file: deep JSON, repeated keys, prototype names', async () => {
    const dir = freshDir();
    const path = join(dir, 'hostile.safetensors');
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const meta = (training: string, config = '{}') => ({ format: CHECKPOINT_FORMAT, config, training });
    const adam = (groups: string) => `{"step":1,"optimizer":{"kind":"Adam","paramGroups":${groups},"steps":{"0":1}}}`;
    const hyper = '"betas":[0.9,0.999],"eps":1e-8,"weightDecay":0,"amsgrad":false,"maximize":false';
    const cases: [Record<string, string>, Record<string, Float32Array>, RegExp][] = [
      [meta(`{"step":${deep}}`), {}, /training step must be a non-negative integer, got \[\[\[\[\.\.\.\]\]\]\]/],
      [meta(`{"step":1,"generatorState":${deep}}`), {}, /generatorState must be/],
      [meta(`{"step":1,"ema":{"numUpdates":${deep}}}`), {}, /ema metadata must be \{ numUpdates \}/],
      [meta(`{"step":1,"optimizer":${deep}}`), {}, /optimizer metadata must be/],
      [meta(`{"step":1,"optimizer":{"kind":"Adam","paramGroups":[${deep}],"steps":{}}}`), {}, /group 0 is \[\[\[\[/],
      [meta(`{"step":1,"optimizer":{"kind":"Adam","paramGroups":[],"steps":{"${'9'.repeat(100_000)}":${deep}}}}`), {}, /optimizer step for parameter "999.*\.\.\. is \[\[\[/],
      [meta('{"step":1,"step":2}'), {}, /__metadata__.training repeats the key "step"/],
      [meta('{"step":1}', '{"data":"moons","data":"ring"}'), {}, /__metadata__.config repeats the key "data"/],
      [meta('{"step":1}', `{"a":${deep}`), {}, /config is not valid JSON/],
      [meta(adam(`[{"params":[0,1,2,3],${hyper},"lr":${deep}}]`)), { 'optim.0.expAvg': Float32Array.of(1) }, /optimizer: .*hyperparameter "lr" is \[\[\[\[\.\.\.\]\]\]\]/],
      [meta(adam(`[{"params":[0,1,2,3],${hyper},"lr":0.1,"__proto__":1,"toString":2}]`)), {}, /unexpected hyperparameter "__proto__"; .*unexpected hyperparameter "toString"/],
      [meta(adam(`[{"params":[0,1,2,3],${hyper},"lr":0.1}]`)), { 'optim.0.__proto__': Float32Array.of(1) }, /state tensors are \[__proto__\]/],
      [meta('{"step":1}'), { 'model.toString': Float32Array.of(1) }, /model: .*unexpected keys: toString/],
    ];
    const model = new TinyNet(11);
    const opt = new Adam(model.parameters(), { lr: 0.1 });
    const before = snapshot(model);
    for (const [metadata, data, pattern] of cases) {
      const tensors = Object.fromEntries(Object.entries({ ...(await stateDictToRecords(model.stateDict(), 'model.')), ...Object.fromEntries(Object.entries(data).map(([k, d]) => [k, { dtype: 'float32' as const, shape: [d.length], data: d }])) }));
      await saveSafetensors(path, tensors, metadata);
      await assert.rejects(restoreCheckpoint(path, metadata['training']!.includes('"optimizer"') ? { model, optimizer: opt } : { model }), (e: unknown) => {
        assert.ok(e instanceof CheckpointError, String(e));
        assert.match(e.message, pattern);
        assert.ok(e.message.includes(path) && e.message.length < 1200 && !e.message.includes('\n'), e.message.slice(0, 200));
        return true;
      }, pattern.source);
      assert.deepEqual(snapshot(model), before);
    }
    await assert.rejects(loadCheckpoint(join(dir, 'absent.safetensors')), (e: unknown) => e instanceof CheckpointError && /absent\.safetensors.*cannot read the file.*ENOENT/.test(e.message) && (e.cause as NodeJS.ErrnoException).code === 'ENOENT');
    await assert.rejects(loadCheckpoint(dir), (e: unknown) => e instanceof CheckpointError && /EISDIR/.test(e.message));
  });

  it('NaN and Inf weights load (they are floats) and nonFiniteEntries reports them', async () => {
    const path = join(freshDir(), 'nan.safetensors');
    const model = new TinyNet(12);
    noGrad(() => model.w2.assign(tensor([[NaN, 1, 2, 3], [Infinity, -Infinity, 0, 1]])));
    await saveCheckpoint(path, { model, step: 0, config: null });
    const copy = new TinyNet(13);
    await restoreCheckpoint(path, { model: copy });
    assert.deepEqual(await nonFiniteEntries(copy.stateDict()), [{ key: 'w2', count: 3, numel: 8 }]);
    assert.deepEqual(await nonFiniteEntries(new TinyNet(14).stateDict()), []);
  });

  it('corrupted or truncated files always give a CheckpointError and never touch the model', async () => {
    const dir = freshDir();
    const good = join(dir, 'good.safetensors');
    await trainedCheckpoint(good);
    const bytes = new Uint8Array(readFileSync(good));
    const model = new TinyNet(5);
    const before = snapshot(model);
    const bad = join(dir, 'bad.safetensors');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.nat(bytes.length - 1).map((n) => bytes.slice(0, n)),
          fc.array(fc.tuple(fc.nat(Math.min(bytes.length - 1, 600)), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((flips) => {
            const copy = bytes.slice();
            for (const [i, v] of flips) copy[i] = v;
            return copy;
          }),
        ),
        async (corrupt) => {
          writeFileSync(bad, corrupt);
          try {
            await restoreCheckpoint(bad, { model });
          } catch (e) {
            assert.ok(e instanceof CheckpointError, `unexpected ${String(e)}`);
            assert.deepEqual(snapshot(model), before);
            return;
          }
          // A flip that keeps the file valid (e.g. inside a number) may load; then it loaded completely.
          const loaded = (await loadCheckpoint(bad)).model;
          assert.deepEqual(snapshot(model), Object.fromEntries(Object.entries(loaded).map(([k, t]) => [k, [...t.dataSync()]])));
          model.loadStateDict(new TinyNet(5).stateDict());
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a failed save leaves the existing file as it was, and no temp files', async () => {
    const dir = freshDir();
    const path = join(dir, 'ckpt.safetensors');
    await trainedCheckpoint(path);
    const before = readFileSync(path);
    const model = new TinyNet(6);
    await assert.rejects(saveCheckpoint(path, { model, step: 1, config: { big: 10n } }), (e: unknown) => e instanceof CheckpointError && /config is not JSON-serializable/.test(e.message));
    await assert.rejects(saveCheckpoint(path, { model, step: -1, config: {} }), /step must be a non-negative integer/);
    await assert.rejects(saveCheckpoint(path, { model, step: 1, config: {}, generatorState: { seed: -1, offset: 0 } }), RangeError);
    await assert.rejects(saveCheckpoint(join(dir, 'missing', 'x.safetensors'), { model, step: 1, config: {} }), { code: 'ENOENT' });
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
  });
});

describe('stateDictToRecords / recordsToStateDict', () => {
  it('round-trip a Module state dict with a prefix, keeping dtypes and values', async () => {
    const model = new TinyNet(8);
    const records = await stateDictToRecords(model.stateDict(), 'model.');
    assert.deepEqual(Object.keys(records).sort(), ['model.b1', 'model.gain', 'model.seen', 'model.w1', 'model.w2']);
    assert.equal(records['model.seen']!.dtype, 'int32');
    assert.deepEqual(records['model.w1']!.shape, [4, 3]);
    const dict = recordsToStateDict({ ...records, 'other.x': records['model.b1']! }, 'model.');
    const copy = new TinyNet(9);
    copy.loadStateDict(dict);
    assert.deepEqual(snapshot(copy), snapshot(model));
    const odd: Record<string, (typeof records)[string]> = {};
    Object.defineProperty(odd, '__proto__', { value: records['model.b1']!, enumerable: true });
    const oddDict = recordsToStateDict(odd);
    assert.deepEqual(Object.keys(oddDict), ['__proto__']);
    assert.equal(Object.getPrototypeOf(oddDict), Object.prototype);
  });

  it('encodeCheckpoint is deterministic for the same state', async () => {
    const model = new TinyNet(10);
    const a = await encodeCheckpoint({ model, step: 0, config });
    const b = await encodeCheckpoint({ model, step: 0, config });
    assert.deepEqual(a, b);
  });
});
