// End-to-end tests of the diffusion-ts command on tiny settings in a temporary folder: train, sample
// (PNG and GIF), eval, exact resumption, Ctrl-C, and every kind of bad input.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '@diffusion-ts/nn/node';
import { parseRunConfig } from './run/config.ts';
import { runCli as run } from './testing/run-cli.ts';

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-cli-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

/** Run the CLI in-process, capturing what it writes. */

const tiny2d = ['--data', 'swiss-roll', '--model', 'mlp', '--batch', '16', '--train-size', '64', '--preview', '1'];

describe('diffusion-ts train / sample / eval', () => {
  it('trains a few steps and writes checkpoint, loss CSV and plot, and a preview', async () => {
    const out = join(dir, 'run2d');
    const r = await run('train', ...tiny2d, '--steps', '6', '--ckpt-every', '3', '--out', out);
    assert.equal(r.code, 0, r.err);
    for (const f of ['checkpoint.safetensors', 'loss.csv', 'loss.png', 'samples-000003.png', 'samples-000006.png']) assert.ok(existsSync(join(out, f)), f);
    assert.equal(readFileSync(join(out, 'loss.csv'), 'utf8').trim().split('\n').length, 7);
  });

  it('samples a PNG and a GIF trajectory; the same seed gives the same file', async () => {
    const ckpt = join(dir, 'run2d');
    for (const [sampler, file] of [['heun', 'a.png'], ['euler-a', 'b.gif'], ['dpm2m', 'c.png'], ['edm', 'd.png']] as const) {
      const r = await run('sample', '--ckpt', ckpt, '--sampler', sampler, '--steps', '3', '--n', '32', '--out', join(dir, file));
      assert.equal(r.code, 0, r.err);
    }
    assert.equal(readFileSync(join(dir, 'b.gif')).subarray(0, 6).toString(), 'GIF89a');
    await run('sample', '--ckpt', ckpt, '--steps', '3', '--n', '32', '--out', join(dir, 'a2.png'));
    assert.deepEqual(readFileSync(join(dir, 'a.png')), readFileSync(join(dir, 'a2.png')));
  });

  it('ddpm, iddpm and ddim sample a discrete-time run; eval --sweep writes its table and plot', async () => {
    const out = join(dir, 'ddpm');
    assert.equal((await run('train', ...tiny2d, '--objective', 'iddpm', '--timesteps', '50', '--steps', '3', '--out', out)).code, 0);
    for (const [sampler, steps] of [['iddpm', '4'], ['ddim', '4'], ['heun', '3']] as const) {
      const r = await run('sample', '--ckpt', out, '--sampler', sampler, '--steps', steps, '--n', '8', '--out', join(dir, `${sampler}.png`));
      assert.equal(r.code, 0, r.err);
    }
    const r = await run('sample', '--ckpt', out, '--sampler', 'ddpm', '--steps', '5', '--n', '8', '--out', join(dir, 'x.png'));
    assert.equal(r.code, 2, 'a sampler that does not fit the run is a usage error');
    assert.match(r.err, /runs all 50 steps.*--sampler iddpm/);
    const sweep = await run('eval', '--ckpt', join(dir, 'run2d'), '--sweep', '--n', '20');
    assert.equal(sweep.code, 0, sweep.err);
    assert.match(sweep.out, /\| heun \|/);
    assert.ok(existsSync(join(dir, 'run2d', 'sweep.png')));
  });

  it('trains a U-Net on images, samples a grid, and reports bits/dim for a discrete run', async () => {
    const out = join(dir, 'img');
    const r = await run('train', '--data', 'shapes16', '--model', 'unet', '--objective', 'ddpm', '--timesteps', '25', '--batch', '2', '--train-size', '8', '--steps', '2', '--preview', '0', '--out', out);
    assert.equal(r.code, 0, r.err);
    assert.equal((await run('sample', '--ckpt', out, '--sampler', 'ddim', '--steps', '2', '--n', '2', '--out', join(dir, 'img.png'))).code, 0);
    const nll = await run('eval', '--ckpt', out, '--nll', '--n', '2');
    assert.equal(nll.code, 0, nll.err);
    assert.match(nll.out, /bound \(bits\/dim\): +\d+\.\d+/);
    // --resume takes the run's own config: no need (and no way) to repeat its flags.
    const resumed = await run('train', '--out', out, '--resume', '--steps', '3', '--preview', '0', '--model', 'unet');
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.err, /finished at step 3/);
  });

  it('class-conditional training, and classifier-free guidance in discrete and sigma-space samplers', async () => {
    const out = join(dir, 'cond');
    const r = await run('train', '--data', 'shapes16', '--model', 'unet', '--objective', 'iddpm', '--timesteps', '25', '--cond', '--batch', '2', '--train-size', '8', '--steps', '1', '--preview', '0', '--out', out);
    assert.equal(r.code, 0, r.err);
    for (const sampler of ['iddpm', 'ddim', 'heun']) {
      const s = await run('sample', '--ckpt', out, '--sampler', sampler, '--steps', '2', '--n', '2', '--class', '1', '--guidance', '2', '--out', join(dir, `cfg-${sampler}.png`));
      assert.equal(s.code, 0, s.err);
    }
    const bad = await run('sample', '--ckpt', out, '--steps', '2', '--n', '2', '--class', '9', '--out', join(dir, 'cfg-bad.png'));
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--class 9 is out of range: this run has classes 0\.\.3/);
    const uncond = await run('sample', '--ckpt', join(dir, 'run2d'), '--guidance', '2', '--out', join(dir, 'cfg-2d.png'));
    assert.equal(uncond.code, 2);
    assert.match(uncond.err, /need a class-conditional run/);
    const mlp = await run('train', ...tiny2d, '--cond', '--data', 'moons', '--steps', '1', '--out', join(dir, 'mlp-cond'));
    assert.equal(mlp.code, 2);
  });

  it('--resume continues exactly: the same losses as an uninterrupted run', async () => {
    const whole = join(dir, 'whole'), parts = join(dir, 'parts');
    assert.equal((await run('train', ...tiny2d, '--preview', '0', '--steps', '8', '--ckpt-every', '4', '--out', whole)).code, 0);
    assert.equal((await run('train', ...tiny2d, '--preview', '0', '--steps', '4', '--ckpt-every', '4', '--out', parts)).code, 0);
    const r = await run('train', ...tiny2d, '--preview', '0', '--steps', '8', '--out', parts, '--resume');
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(join(parts, 'loss.csv'), 'utf8'), readFileSync(join(whole, 'loss.csv'), 'utf8'));
    assert.deepEqual(readFileSync(join(parts, 'checkpoint.safetensors')), readFileSync(join(whole, 'checkpoint.safetensors')));
  });

  it('--resume keeps the run\'s --ckpt-every and --preview unless they are given, and saves what it used', async () => {
    const out = join(dir, 'cadence');
    const schedule = async () => (await loadCheckpoint(join(out, 'checkpoint.safetensors'))).config as { schedule?: unknown };
    assert.equal((await run('train', ...tiny2d, '--steps', '2', '--ckpt-every', '2', '--out', out)).code, 0);
    assert.deepEqual((await schedule()).schedule, { ckptEvery: 2, preview: 1 });
    assert.equal((await run('train', '--out', out, '--resume', '--steps', '6')).code, 0);
    for (const step of [2, 4, 6]) assert.ok(existsSync(join(out, `samples-00000${step}.png`)), `samples at step ${step}`);
    assert.equal((await run('train', '--out', out, '--resume', '--steps', '9', '--ckpt-every', '3', '--preview', '0')).code, 0);
    assert.deepEqual((await schedule()).schedule, { ckptEvery: 3, preview: 0 });
    assert.ok(!existsSync(join(out, 'samples-000009.png')), '--preview 0 given: no samples');
    assert.equal((await run('train', '--out', out, '--resume', '--steps', '10')).code, 0);
    assert.deepEqual((await schedule()).schedule, { ckptEvery: 3, preview: 0 });
    assert.ok(!existsSync(join(out, 'samples-000010.png')), 'the saved --preview 0 kept');
    // A config without a schedule (written before it existed) reads; a bad one is refused, naming it.
    const { schedule: _, ...before } = await schedule();
    assert.equal(parseRunConfig(before).schedule, undefined);
    assert.throws(() => parseRunConfig({ ...before, schedule: { ckptEvery: 0, preview: 1 } }), /schedule\.ckptEvery is 0: /);
    assert.throws(() => parseRunConfig({ ...before, schedule: { ckptEvery: 5, preview: 2.5 } }), /schedule\.preview is 2\.5: /);
    assert.throws(() => parseRunConfig({ ...before, schedule: 'often' }), /schedule is "often": not an object/);
  });
});

describe('diffusion-ts bad input', () => {
  it('unknown flags and values are usage errors (exit 2) that list the choices', async () => {
    const flag = await run('train', '--bogus', '1');
    assert.equal(flag.code, 2);
    assert.match(flag.err, /--bogus/);
    const choice = await run('sample', '--ckpt', 'x', '--sampler', 'nope', '--out', 'x.png');
    assert.equal(choice.code, 2);
    assert.match(choice.err, /ddpm, iddpm, ddim, euler, heun, edm, euler-a, dpm2m/);
    assert.equal((await run('train', '--steps', 'many', '--out', join(dir, 'q'))).code, 2);
    assert.equal((await run('frobnicate')).code, 2);
    assert.equal((await run('train')).code, 2, '--out is required');
    assert.equal((await run('sample', '--ckpt', join(dir, 'run2d'), '--out', join(dir, 'x.jpg'))).code, 2);
  });

  it('the installed bin runs the command and passes its exit code', async () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'diffusion-ts.js');
    const exit = (args: string[]) => new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d; });
      child.on('exit', (code) => resolve({ code, out }));
    });
    const help = await exit(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /^Usage: diffusion-ts <command>/);
    assert.equal((await exit(['train', '--bogus'])).code, 2);
  });

  it('--help lists every command and every choice', async () => {
    const top = await run('--help');
    for (const c of ['train', 'sample', 'eval', 'demo']) assert.match(top.out, new RegExp(c));
    const train = await run('train', '--help');
    for (const c of ['swiss-roll', 'shapes16', 'clips16', 'mlp', 'unet', 'video-unet', 'ddpm', 'iddpm', 'edm']) assert.ok(train.out.includes(c), c);
  });

  it('an existing run folder is refused unless --resume or --force', async () => {
    const r = await run('train', ...tiny2d, '--steps', '1', '--out', join(dir, 'run2d'));
    assert.equal(r.code, 1);
    assert.match(r.err, /already exists.*--resume.*--force/);
    assert.equal((await run('train', ...tiny2d, '--preview', '0', '--steps', '1', '--out', join(dir, 'forced'))).code, 0);
    assert.equal((await run('train', ...tiny2d, '--preview', '0', '--steps', '1', '--out', join(dir, 'forced'), '--force')).code, 0);
    assert.equal((await run('train', ...tiny2d, '--steps', '2', '--out', join(dir, 'absent'), '--resume')).code, 1);
  });

  it('missing and truncated checkpoints give a clear error and overwrite nothing', async () => {
    const missing = await run('sample', '--ckpt', join(dir, 'nowhere'), '--out', join(dir, 'm.png'));
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no checkpoint at .*nowhere/);
    const broken = join(dir, 'broken');
    assert.equal((await run('train', ...tiny2d, '--preview', '0', '--steps', '2', '--out', broken)).code, 0);
    const ckpt = join(broken, 'checkpoint.safetensors');
    truncateSync(ckpt, statSync(ckpt).size - 10);
    const before = readFileSync(ckpt);
    writeFileSync(join(dir, 'keep.png'), 'old');
    const r = await run('sample', '--ckpt', broken, '--out', join(dir, 'keep.png'), '--force');
    assert.equal(r.code, 1);
    assert.match(r.err, /cannot load checkpoint/);
    assert.equal(readFileSync(join(dir, 'keep.png'), 'utf8'), 'old');
    const resumed = await run('train', ...tiny2d, '--steps', '4', '--out', broken, '--resume');
    assert.equal(resumed.code, 1);
    assert.deepEqual(readFileSync(ckpt), before, 'the broken checkpoint is left as it was');
    const exists = await run('sample', '--ckpt', join(dir, 'run2d'), '--out', join(dir, 'keep.png'));
    assert.equal(exists.code, 1);
    assert.match(exists.err, /exists; pass --force/);
  });

  it('Ctrl-C during training writes a checkpoint that resumes', async () => {
    const out = join(dir, 'interrupted');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), 'train', ...tiny2d, '--preview', '0', '--steps', '100000', '--ckpt-every', '5', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    while (!existsSync(join(out, 'loss.csv'))) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /stopped at step \d+/);
    const step = Number(/stopped at step (\d+)/.exec(stderr)![1]);
    assert.equal(readFileSync(join(out, 'loss.csv'), 'utf8').trim().split('\n').length, step + 1);
    assert.equal((await run('train', ...tiny2d, '--preview', '0', '--steps', String(step + 2), '--out', out, '--resume')).code, 0);
  });
});

describe('diffusion-ts on clips', () => {
  it('trains the space-time U-Net a step and samples a GIF of clips', async () => {
    const out = join(dir, 'video');
    const r = await run('train', '--data', 'clips16', '--model', 'video-unet', '--batch', '1', '--train-size', '2', '--steps', '1', '--preview', '0', '--out', out);
    assert.equal(r.code, 0, r.err);
    const s = await run('sample', '--ckpt', out, '--sampler', 'euler', '--steps', '1', '--n', '1', '--out', join(dir, 'clips.gif'));
    assert.equal(s.code, 0, s.err);
    assert.equal(readFileSync(join(dir, 'clips.gif')).subarray(0, 6).toString(), 'GIF89a');
    const wrong = await run('train', '--data', 'clips16', '--model', 'mlp', '--steps', '1', '--out', join(dir, 'wrong'));
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /--model mlp is for 2d data; 'clips16' is video data \(use --model video-unet\)/);
    assert.ok(!existsSync(join(dir, 'wrong')), 'no run folder is left behind');
  });
});
