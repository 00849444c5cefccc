// The classifier models and the quality flags end to end on tiny configs: train --model classifier and
// noised-classifier, sample --classifier (ADM guidance), eval --fid/--accuracy/--nll, and their bad input.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors } from '@diffusion-ts/nn';
import { Generator, randn } from '@diffusion-ts/tensor';
import { main } from './main.ts';
import { loadSession } from './run/session.ts';
import { shiftedBatch } from './run/classifier-loss.ts';

let dir: string;
const at = (...parts: string[]) => join(dir, ...parts);

async function run(argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const code = await main(argv, { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) } }, {});
  return { code, out: out.join(''), err: err.join('') };
}
async function ok(argv: readonly string[]): Promise<{ out: string; err: string }> {
  const r = await run(argv);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.err}`);
  return r;
}

const tiny = ['--data', 'mnist16', '--batch', '4', '--train-size', '16', '--preview', '0', '--steps', '2'];
const ddpm50 = ['--objective', 'ddpm', '--timesteps', '50'];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-quality-'));
  await ok(['train', ...tiny, '--model', 'classifier', '--out', at('judge')]);
  await ok(['train', ...tiny, '--model', 'noised-classifier', ...ddpm50, '--out', at('noised')]);
  await ok(['train', ...tiny, '--model', 'unet', ...ddpm50, '--out', at('uncond')]);
  await ok(['train', ...tiny, '--model', 'unet', '--objective', 'iddpm', '--timesteps', '50', '--cond', '--out', at('cond')]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('train --model classifier / noised-classifier', () => {
  it('a classifier run reports held-out accuracy at its checkpoint, and its features are [B, 128]', async () => {
    const session = await loadSession(at('judge', 'checkpoint.safetensors'));
    assert.deepEqual(session.features!(randn([5, 1, 16, 16])).shape, [5, 128]);
    assert.deepEqual(session.forward(randn([5, 1, 16, 16]), randn([5])).shape, [5, 10]);
    const r = await ok(['eval', '--ckpt', at('judge'), '--accuracy', '--n', '100']);
    assert.match(r.out, /^held-out accuracy: \d+\.\d\d% \(\d+\/100 mnist16 held-out examples, seed 0\)\n$/);
  });

  it('the augmentation shifts each image by at most 1 pixel (16×16), filling with the background', () => {
    const data = { data: Float32Array.from({ length: 2 * 256 }, (_, i) => i % 256), shape: [2, 1, 16, 16], labels: Int32Array.from([4, 7]), numClasses: 10 };
    const g = new Generator(3);
    for (let trial = 0; trial < 20; trial++) {
      const { x, labels } = shiftedBatch(data, Int32Array.from([1, 0]), g);
      assert.deepEqual([...labels], [7, 4]);
      const v = x.dataSync();
      // Pixel (y, x) holds the value y·16 + x of its source, so the shift can be read off the centre pixel.
      for (let b = 0; b < 2; b++) {
        const centre = v[b * 256 + 8 * 16 + 8]!, dy = 8 - Math.floor(centre / 16), dx = 8 - (centre % 16);
        assert.ok(Math.abs(dy) <= 1 && Math.abs(dx) <= 1, `shift (${dy}, ${dx})`);
        for (let y = 0; y < 16; y++) for (let xx = 0; xx < 16; xx++) {
          const sy = y - dy, sx = xx - dx;
          assert.equal(v[b * 256 + y * 16 + xx], sy >= 0 && sy < 16 && sx >= 0 && sx < 16 ? sy * 16 + sx : -1);
        }
      }
    }
  });
});

describe('sample --classifier (ADM classifier guidance)', () => {
  it('guides an unconditional run to --class with ddim and iddpm: scale 0 equals unguided sampling (to float32 rounding), scale 5 moves the samples; labels are written', async () => {
    for (const sampler of ['ddim', 'iddpm']) {
      const file = (name: string) => at(`${sampler}-${name}.safetensors`);
      await ok(['sample', '--ckpt', at('uncond'), '--sampler', sampler, '--steps', '5', '--n', '3', '--out', file('plain')]);
      await ok(['sample', '--ckpt', at('uncond'), '--sampler', sampler, '--steps', '5', '--n', '3', '--classifier', at('noised'), '--classifier-scale', '0', '--class', '3', '--out', file('s0')]);
      await ok(['sample', '--ckpt', at('uncond'), '--sampler', sampler, '--steps', '5', '--n', '3', '--classifier', at('noised'), '--classifier-scale', '5', '--class', '3', '--out', file('s5')]);
      const read = (name: string) => decodeSafetensors(new Uint8Array(readFileSync(file(name)))).tensors;
      const plain = read('plain'), s0 = read('s0'), s5 = read('s5');
      // Equal up to float32 rounding: the guided step recomputes x̂₀ through ε (condScoreShift: x̂₀ → ε − 0 → x̂₀).
      const [a, b] = [s0['samples']!.data, plain['samples']!.data];
      assert.equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5, `${sampler} sample value ${i}: ${a[i]} vs ${b[i]}`);
      assert.notDeepEqual([...s5['samples']!.data], [...plain['samples']!.data]);
      assert.deepEqual([...s5['labels']!.data], [3, 3, 3]);
      assert.equal(plain['labels'], undefined);
    }
  });
});

describe('eval --fid / --accuracy / --nll', () => {
  it('prints the Fréchet distance with its floor, and per-class accuracy, of a conditional run', async () => {
    const r = await ok(['eval', '--ckpt', at('cond'), '--fid', '--accuracy', '--n', '20', '--sampler', 'ddim', '--steps', '3', '--guidance', '2', '--judge', at('judge')]);
    assert.match(r.out, /Fréchet distance in the judge's features to 2000 held-out mnist16 examples:\n {2}samples \(20 samples, ddim 3 steps, guidance 2, seed 0\): \d+\.\d{3}\n {2}floor \(20 training examples\): {2}\d+\.\d{3}\n/);
    assert.match(r.out, /class accuracy \(20 samples, ddim 3 steps, guidance 2, seed 0\): \d+\.\d% \(\d+\/20\)\n\| class \| 0 \| 1 \| 2 \| 3 \| 4 \| 5 \| 6 \| 7 \| 8 \| 9 \|/);
  });

  it('--accuracy of an unconditional run guided by a noised classifier', async () => {
    const r = await ok(['eval', '--ckpt', at('uncond'), '--accuracy', '--n', '10', '--sampler', 'ddim', '--steps', '3', '--classifier', at('noised'), '--classifier-scale', '2', '--judge', at('judge')]);
    assert.match(r.out, /class accuracy \(10 samples, ddim 3 steps, classifier scale 2, seed 0\)/);
  });

  it('--nll of a class-conditional iddpm run is the bound of log p(x | y)', async () => {
    const r = await ok(['eval', '--ckpt', at('cond'), '--nll', '--n', '4']);
    assert.match(r.out, /held-out examples: 4 \(the bound of log p\(x \| y\), each with its own label\)\nbound \(bits\/dim\): +\d+\.\d{4}/);
  });
});

describe('bad input for the classifier and quality flags', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['classifier on 2-D data', ['train', '--data', 'swiss-roll', '--model', 'classifier', '--out', 'x'], 2, /--model classifier is for image data; 'swiss-roll' is 2d data/],
    ['classifier on unlabelled images', ['train', '--data', 'binary16', '--model', 'classifier', '--out', 'x'], 2, /--model classifier is for image data; 'binary16' is binary data/],
    ['--cond on a classifier', ['train', '--data', 'mnist16', '--model', 'classifier', '--cond', '--out', 'x'], 2, /--cond is for diffusion models; --model classifier always learns the labels/],
    ['noised classifier on edm', ['train', '--data', 'mnist16', '--model', 'noised-classifier', '--out', 'x'], 2, /--model noised-classifier learns p\(y \| x_t, t\) on the noise of a discrete process: use --objective ddpm or iddpm/],
    ['sampling a classifier', ['sample', '--ckpt', '@judge', '--out', '@x.png'], 2, /--ckpt is a --model classifier run, which classifies; sampling needs a diffusion model/],
    ['a clean classifier to guide', ['sample', '--ckpt', '@uncond', '--sampler', 'ddim', '--steps', '5', '--classifier', '@judge', '--out', '@x.png'], 2, /--classifier must be a --model noised-classifier run \(p\(y \| x_t, t\) for guidance\); it is a --model classifier run/],
    ['guidance with a σ-space sampler', ['sample', '--ckpt', '@uncond', '--sampler', 'heun', '--classifier', '@noised', '--out', '@x.png'], 2, /--classifier guides the discrete samplers \(ddpm, iddpm or ddim.*--sampler heun is a σ-space sampler/],
    ['another noise process', ['sample', '--ckpt', '@cond', '--sampler', 'ddim', '--steps', '5', '--classifier', '@noised', '--out', '@x.png'], 2, /--classifier was trained on the noise of --objective ddpm with 50 timesteps; this run is --objective iddpm with 50/],
    ['--classifier-scale alone', ['sample', '--ckpt', '@uncond', '--classifier-scale', '2', '--out', '@x.png'], 2, /sample: --classifier-scale 2 needs --classifier/],
    ['a negative classifier scale', ['sample', '--ckpt', '@uncond', '--classifier', '@noised', '--classifier-scale', '-1', '--out', '@x.png'], 2, /--classifier-scale/],
    ['--class beyond the classifier', ['sample', '--ckpt', '@uncond', '--sampler', 'ddim', '--steps', '5', '--classifier', '@noised', '--class', '10', '--out', '@x.png'], 2, /--class 10 is out of range: this classifier has classes 0\.\.9/],
    ['--class on an unguided unconditional run', ['sample', '--ckpt', '@uncond', '--class', '1', '--out', '@x.png'], 2, /--class and --guidance need a class-conditional run \(train with --cond\); --class also works with a --classifier guiding an unconditional run/],
    ['a diffusion run as judge', ['eval', '--ckpt', '@cond', '--fid', '--judge', '@uncond'], 2, /--judge .*uncond is a --model unet run; it must be a --model classifier run/],
    ['no judge there', ['eval', '--ckpt', '@cond', '--fid', '--judge', '@nowhere'], 2, /--judge .*nowhere: no classifier there/],
    ['accuracy of an unconditional run', ['eval', '--ckpt', '@uncond', '--accuracy', '--judge', '@judge'], 2, /--accuracy measures class-conditional samples: the run is unconditional/],
    ['--fid of a classifier', ['eval', '--ckpt', '@judge', '--fid'], 2, /--ckpt is a --model classifier run; it takes --accuracy only/],
    ['--classifier-scale alone (eval)', ['eval', '--ckpt', '@cond', '--fid', '--classifier-scale', '3'], 2, /eval: --classifier-scale 3 needs --classifier/],
  ];
  for (const [name, argv, code, message] of cases) {
    it(`${name}: exit ${code}, names the flag`, async () => {
      const before = readdirSync(dir).sort();
      const r = await run(argv.map((a) => (a.startsWith('@') ? at(a.slice(1)) : a)));
      assert.equal(r.code, code, r.err);
      assert.match(r.err, message);
      assert.deepEqual(readdirSync(dir).sort(), before);
    });
  }

  it('a 2-D run cannot be judged by a digit classifier', async () => {
    await ok(['train', '--data', 'swiss-roll', '--model', 'mlp', '--batch', '8', '--train-size', '32', '--preview', '0', '--steps', '1', '--out', at('roll')]);
    const r = await run(['eval', '--ckpt', at('roll'), '--fid', '--judge', at('judge')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /--judge: the classifier takes 1-channel 16×16 images \(or k·16 sides, averaged down\); 'swiss-roll' is 2d data/);
  });
});
