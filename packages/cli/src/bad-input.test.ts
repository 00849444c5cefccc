// Bad command lines, as a table: each row is a command line, the exit code it must give (2: usage,
// 1: anything else), a fragment of its one-line message, and it must leave no new file behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors } from '@diffusion-ts/nn';
import { main } from './main.ts';

let dir: string;
const at = (...parts: string[]) => join(dir, ...parts);

async function run(argv: readonly string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const code = await main(argv, { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) } }, env);
  return { code, out: out.join(''), err: err.join('') };
}

/** Every path under `root` with its size and modification time, to see that nothing was added or changed. */
function tree(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).sort().map((p) => {
    const s = statSync(join(root, p));
    return `${p} ${s.isDirectory() ? 'dir' : `${s.size} ${s.mtimeMs}`}`;
  });
}

const tiny2d = ['--data', 'swiss-roll', '--model', 'mlp', '--batch', '8', '--train-size', '32', '--preview', '0', '--steps', '1'];

/** A copy of a checkpoint file with its header rewritten by `edit` (the header text, as JSON). */
function rewriteHeader(from: string, to: string, edit: (header: string) => string): void {
  const bytes = readFileSync(from);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = new TextEncoder().encode(edit(bytes.subarray(8, 8 + n).toString('utf8')));
  const out = Buffer.alloc(8 + header.length + bytes.length - 8 - n);
  out.writeBigUInt64LE(BigInt(header.length));
  out.set(header, 8);
  out.set(bytes.subarray(8 + n), 8 + header.length);
  writeFileSync(to, out);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-bad-input-'));
  assert.equal((await run(['train', ...tiny2d, '--out', at('run2d')])).code, 0);
  assert.equal((await run(['train', ...tiny2d, '--objective', 'ddpm', '--timesteps', '50', '--out', at('ddpm')])).code, 0);
  const ckpt = at('run2d', 'checkpoint.safetensors');
  mkdirSync(at('unknown-data'));
  const { tensors, metadata } = decodeSafetensors(readFileSync(ckpt));
  writeFileSync(at('unknown-data', 'checkpoint.safetensors'), encodeSafetensors(tensors, { ...metadata, config: metadata['config']!.replace('"swiss-roll"', '"nope"') }));
  // The same entry twice: JSON.parse would keep one and the file would load.
  rewriteHeader(ckpt, at('duplicate.safetensors'), (h) => h.replace(/,"(model\.[^"]+)":(\{[^}]*\})/, (_, name: string, entry: string) => `,"${name}":${entry},"${name}":${entry}`));
  rewriteHeader(ckpt, at('deep.safetensors'), (h) => h.replace('"shape":', `"shape":${'['.repeat(20_000)}${']'.repeat(20_000)},"x":`));
  mkdirSync(at('notes', 'drafts'), { recursive: true });
  writeFileSync(at('notes', 'thesis.txt'), 'years of work');
  writeFileSync(at('a-file'), 'not a folder');
  writeFileSync(at('old.safetensors'), 'an earlier result');
  mkdirSync(at('folder.png'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('diffusion-ts bad input table', () => {
  const rows: [string[], number, RegExp][] = [
    [['train'], 2, /--out <dir> is required/],
    [['train', '--bogus', '1'], 2, /unknown option '--bogus'/],
    [['frobnicate'], 2, /unknown command 'frobnicate'/],
    [['train', '--out', '@/t', '--seed', '1e300'], 2, /--seed: '1e300' is out of range; expected an integer in \[0, 4294967295\]/],
    [['train', '--out', '@/t', '--steps', '1e20'], 2, /--steps: '1e20' is out of range/],
    [['train', '--out', '@/t', '--train-size', '1e12'], 2, /--train-size: '1e12' is out of range/],
    [['train', '--out', '@/t', '--timesteps', '1e12'], 2, /--timesteps: '1e12' is out of range/],
    [['train', '--out', '@/t', '--batch', '0'], 2, /--batch: '0' is out of range/],
    [['train', '--out', '@/t', '--lr', 'NaN'], 2, /--lr: expected a number, got 'NaN'/],
    [['train', '--out', '@/t', '--data', 'shapes32', '--model', 'unet', '--train-size', '1000000'], 2, /--train-size 1000000 needs 11\.4 GiB of 'shapes32' examples; at most 174762 fit/],
    [['train', '--out', '@/t', '--data', 'shapes16', '--model', 'mlp'], 2, /--model mlp is for 2d data; 'shapes16' is image data \(use --model unet\)/],
    [['train', '--out', '@/t', '--data', 'mnist', '--model', 'mlp'], 2, /--model mlp is for 2d data; 'mnist' is image data \(use --model unet\)/],
    [['train', '--out', '@/t', '--data', 'mnist28'], 2, /--data: invalid choice 'mnist28' \(did you mean 'mnist'\?\); choices: .*mnist, mnist16/],
    [['train', '--out', '@/t', '--data', 'mnist', '--model', 'unet', '--train-size', '1000000'], 2, /--train-size 1000000 needs 3\.8 GiB of 'mnist' examples; at most 524288 fit/],
    [['train', '--out', '@/t', '--cond'], 2, /--cond needs labelled data; 'swiss-roll' has no labels/],
    [['train', '--out', '@/t', '--resume', '--force'], 2, /--resume and --force contradict/],
    [['train', '--out', '@/a-file'], 1, /--out .*a-file is a file, not a folder/],
    [['train', '--out', '@/a-file/run'], 1, /a-file is a file, so no folder can be made below it/],
    [['train', '--out', '@/notes'], 1, /notes already exists and is not empty \(drafts\/, thesis\.txt\); choose another --out/],
    [['train', '--out', '@/notes', '--force'], 1, /--force replaces only a diffusion-ts run folder, and .*notes holds drafts\/, thesis\.txt; nothing was removed/],
    [['train', '--out', '@/run2d'], 1, /run2d already exists and holds a run; pass --resume to continue it or --force to replace it/],
    [['train', '--out', '@/run2d', '--resume', '--data', 'moons', '--objective', 'ddpm', '--steps', '3'], 2, /--data moons \(the run has swiss-roll\); --objective ddpm \(the run has edm\); a resumed run keeps its config \(only --steps, --ckpt-every, --preview, --backend may change\)/],
    [['train', '--out', '@/nowhere', '--resume'], 1, /--resume: no checkpoint at .*nowhere/],
    [['train', '--out', '@/unknown-data', '--resume', '--steps', '3'], 1, /data is "nope": expected one of swiss-roll/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/nodir/a.png'], 1, /--out .*nodir\/a\.png: the folder .*nodir does not exist/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/folder.png'], 1, /folder\.png is a folder, not a file/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/x.jpg'], 2, /--out must end in \.png, \.gif or \.safetensors, got '.*x\.jpg'/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/old.safetensors'], 1, /old\.safetensors exists; pass --force to overwrite it/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/x.png', '--steps', '1e20'], 2, /--steps: '1e20' is out of range/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/x.png', '--seed', '1e300'], 2, /--seed: '1e300' is out of range/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/x.png', '--n', '1e6'], 2, /--n: '1e6' is out of range/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/x.png', '--eta', '2'], 2, /--eta: '2' is out of range/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/x.png', '--guidance', '2'], 2, /--class and --guidance need a class-conditional run/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/x.png', '--class', '1'], 2, /--class and --guidance need a class-conditional run/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/x.png', '--condition', '0'], 2, /--condition needs a video run; this run's data, swiss-roll, is 2-D points/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/x.png', '--frames-known', '4'], 2, /--frames-known needs a video run; this run's data, \S+, is 2-D points/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/x.png', '--method', 'replacement', '--length', '16'], 2, /--method, --length need a video run; this run's data, \S+, is 2-D points/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/x.png', '--condition', '0', '--method', 'interpolate'], 2, /--method/],
    [['sample', '--ckpt', '@/run2d', '--out', '@/x.png', '--sampler', 'ddim'], 2, /--sampler ddim needs a discrete-time model/],
    [['sample', '--ckpt', '@/ddpm', '--out', '@/x.png', '--sampler', 'iddpm', '--steps', '80'], 2, /--steps 80 does not fit --sampler iddpm on this run's 50 timesteps/],
    [['sample', '--ckpt', '@/ddpm', '--out', '@/x.png', '--sampler', 'ddim', '--steps', '80'], 2, /--steps 80 does not fit --sampler ddim on this run's 50 timesteps: spaceTimesteps: cannot divide section of 50 steps into 80/],
    [['sample', '--ckpt', '@/ddpm', '--out', '@/x.png', '--sampler', 'ddpm', '--steps', '7'], 2, /--sampler ddpm runs all 50 steps/],
    [['sample', '--ckpt', '@/nowhere', '--out', '@/x.png'], 1, /no checkpoint at .*nowhere/],
    [['sample', '--ckpt', '@/a-file', '--out', '@/x.png'], 1, /cannot load checkpoint: loadCheckpoint\(".*a-file"\): decodeSafetensors: header length/],
    [['sample', '--ckpt', '@/unknown-data', '--out', '@/x.png'], 1, /cannot use checkpoint .*unknown-data.*: the run config is invalid: data is "nope": expected one of swiss-roll/],
    [['sample', '--ckpt', '@/duplicate.safetensors', '--out', '@/x.png'], 1, /duplicate\.safetensors.*repeats the tensor name "model\./],
    [['sample', '--ckpt', '@/deep.safetensors', '--out', '@/x.png'], 1, /deep\.safetensors.*shape must be an array of non-negative integers, got \[\[\[\[\.\.\.\]\]\]\]/],
    [['eval', '--ckpt', '@/run2d'], 2, /choose --nll, --sweep, --fid, --accuracy or --video \(one or more\)/],
    [['eval', '--ckpt', '@/run2d', '--video'], 2, /--video needs a video run; this run's data, swiss-roll, is 2d data/],
    [['eval', '--ckpt', '@/run2d', '--sweep', '--guidance-weight', '2'], 2, /--guidance-weight only applies with --video/],
    [['eval', '--ckpt', '@/run2d', '--sweep', '--features', 'pixels'], 2, /--features only applies with --video/],
    [['eval', '--ckpt', '@/run2d', '--sweep', '--bootstrap', '50'], 2, /--bootstrap only applies with --video/],
    [['eval', '--ckpt', '@/run2d', '--video', '--features', 'inception'], 2, /--features: invalid choice 'inception'; choices: judge, pixels/],
    [['eval', '--ckpt', '@/run2d', '--nll'], 2, /--nll needs a discrete-time model/],
    [['eval', '--ckpt', '@/ddpm', '--nll'], 2, /'swiss-roll' is continuous 2-D data/],
    [['eval', '--ckpt', '@/run2d', '--sweep', '--n', '1e9'], 2, /--n: '1e9' is out of range/],
    [['export'], 2, /export: --ckpt <run-dir> is required/],
    [['export', '--ckpt', '@/run2d'], 2, /export: --out <model\.safetensors> is required/],
    [['export', '--ckpt', '@/run2d', '--out', '@/model.pt'], 2, /export: --out must end in \.safetensors, got '.*model\.pt'/],
    [['export', '--ckpt', '@/run2d', '--out', '@/m.safetensors', '--dtype', 'f8'], 2, /--dtype: invalid choice 'f8'; choices: f16, f32/],
    [['export', '--ckpt', '@/run2d', '--out', '@/old.safetensors'], 1, /old\.safetensors exists; pass --force to overwrite it/],
    [['export', '--ckpt', '@/run2d', '--out', '@/nodir/m.safetensors'], 1, /--out .*nodir\/m\.safetensors: the folder .*nodir does not exist/],
    [['export', '--ckpt', '@/nowhere', '--out', '@/m.safetensors'], 1, /no checkpoint at .*nowhere/],
    [['export', '--ckpt', '@/a-file', '--out', '@/m.safetensors'], 1, /cannot load checkpoint: loadCheckpoint\(".*a-file"\): decodeSafetensors: header length/],
    [['demo', '--out', '@/a-file'], 1, /^diffusion-ts: --out \S*a-file is a file, not a folder\n$/],
  ];
  for (const [argv, code, fragment] of rows) {
    it(`${argv.join(' ')} → exit ${code}`, async () => {
      const before = tree(dir);
      const notes = readFileSync(at('notes', 'thesis.txt'), 'utf8');
      const r = await run(argv.map((a) => a.replace(/^@/, dir)));
      assert.equal(r.code, code, r.err);
      assert.match(r.err, fragment);
      assert.match(r.err, /^diffusion-ts: [^\n]*\n$/, 'one line, no stack');
      assert.ok(r.err.length < 2100, `${r.err.length} characters`);
      assert.deepEqual(tree(dir), before, 'no new or changed files');
      assert.equal(readFileSync(at('notes', 'thesis.txt'), 'utf8'), notes);
    });
  }
});

describe('diffusion-ts failures: messages and stacks', () => {
  it('an unexpected error is one line naming the command; its stack comes only with --verbose or DEBUG', async () => {
    const failing = (err: string[]) => ({ out: { write: () => { throw new TypeError('the terminal went away'); } }, err: { write: (s: string) => err.push(s) } });
    for (const [argv, env, stack] of [[['--help'], {}, false], [['--help', '--verbose'], {}, true], [['--help'], { DEBUG: '1' }, true], [['--help'], { DEBUG: '0' }, false]] as const) {
      const err: string[] = [];
      assert.equal(await main(argv, failing(err), env), 1);
      const text = err.join('');
      assert.match(text, /^diffusion-ts: unexpected TypeError: the terminal went away \(rerun with --verbose or DEBUG=1 for the stack trace; please report it\)\n/);
      assert.equal(/\n {4}at /.test(text), stack, text);
    }
  });

  it('sample takes the checkpoint file as --ckpt, and warns once when the weights hold NaN', async () => {
    const ok = await run(['sample', '--ckpt', at('run2d', 'checkpoint.safetensors'), '--steps', '2', '--n', '4', '--out', at('from-file.png')]);
    assert.equal(ok.code, 0, ok.err);
    assert.doesNotMatch(ok.err, /warning/);
    const nan = at('nan.safetensors');
    const { tensors, metadata } = decodeSafetensors(readFileSync(at('run2d', 'checkpoint.safetensors')));
    for (const [name, t] of Object.entries(tensors)) if (name.endsWith('.weight')) t.data[0] = NaN;
    writeFileSync(nan, encodeSafetensors(tensors, metadata));
    const r = await run(['sample', '--ckpt', nan, '--steps', '2', '--n', '4', '--out', at('nan.png')]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err.match(/warning/g)?.length, 1, r.err);
    assert.match(r.err, /diffusion-ts: warning: the EMA weights in .*nan\.safetensors hold NaN or Inf \(.*weight: 1 of \d+/);
    const ev = await run(['eval', '--ckpt', nan, '--nll']); // warns on loading, then refuses --nll for an EDM run
    assert.equal(ev.code, 2);
    assert.match(ev.err, /^diffusion-ts: warning: the EMA weights .*\ndiffusion-ts: --nll needs a discrete-time model/);
  });
});
