// Durability under kill -9: train with a checkpoint every step, SIGKILL the process at random
// moments (mid-step, mid-checkpoint, mid-append), resume each time, and check that the run ends
// exactly as an uninterrupted one: the same loss log row for row, the same step, no temp files.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadCheckpoint } from '@diffusion-ts/nn/node';
import { main } from './main.ts';

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-kill-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

const flags = ['--data', 'swiss-roll', '--model', 'mlp', '--batch', '8', '--train-size', '32', '--preview', '0', '--ckpt-every', '1'];
const quiet = { write: () => {} };

/** The step of the run's checkpoint, or -1 while there is none (or it cannot be read). */
async function checkpointStep(out: string): Promise<number> {
  try {
    return (await loadCheckpoint(join(out, 'checkpoint.safetensors'))).step;
  } catch {
    return -1;
  }
}

/** Start training in a child process, wait until it has written a checkpoint of its own, then SIGKILL it `delayMs` later. */
async function trainAndKill(out: string, resume: boolean, delayMs: number): Promise<void> {
  const args = ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), 'train', ...flags, '--steps', '1000000', '--out', out, ...(resume ? ['--resume'] : [])];
  const before = await checkpointStep(out);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = Date.now();
  while (child.exitCode === null && Date.now() - started < 30_000 && (await checkpointStep(out)) <= before) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  const code = await exited;
  assert.equal(code, null, `the child exited by itself (${code}): ${stderr}`);
}

describe('kill -9 during training', () => {
  it('every kill leaves a run that resumes to exactly the uninterrupted losses, with no temp files', async (t) => {
    const seed = fc.readConfigureGlobal().seed ?? 42;
    t.diagnostic(`kill delays drawn with seed ${seed}`);
    const delays = fc.sample(fc.integer({ min: 0, max: 400 }), { seed, numRuns: 3 });
    const out = join(dir, 'killed');
    for (const [i, delay] of delays.entries()) {
      await trainAndKill(out, i > 0, delay);
      const { step } = await loadCheckpoint(join(out, 'checkpoint.safetensors')); // every kill leaves a loadable checkpoint
      const rows = readFileSync(join(out, 'loss.csv'), 'utf8').split('\n').filter((l) => /^\d+,/.test(l)).length;
      assert.ok(rows >= step, `after kill ${i}: the log has ${rows} rows, the checkpoint is at step ${step}`);
      t.diagnostic(`kill ${i} after ${delay} ms: checkpoint at step ${step}, ${rows} loss rows, ${readdirSync(out).filter((f) => f.endsWith(".tmp")).length} temp files`);
    }
    const reached = (await loadCheckpoint(join(out, 'checkpoint.safetensors'))).step;
    const total = String(reached + 3);
    const err: string[] = [];
    const code = await main(['train', ...flags, '--steps', total, '--out', out, '--resume'], { out: quiet, err: { write: (s: string) => err.push(s) } });
    assert.equal(code, 0, err.join(''));
    assert.equal((await loadCheckpoint(join(out, 'checkpoint.safetensors'))).step, reached + 3);
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), [], 'temp files of killed writes are removed on the next start');

    const whole = join(dir, 'whole');
    assert.equal(await main(['train', ...flags, '--steps', total, '--out', whole], { out: quiet, err: quiet }), 0);
    const log = readFileSync(join(out, 'loss.csv'), 'utf8');
    assert.equal(log, readFileSync(join(whole, 'loss.csv'), 'utf8'));
    assert.deepEqual(log.trim().split('\n').slice(1).map((l) => Number(l.split(',')[0])), Array.from({ length: reached + 3 }, (_, i) => i + 1));
    assert.deepEqual(readFileSync(join(out, 'checkpoint.safetensors')), readFileSync(join(whole, 'checkpoint.safetensors')));
  });
});
