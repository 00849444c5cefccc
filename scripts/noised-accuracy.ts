// Accuracy of a noised-image classifier (`train --model noised-classifier`) on held-out digits
// diffused to x_t, at several t: how much class information it reads at each noise level, which is
// what ADM's classifier guidance (Dhariwal & Nichol 2021, Algorithms 1 and 2) draws on. Markdown to stdout.
//
//   npx tsx scripts/noised-accuracy.ts --ckpt models/mnist-noised-classifier/classifier.safetensors [--n 2000] [--t 0,100,...]
import { parseArgs } from 'node:util';
import { Generator, noGrad, tensor } from '@diffusion-ts/tensor';
import { randnFrom } from '@diffusion-ts/diffusion';
import { heldOut, loadSession, resolveCheckpoint } from '@diffusion-ts/cli';

const { values: v } = parseArgs({ options: { ckpt: { type: 'string' }, n: { type: 'string', default: '2000' }, t: { type: 'string', default: '0,100,200,300,400,500,600,700,800,900,999' }, seed: { type: 'string', default: '0' } } });
if (v.ckpt === undefined) throw new Error('noised-accuracy: --ckpt <noised-classifier run or file> is required');
const session = await loadSession(resolveCheckpoint(v.ckpt).checkpoint);
const diffusion = session.objective.diffusion;
if (session.config.model !== 'noised-classifier' || diffusion === undefined) throw new Error(`noised-accuracy: ${v.ckpt} is not a noised-classifier run`);
const n = Number(v.n), seed = Number(v.seed);
const data = heldOut(session.config.data, n, seed);
const [, ...rest] = data.shape;
const row = rest.reduce((a, b) => a * b, 1);
const cells: string[] = [];
const steps = v.t.split(',').map(Number);
for (const step of steps) {
  const g = new Generator(seed + 1 + step);
  let correct = 0;
  for (let at = 0; at < n; at += 250) {
    const b = Math.min(250, n - at);
    const predicted = noGrad(() => {
      const x0 = tensor(data.data.subarray(at * row, (at + b) * row), { shape: [b, ...rest] });
      const t = new Int32Array(b).fill(step);
      const xT = diffusion.qSample(x0, t, randnFrom(g, x0.shape, x0.dtype));
      return session.forward(xT, tensor(diffusion.modelTimesteps(t))).argmax(1).dataSync();
    });
    for (let i = 0; i < b; i++) if (predicted[i] === data.labels![at + i]) correct++;
  }
  cells.push(`${(100 * correct / n).toFixed(1)}%`);
}
console.log(`held-out ${session.config.data} digits (n = ${n}, seed ${seed}) diffused to x_t by the run's ${session.config.objective} process, classified:\n`);
console.log(`| t | ${steps.join(' | ')} |\n|---|${steps.map(() => '---:').join('|')}|\n| accuracy | ${cells.join(' | ')} |`);
