// `train --image-frames k` (joint image/video training, Ho et al. 2022, Sec. 3) end to end on a tiny
// clips16 run: it trains, the value is in the run's config, --resume keeps it (and continues the same
// losses as an uninterrupted run), configs written before the flag read as 0, bad values are refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as run } from './testing/run-cli.ts';
import { parseRunConfig } from './run/config.ts';

let dir: string;
const at = (...parts: string[]) => join(dir, ...parts);

const tiny = ['--data', 'clips16', '--model', 'video-unet', '--objective', 'ddpm', '--timesteps', '25', '--batch', '2', '--train-size', '4', '--preview', '0'];
const config = (run: string) => JSON.parse(readFileSync(at(run, 'config.json'), 'utf8')) as Record<string, unknown>;
const losses = (run: string) => readFileSync(at(run, 'loss.csv'), 'utf8');

before(() => { dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-joint-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('diffusion-ts train --image-frames', () => {
  it('trains with k image frames, stores k in the config, and --resume keeps it with the losses of an uninterrupted run', async () => {
    const whole = await run('train', ...tiny, '--image-frames', '3', '--steps', '2', '--out', at('whole'));
    assert.equal(whole.code, 0, whole.err);
    assert.equal(config('whole')['imageFrames'], 3);
    const part = await run('train', ...tiny, '--image-frames', '3', '--steps', '1', '--out', at('parts'));
    assert.equal(part.code, 0, part.err);
    const resumed = await run('train', '--out', at('parts'), '--resume', '--steps', '2', '--preview', '0');
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(losses('parts'), losses('whole'));
    const off = await run('train', ...tiny, '--steps', '2', '--out', at('off'));
    assert.equal(off.code, 0, off.err);
    assert.equal(config('off')['imageFrames'], 0);
    assert.notEqual(losses('off'), losses('whole')); // the image frames change the batches and the network's attention
    const conflict = await run('train', '--out', at('parts'), '--resume', '--steps', '3', '--image-frames', '2');
    assert.equal(conflict.code, 2);
    assert.match(conflict.err, /--image-frames 2 \(the run has 3\)/);
  });

  it('a config written before the flag existed reads as imageFrames 0; a bad stored value is refused', () => {
    const saved = config('off');
    delete saved['imageFrames'];
    assert.equal(parseRunConfig(saved).imageFrames, 0);
    assert.throws(() => parseRunConfig({ ...saved, imageFrames: 8 }), /--image-frames 8 must be in \[0, 7\]/);
    assert.throws(() => parseRunConfig({ ...saved, imageFrames: -1 }), /imageFrames is -1/);
  });

  it('refuses bad values, naming the flag and the value, and makes no run folder', async () => {
    const rows: [string[], RegExp][] = [
      [[...tiny, '--image-frames', '8'], /--image-frames 8 must be in \[0, 7\]: 'clips16' clips have 8 frames/],
      [[...tiny, '--image-frames', '1.5'], /--image-frames: expected an integer, got '1.5'/],
      [[...tiny, '--image-frames', '-1'], /--image-frames: '-1' is out of range/],
      [['--data', 'shapes16', '--model', 'unet', '--image-frames', '2'], /--image-frames 2 is joint image\/video training of --model video-unet; --model unet has no frames/],
      [[...tiny, '--train-size', '1', '--image-frames', '2'], /--image-frames 2 draws its frames from other clips; --train-size 1 has none/],
    ];
    for (const [flags, message] of rows) {
      const r = await run('train', ...flags, '--steps', '1', '--out', at('bad'));
      assert.equal(r.code, 2, `${flags.join(' ')}: ${r.err}`);
      assert.match(r.err, message, flags.join(' '));
      assert.ok(!existsSync(at('bad')));
    }
  });
});
