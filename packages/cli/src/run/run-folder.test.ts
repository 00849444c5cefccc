import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator } from '@diffusion-ts/tensor';
import { MLP } from '@diffusion-ts/nn';
import { saveCheckpoint } from '@diffusion-ts/nn/node';
import { configFromFlags } from './config.ts';
import { checkRunFolder, createRunFolder, inspectRunFolder, resolveCheckpoint, runPaths } from './run-folder.ts';

const root = mkdtempSync(join(tmpdir(), 'diffusion-ts-run-folder-'));
after(() => rmSync(root, { recursive: true, force: true }));
const config = configFromFlags({ data: 'swiss-roll', model: 'mlp', objective: 'edm', timesteps: 1000, seed: 0, batch: 8, lr: 1e-3, ema: 0.99, 'train-size': 16, cond: false, 'label-dropout': 0.1, 'image-frames': 0 });
let n = 0;
const folder = (files: Record<string, string>): string => {
  const dir = join(root, `f${n++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};
const runFiles = { 'config.json': JSON.stringify(config), 'loss.csv': 'step,loss\n', 'loss.png': 'png', 'samples-000500.png': 'png', 'sweep.md': '|', '.checkpoint.safetensors.123.0123456789ab.tmp': 'partial' };

describe('run folders', () => {
  it('--force removes exactly the files of a recognised run and writes the new config', async () => {
    const dir = folder(runFiles);
    assert.deepEqual((await inspectRunFolder(runPaths(dir))).kind, 'run');
    await assert.rejects(checkRunFolder(runPaths(dir), 'new'), /already exists and holds a run; pass --resume/);
    await createRunFolder(runPaths(dir), 'force', config);
    assert.deepEqual(readdirSync(dir), ['config.json']);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), config);
  });

  it('--force refuses a folder holding anything a run does not write, or a run it cannot recognise, naming what it found', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...runFiles, 'thesis.txt': 'years of work' }, /holds thesis\.txt; nothing was removed/],
      [{ 'loss.csv': 'step,loss\n' }, /\(loss\.csv\) has no config\.json or checkpoint\.safetensors of a diffusion-ts run; nothing was removed/],
      [{ 'config.json': '{"name":"my web app"}', 'loss.png': 'x' }, /has no config\.json or checkpoint\.safetensors of a diffusion-ts run/],
      [{ 'checkpoint.safetensors': 'not safetensors' }, /has no config\.json or checkpoint/],
      [Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`note-${i}.txt`, ''])), /holds note-0\.txt, note-1\.txt, note-10\.txt, note-11\.txt, note-2\.txt and 7 more/],
    ];
    for (const [files, pattern] of cases) {
      const dir = folder(files);
      const before = readdirSync(dir).sort();
      await assert.rejects(createRunFolder(runPaths(dir), 'force', config), pattern, pattern.source);
      assert.deepEqual(readdirSync(dir).sort(), before);
    }
    const withFolder = folder({ 'config.json': JSON.stringify(config) });
    mkdirSync(join(withFolder, 'notes'));
    symlinkSync(join(withFolder, 'notes'), join(withFolder, 'loss.png'));
    await assert.rejects(createRunFolder(runPaths(withFolder), 'force', config), /holds loss\.png, notes\//);
  });

  it('a run is also recognised by its checkpoint alone (runs made before config.json)', async () => {
    const dir = folder({ 'loss.csv': 'step,loss\n' });
    await saveCheckpoint(join(dir, 'checkpoint.safetensors'), { model: new MLP({ hiddenDim: 4, generator: new Generator(0) }), step: 0, config });
    assert.equal((await inspectRunFolder(runPaths(dir))).kind, 'run');
    await createRunFolder(runPaths(dir), 'force', config);
    assert.deepEqual(readdirSync(dir), ['config.json']);
  });

  it('--ckpt takes a run folder or its checkpoint file', () => {
    const dir = folder({ 'checkpoint.safetensors': '' });
    assert.deepEqual(resolveCheckpoint(dir), { checkpoint: join(dir, 'checkpoint.safetensors'), dir });
    assert.deepEqual(resolveCheckpoint(join(dir, 'checkpoint.safetensors')), { checkpoint: join(dir, 'checkpoint.safetensors'), dir });
  });
});
