/**
 * `tsx bench/ab-trees.ts <treeA> <treeB> [sample1|sample16|step] [pairs]`: the bench U-Net on the wasm
 * kernels of two checkouts of this repository in one process (e.g. main copied aside, and this one),
 * calls alternating A B / B A, so both sides see the same load. Each side's model is built from the
 * same seed with that tree's `wasmKernels` object (`ourUNet` takes a Kernels object for a backend
 * name). Prints each side's median and minimum ms, the cores it got, the median over pairs of A's time
 * over B's (above 1: B is faster), and the load average every 10 pairs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Kernels } from '@diffusion-ts/tensor';
import { ourUNet } from './unet.ts';

const [treeA, treeB, mode = 'sample1', pairsArg = '20'] = process.argv.slice(2);
if (treeA === undefined || treeB === undefined) throw new Error('usage: tsx bench/ab-trees.ts <treeA> <treeB> [sample1|sample16|step] [pairs]');
const kernelsOf = async (tree: string): Promise<Kernels> =>
  (await import(path.resolve(tree, 'packages/tensor/src/backend/wasm/wasm-kernels.ts'))).wasmKernels as Kernels;
const options = mode === 'step' ? {} : { sampleBatch: mode === 'sample1' ? 1 : 16 };
const sides = await Promise.all([treeA, treeB].map(async (tree) => {
  const u = ourUNet(await kernelsOf(tree), options);
  return { call: mode === 'step' ? () => void u.trainStep() : () => u.evaluate(), ms: [] as number[], cpu: 0 };
}));
for (let i = 0; i < 3; i++) for (const s of sides) s.call();
const pairs = Number(pairsArg), loads: string[] = [];
for (let i = 0; i < pairs; i++) {
  for (const s of i % 2 === 0 ? sides : [...sides].reverse()) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    s.call();
    s.ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    s.cpu += (c.user + c.system) / 1000;
  }
  if (i % 10 === 0) loads.push(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!);
}
const median = (a: readonly number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const sum = (a: readonly number[]): number => a.reduce((x, y) => x + y, 0);
const [a, b] = sides as [typeof sides[0], typeof sides[0]];
const describe = (s: typeof a) => `median ${median(s.ms).toFixed(2)} ms, min ${Math.min(...s.ms).toFixed(2)}, cores ${(s.cpu / sum(s.ms)).toFixed(2)}`;
console.log(`${mode}, ${pairs} pairs: A ${describe(a)} | B ${describe(b)} | paired A/B ${median(a.ms.map((t, i) => t / b.ms[i]!)).toFixed(3)} | load ${loads.join(' ')}`);
process.exit(0);
