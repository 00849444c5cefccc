/**
 * `tsx bench/profile-step.ts [steps] [poolMiB]`: where the bench U-Net's training step spends its
 * time on `wasm`, by kernel and phase (forward, backward, optimizer), timed around every kernel call,
 * and how many minor page faults (fresh memory) a step takes. The step runs in a recycling `tidy`
 * scope as the CLI's trainer runs it; `poolMiB` bounds the engine's pool of output buffers (default
 * 512; 0 turns it off), and the run prints how many outputs the pool supplied.
 */
import { tidy } from '@diffusion-ts/tensor';
import type { Tensor } from '@diffusion-ts/tensor';
import { outputPool, wasmKernels } from '@diffusion-ts/tensor/internal';
import { ourUNet } from './unet.ts';

const K = wasmKernels as unknown as Record<string, unknown>;
const stats = new Map<string, { n: number; ms: number }>();
let phase = '';
for (const key of Object.keys(K)) {
  const f = K[key];
  if (typeof f !== 'function') continue;
  K[key] = function (this: unknown, ...args: unknown[]) {
    if (phase === '') return (f as (...a: unknown[]) => unknown).apply(this, args);
    const t0 = performance.now();
    const r = (f as (...a: unknown[]) => unknown).apply(this, args);
    const name = `${phase} ${key}${typeof args[0] === 'string' ? `:${args[0]}` : ''}`;
    const s = stats.get(name) ?? { n: 0, ms: 0 };
    s.n++; s.ms += performance.now() - t0;
    stats.set(name, s);
    return r;
  };
}
const u = ourUNet('wasm');
const phases = new Map<string, number>();
const timed = (name: string, fn: () => void, record: boolean) => {
  if (record) phase = name;
  const t0 = performance.now();
  fn();
  if (record) phases.set(name, (phases.get(name) ?? 0) + performance.now() - t0);
  phase = '';
};
if (process.argv[3] !== undefined) outputPool.setMaxBytes(Number(process.argv[3]) * 2 ** 20);
const step = (record: boolean) => {
  const l = tidy(() => {
    u.optimizer.zeroGrad();
    let loss: Tensor | null = null;
    timed('fwd', () => { loss = u.loss(); }, record);
    timed('bwd', () => loss!.backward(), record);
    timed('opt', () => u.optimizer.step(), record);
    return loss!.detach();
  }, { recycle: true });
  l.item();
};
step(false); step(false);
const steps = Number(process.argv[2] ?? 4);
const t0 = performance.now(), faults0 = process.resourceUsage().minorPageFault, reused0 = outputPool.reused, made0 = outputPool.made;
for (let i = 0; i < steps; i++) step(true);
const total = (performance.now() - t0) / steps, faults = (process.resourceUsage().minorPageFault - faults0) / steps;
console.log(`step ${total.toFixed(1)} ms: ${[...phases].map(([k, v]) => `${k} ${(v / steps).toFixed(1)}`).join(', ')}; ${faults.toFixed(0)} minor page faults per step`);
const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
const kern = rows.reduce((s, [, v]) => s + v.ms / steps, 0);
console.log(`output pool (${(outputPool.maxBytes / 2 ** 20).toFixed(0)} MiB): ${((outputPool.reused - reused0) / steps).toFixed(0)} float32 outputs reused and ${((outputPool.made - made0) / steps).toFixed(0)} made fresh per step`);
console.log(`in kernels ${kern.toFixed(1)} ms`);
for (const [k, s] of rows.slice(0, 40)) console.log(`${k.padEnd(30)} ${(s.n / steps).toFixed(0).padStart(5)} calls ${(s.ms / steps).toFixed(1).padStart(7)} ms`);
