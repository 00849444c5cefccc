// End-to-end tests of `diffusion-ts export` (a run's EMA weights as a float16 model file) and of
// `sample --out file.safetensors` (the raw samples and labels), on an MNIST-16 U-Net trained two steps.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, float16ToFloat32, toFloat16 } from '@diffusion-ts/nn';
import { runCli as run } from './testing/run-cli.ts';
import { SAMPLES_FORMAT } from './run/sample-file.ts';
import { loadSession } from './run/session.ts';

let dir: string;
const at = (...parts: string[]) => join(dir, ...parts);

/** The JSON header of a safetensors file, as written. */
function headerOf(file: string): Record<string, { dtype: string; shape: number[] } | Record<string, string>> {
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[] }>;
}

const read = (file: string) => decodeSafetensors(new Uint8Array(readFileSync(file)));

/** Sample 4 digits of class 3 with guidance 2 from `ckpt` into `out` (.safetensors). */
const sample = (ckpt: string, out: string) => run('sample', '--ckpt', ckpt, '--sampler', 'heun', '--steps', '4', '--n', '4', '--class', '3', '--guidance', '2', '--seed', '5', '--out', out);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-export-'));
  const r = await run('train', '--data', 'mnist16', '--model', 'unet', '--cond', '--batch', '4', '--train-size', '16', '--steps', '2', '--preview', '0', '--out', at('run'));
  assert.equal(r.code, 0, r.err);
  for (const dtype of ['f16', 'f32']) {
    const e = await run('export', '--ckpt', at('run'), '--out', at(`model-${dtype}.safetensors`), '--dtype', dtype);
    assert.equal(e.code, 0, e.err);
    assert.match(e.err, new RegExp(`wrote .*model-${dtype}\\.safetensors: the EMA weights at step 2 as float${dtype.slice(1)}`));
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('diffusion-ts export', () => {
  it('writes the EMA weights alone, as F16, with the run config in the metadata, at half the float32 size', () => {
    const header = headerOf(at('model-f16.safetensors'));
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    assert.ok(names.length > 10 && names.every((k) => k.startsWith('model.')), 'only model.* tensors: no EMA or optimizer copies');
    assert.ok(names.every((k) => (header[k] as { dtype: string }).dtype === 'F16'));
    const meta = header['__metadata__'] as Record<string, string>;
    assert.equal(meta['format'], 'diffusion-ts.checkpoint.v1');
    assert.equal((JSON.parse(meta['config']!) as { data: string }).data, 'mnist16');
    assert.equal((JSON.parse(meta['training']!) as { step: number }).step, 2);
    const [f16, f32] = [statSync(at('model-f16.safetensors')).size, statSync(at('model-f32.safetensors')).size];
    assert.ok(Math.abs(f16 / f32 - 0.5) < 0.01, `${f16} bytes against ${f32}`);
    assert.ok(statSync(at('run', 'checkpoint.safetensors')).size > 3.5 * f32, 'the run checkpoint also holds the raw weights and Adam moments');
  });

  it('the float16 file holds the EMA weights that sample loads from the run (without the initial share), rounded to nearest float16', async () => {
    const weights = (await loadSession(at('run', 'checkpoint.safetensors'))).module.stateDict();
    const half = read(at('model-f16.safetensors')).tensors;
    for (const [name, t] of Object.entries(half)) {
      const want = weights[name.replace(/^model\./, '')]!.dataSync();
      assert.equal(t.dtype, 'float32');
      assert.deepEqual(t.data, float16ToFloat32(toFloat16(Float32Array.from(want))), name);
    }
    const full = read(at('model-f32.safetensors')).tensors;
    for (const [name, t] of Object.entries(full)) assert.deepEqual(t.data, Float32Array.from(weights[name.replace(/^model\./, '')]!.dataSync()), name);
  });

  it('refuses weights float16 cannot hold, naming one; f32 exports them', async () => {
    const { tensors, metadata } = read(at('model-f32.safetensors'));
    const name = Object.keys(tensors).find((k) => k.endsWith('.weight'))!;
    tensors[name]!.data[0] = 1e5;
    writeFileSync(at('big.safetensors'), encodeSafetensors(tensors, metadata));
    const r = await run('export', '--ckpt', at('big.safetensors'), '--out', at('big-f16.safetensors'));
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`^diffusion-ts: export: --dtype f16 cannot hold ${name.slice('model.'.length).replace(/\./g, '\\.')}\\[0\\] = 100000 \\(float16 ends at ±65504\\); use --dtype f32\\n$`));
    assert.equal((await run('export', '--ckpt', at('big.safetensors'), '--out', at('big-f32.safetensors'), '--dtype', 'f32')).code, 0);
  });
});

describe('diffusion-ts sample --out file.safetensors', () => {
  it('writes float32 samples [N, 1, 16, 16] with their int32 labels and the settings, readable by our reader', async () => {
    const r = await sample(at('run'), at('samples.safetensors'));
    assert.equal(r.code, 0, r.err);
    const header = headerOf(at('samples.safetensors'));
    assert.deepEqual(Object.keys(header).sort(), ['__metadata__', 'labels', 'samples']);
    assert.deepEqual({ ...header['samples'] }, { dtype: 'F32', shape: [4, 1, 16, 16], data_offsets: [16, 16 + 4 * 256 * 4] });
    assert.deepEqual({ ...header['labels'] }, { dtype: 'I32', shape: [4], data_offsets: [0, 16] }); // tensors are laid out in name order
    assert.deepEqual({ ...header['__metadata__'] }, { format: SAMPLES_FORMAT, data: 'mnist16', range: '[-1, 1]', sampler: 'heun', steps: '4', seed: '5', guidance: '2', step: '2' });
    const { tensors } = read(at('samples.safetensors'));
    assert.deepEqual([...tensors['labels']!.data], [3, 3, 3, 3]);
    assert.ok(tensors['samples']!.data.every((v) => Number.isFinite(v)));
    // The same seed gives the same file.
    assert.equal((await sample(at('run'), at('samples-again.safetensors'))).code, 0);
    assert.deepEqual(readFileSync(at('samples.safetensors')), readFileSync(at('samples-again.safetensors')));
  });

  it('a float16 model samples exactly as float32 weights rounded to float16, and within float16 precision of the float32 model', async () => {
    // The float16 file's weights, stored as float32: sampling must not tell them apart.
    const { tensors, metadata } = read(at('model-f16.safetensors'));
    writeFileSync(at('rounded-f32.safetensors'), encodeSafetensors(tensors, metadata));
    for (const model of ['model-f16', 'model-f32', 'rounded-f32']) assert.equal((await sample(at(`${model}.safetensors`), at(`s-${model}.safetensors`))).code, 0);
    const samplesOf = (model: string) => read(at(`s-${model}.safetensors`)).tensors['samples']!.data;
    assert.deepEqual(samplesOf('model-f16'), samplesOf('rounded-f32'));
    const [a, b] = [samplesOf('model-f16'), samplesOf('model-f32')];
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    // Each weight moves by at most 2⁻¹¹ ≈ 4.9e-4 of itself; the samples (range [−1, 1]) move by 2e-5 (measured), held here under 1e-3.
    assert.ok(worst > 0 && worst < 1e-3, `largest difference ${worst}`);
  });

  it('an unconditional run writes no labels; its 2-D points keep their own range', async () => {
    assert.equal((await run('train', '--data', 'swiss-roll', '--model', 'mlp', '--batch', '8', '--train-size', '32', '--steps', '1', '--preview', '0', '--out', at('run2d'))).code, 0);
    const r = await run('sample', '--ckpt', at('run2d'), '--steps', '2', '--n', '5', '--out', at('points.safetensors'));
    assert.equal(r.code, 0, r.err);
    const { tensors, metadata } = read(at('points.safetensors'));
    assert.deepEqual(Object.keys(tensors), ['samples']);
    assert.deepEqual(tensors['samples']!.shape, [5, 2]);
    assert.match(metadata['range']!, /unbounded/);
  });
});
