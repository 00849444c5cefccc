import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadSafetensors, removeStaleTempFiles, saveSafetensors, writeFileAtomic, writeFileAtomicSync } from './file.ts';
import { SafetensorsError } from './safetensors.ts';
import type { StoredTensor } from './safetensors.ts';

const root = mkdtempSync(join(tmpdir(), 'diffusion-ts-checkpoint-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
/** A fresh empty directory per test, so leftover temp files are easy to spot. */
const freshDir = (): string => {
  const dir = join(root, `t${counter++}`);
  mkdirSync(dir);
  return dir;
};

const tensors: Record<string, StoredTensor> = {
  weight: { dtype: 'float32', shape: [2, 2], data: Float32Array.of(1, -0, NaN, Infinity) },
  step: { dtype: 'int32', shape: [], data: Int32Array.of(1000) },
};

describe('saveSafetensors / loadSafetensors', () => {
  it('round-trips tensors and metadata through a file, leaving no temp files', async () => {
    const dir = freshDir();
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(path, tensors, { epoch: '7' });
    const { tensors: loaded, metadata } = await loadSafetensors(path);
    assert.deepEqual(metadata, { epoch: '7' });
    assert.deepEqual(loaded['weight']!.shape, [2, 2]);
    assert.deepEqual([...loaded['weight']!.data], [1, -0, NaN, Infinity]);
    assert.deepEqual([...loaded['step']!.data], [1000]);
    assert.deepEqual(readdirSync(dir), ['model.safetensors']);
  });

  it('keeps the old checkpoint when the new tensors cannot be encoded', async () => {
    const dir = freshDir();
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(path, tensors);
    const before = readFileSync(path);
    const bad: Record<string, StoredTensor> = { w: { dtype: 'float32', shape: [3], data: new Float32Array(2) } };
    await assert.rejects(saveSafetensors(path, bad), SafetensorsError);
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(dir), ['model.safetensors']);
  });

  it('names the path when the file is corrupt', async () => {
    const dir = freshDir();
    const path = join(dir, 'broken.safetensors');
    writeFileSync(path, Uint8Array.of(1, 2, 3));
    await assert.rejects(loadSafetensors(path), (e: unknown) => e instanceof SafetensorsError && e.message.includes(path) && /shorter than the 8-byte/.test(e.message));
  });
});

describe('writeFileAtomic', () => {
  it('replaces the content of an existing file, bytes or text', async () => {
    const dir = freshDir();
    const path = join(dir, 'out.csv');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'step,loss\n1,0.5\n');
    assert.equal(readFileSync(path, 'utf8'), 'step,loss\n1,0.5\n');
    writeFileAtomicSync(path, Uint8Array.of(0x89, 0x50));
    assert.deepEqual([...readFileSync(path)], [0x89, 0x50]);
    assert.deepEqual(readdirSync(dir), ['out.csv']);
  });

  it('fails cleanly when the target is a directory: the directory survives, no temp files remain', async () => {
    const dir = freshDir();
    const target = join(dir, 'taken');
    mkdirSync(target);
    writeFileSync(join(target, 'inside.txt'), 'keep me');
    await assert.rejects(writeFileAtomic(target, 'new'), (e: NodeJS.ErrnoException) => typeof e.code === 'string');
    assert.throws(() => writeFileAtomicSync(target, 'new'), (e: NodeJS.ErrnoException) => typeof e.code === 'string');
    assert.deepEqual(readdirSync(dir), ['taken']);
    assert.equal(readFileSync(join(target, 'inside.txt'), 'utf8'), 'keep me');
  });

  it('fails with ENOENT in a missing directory and creates nothing', async () => {
    const dir = freshDir();
    await assert.rejects(writeFileAtomic(join(dir, 'missing', 'x.png'), 'x'), { code: 'ENOENT' });
    assert.throws(() => writeFileAtomicSync(join(dir, 'missing', 'x.png'), 'x'), { code: 'ENOENT' });
    assert.deepEqual(readdirSync(dir), []);
  });

  it('concurrent writers each leave a complete file, never a mix', async () => {
    const dir = freshDir();
    const path = join(dir, 'race.bin');
    const payloads = Array.from({ length: 8 }, (_, i) => new Uint8Array(64 * 1024).fill(i + 1));
    await Promise.all(payloads.map((p) => writeFileAtomic(path, p)));
    const result = readFileSync(path);
    assert.equal(result.length, 64 * 1024);
    assert.ok(result.every((b) => b === result[0]), 'file mixes two writes');
    assert.deepEqual(readdirSync(dir), ['race.bin']);
  });

  it('removeStaleTempFiles removes only the temp files of writers that no longer run', async () => {
    const dir = freshDir();
    // A process id that is surely gone: a child that has exited.
    const { spawnSync } = await import('node:child_process');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = [`.checkpoint.safetensors.${dead}.0123456789ab.tmp`, `.loss.csv.${dead}.ffffffffffff.tmp`];
    const kept = [
      `.checkpoint.safetensors.${process.pid}.0123456789ab.tmp`, // our own write, in progress
      `.checkpoint.safetensors.${dead}.0123456789AB.tmp`, // not the writer's pattern (upper-case hex)
      `checkpoint.safetensors.${dead}.0123456789ab.tmp`, // not hidden
      `.notes.${dead}.tmp`,
      'thesis.tmp',
      'checkpoint.safetensors',
    ];
    for (const name of [...stale, ...kept]) writeFileSync(join(dir, name), 'x');
    mkdirSync(join(dir, `.folder.${dead}.0123456789ab.tmp`));
    assert.deepEqual(removeStaleTempFiles(dir), [...stale].sort());
    assert.deepEqual(readdirSync(dir).sort(), [...kept, `.folder.${dead}.0123456789ab.tmp`].sort());
  });
});
