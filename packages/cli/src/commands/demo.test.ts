// The demo's promise, checked: it writes its three pictures and its samples are recognisably the
// data — the sliced Wasserstein distance from samples to held-out data is at most twice the distance
// between two held-out sets of the same size. (The full demo trains 3000 steps; this check trains
// 1000, so it guards the promise with margin to spare rather than exactly.) Its parts for the shipped
// models run on small runs trained here for one step, exported as the shipped files are: they write
// their pictures when the file is there, and skip with one line when it is not.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/run-cli.ts';
import { shippedModelFile, shippedModels, type ShippedModelName } from '../run/shipped-models.ts';
import { clipSettings, digitSettings, sampleClips } from './demo-models.ts';
import { runDemo } from './demo.ts';

/** Collects what a command writes. */
const collector = () => {
  const lines: string[] = [];
  return { lines, sink: { write: (s: string) => lines.push(s) } };
};

/** Width and height of a PNG (its IHDR chunk) or a GIF (its logical screen). */
function pictureSize(file: string): [number, number] {
  const b = readFileSync(file);
  if (b.subarray(1, 4).toString() === 'PNG') return [b.readUInt32BE(16), b.readUInt32BE(20)];
  assert.equal(b.subarray(0, 6).toString(), 'GIF89a', `${file} is neither PNG nor GIF`);
  return [b.readUInt16LE(6), b.readUInt16LE(8)];
}

/**
 * A one-step run of `train` with these flags, exported as shipped model `name` into the models folder
 * `models`. On wasm, the demo's backend: `train --backend` stays the process's backend after it returns.
 */
async function smallShippedModel(name: ShippedModelName, models: string, ...flags: string[]): Promise<void> {
  const run = join(models, '..', `run-${name}`);
  const trained = await runCli('train', ...flags, '--batch', '1', '--train-size', '2', '--steps', '1', '--preview', '0', '--backend', 'wasm', '--out', run);
  assert.equal(trained.code, 0, trained.err);
  mkdirSync(join(models, name), { recursive: true });
  const exported = await runCli('export', '--ckpt', run, '--out', shippedModelFile(name, models));
  assert.equal(exported.code, 0, exported.err);
}

/** A fresh folder for one test, removed after it. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-demo-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('diffusion-ts demo', () => {
  it('learns the Swiss roll: samples within twice the held-out distance', async () => {
    const out = mkdtempSync(join(tmpdir(), 'diffusion-ts-demo-'));
    try {
      const lines: string[] = [];
      const sink = { write: (s: string) => lines.push(s) };
      const { swissRoll } = await runDemo({ out, steps: 1000, n: 1000, only: '2d', models: undefined }, { out: sink, err: sink });
      const { samplesToHeldOut, heldOutHalves } = swissRoll!;
      for (const f of ['samples.png', 'trajectory.gif', 'loss.png']) assert.ok(existsSync(join(out, f)), f);
      assert.ok(samplesToHeldOut <= 2 * heldOutHalves, `samples are ${samplesToHeldOut} from held-out data, two held-out sets ${heldOutHalves}`);
      assert.match(lines.join(''), /samples to held-out data: \d\.\d{4}/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('writes into an --out folder that does not exist yet (npm start on a fresh checkout)', () => inTempDir(async (dir) => {
    const out = join(dir, 'out'), { sink } = collector();
    await runDemo({ out, steps: 1, n: 2, only: '2d', models: undefined }, { out: sink, err: sink });
    for (const f of ['samples.png', 'trajectory.gif', 'loss.png']) assert.ok(existsSync(join(out, f)), f);
  }));

  it('with models/mnist-cfg there, writes the 10x10 digit grid (row k: class k), its trajectory GIF and the per-step strip, and lists them', () => inTempDir(async (dir) => {
    const models = join(dir, 'models'), out = join(dir, 'out');
    await smallShippedModel('mnist-cfg', models, '--data', 'mnist16', '--model', 'unet', '--cond', '--objective', 'edm');
    const { lines, sink } = collector();
    const { files } = await runDemo({ out, steps: 1, n: 2, only: 'digits', models }, { out: sink, err: sink });
    assert.deepEqual(Object.keys(files), ['digits', 'digits-gif', 'digits-steps']);
    // 16x16 digits with 2 pixels between and around them: 10 across and down; the strip has one column per step.
    assert.deepEqual(pictureSize(files['digits']!), [182, 182]);
    assert.deepEqual(pictureSize(files['digits-gif']!), [182, 182]);
    assert.deepEqual(pictureSize(files['digits-steps']!), [digitSettings.steps * 18 + 2, 182]);
    for (const file of Object.values(files)) assert.ok(lines.join('').includes(` ${file}\n`), `stdout lists ${file}`);
    assert.ok(!existsSync(join(out, 'samples.png')), '--only digits trains nothing');
  }));

  it('with models/moving-mnist there, writes the clips drawn and the held-out clips beside their continuations', () => inTempDir(async (dir) => {
    const models = join(dir, 'models'), out = join(dir, 'out');
    await smallShippedModel('moving-mnist', models, '--data', 'moving-mnist', '--model', 'video-unet', '--objective', 'edm');
    mkdirSync(out);
    const { sink } = collector();
    // Fewer clips and steps than the demo's own settings: the same code, at a test's cost.
    const files = await sampleClips(out, models, { out: sink, err: sink }, { ...clipSettings, steps: 2, n: 2 });
    assert.deepEqual(Object.keys(files), ['clips', 'continued']);
    assert.deepEqual(pictureSize(files['clips']!), [2 * 34 + 2, 34 + 2]); // two 32x32 clips side by side
    assert.deepEqual(pictureSize(files['continued']!), [2 * 34 + 2, 2 * 34 + 2]); // real | continued, one pair per row
  }));

  it('skips a part whose model file is missing with one line, and writes nothing for it', () => inTempDir(async (dir) => {
    const models = join(dir, 'no-models'), out = join(dir, 'out');
    for (const only of ['digits', 'video'] as const) {
      const { lines, sink } = collector();
      const { files } = await runDemo({ out, steps: 1, n: 2, only, models }, { out: sink, err: sink });
      assert.deepEqual(files, {});
      const name = only === 'digits' ? 'mnist-cfg' : 'moving-mnist';
      assert.deepEqual(lines, [`diffusion-ts demo: no ${shippedModelFile(name, models)} (the ${shippedModels[name].summary}); skipping the ${only === 'digits' ? 'digit grid' : 'clips'}\n`]);
    }
  }));
});
