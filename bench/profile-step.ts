/**
 * `tsx bench/profile-step.ts [steps] [poolMiB]`: where the bench U-Net's training step spends its
 * time on `wasm`, by kernel and phase (forward, backward, optimizer), timed around every kernel call,
 * and how many minor page faults (fresh memory) a step takes. The step runs in a recycling `tidy`
 * scope as the CLI's trainer runs it; `poolMiB` bounds the engine's pool of output buffers (default
 * 512; 0 turns it off), and the run prints how many outputs the pool supplied.
 *
 * `tsx bench/profile-step.ts --sample B [evals]`: the same for one denoiser evaluation at batch B
 * (`ourUNet('wasm', { sampleBatch: B }).evaluate()`, as the sampling cases run it; default 20
 * evaluations after 3 warm-ups), with the cores it got (process CPU seconds per wall second) and
 * the kernels' share of the wall time.
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
const phases = new Map<string, number>();
const timed = (name: string, fn: () => void, record: boolean) => {
  if (record) phase = name;
  const t0 = performance.now();
  fn();
  if (record) phases.set(name, (phases.get(name) ?? 0) + performance.now() - t0);
  phase = '';
};
const sampleAt = process.argv.indexOf('--sample');
const sampleBatch = sampleAt >= 0 ? Number(process.argv[sampleAt + 1] ?? 1) : 0;
const u = ourUNet('wasm', sampleBatch > 0 ? { sampleBatch } : {});
let run: (record: boolean) => void, steps: number, unit: string;
if (sampleBatch > 0) {
  run = (record) => timed('eval', () => u.evaluate(), record);
  steps = Number(process.argv[sampleAt + 2] ?? 20);
  unit = `eval at batch ${sampleBatch}`;
  for (let i = 0; i < 3; i++) run(false);
} else {
  if (process.argv[3] !== undefined) outputPool.setMaxBytes(Number(process.argv[3]) * 2 ** 20);
  run = (record) => {
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
  steps = Number(process.argv[2] ?? 4);
  unit = 'step';
  run(false); run(false);
}
const cpu0 = process.cpuUsage();
const t0 = performance.now(), faults0 = process.resourceUsage().minorPageFault, reused0 = outputPool.reused, made0 = outputPool.made;
for (let i = 0; i < steps; i++) run(true);
const wall = performance.now() - t0, cpu = process.cpuUsage(cpu0);
const total = wall / steps, faults = (process.resourceUsage().minorPageFault - faults0) / steps;
const cores = (cpu.user + cpu.system) / 1000 / wall;
console.log(`${unit} ${total.toFixed(1)} ms (${steps} runs): ${[...phases].map(([k, v]) => `${k} ${(v / steps).toFixed(1)}`).join(', ')}; ${faults.toFixed(0)} minor page faults each; cores ${cores.toFixed(2)}`);
const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
const kern = rows.reduce((s, [, v]) => s + v.ms / steps, 0);
console.log(`output pool (${(outputPool.maxBytes / 2 ** 20).toFixed(0)} MiB): ${((outputPool.reused - reused0) / steps).toFixed(0)} float32 outputs reused and ${((outputPool.made - made0) / steps).toFixed(0)} made fresh each`);
console.log(`in kernels ${kern.toFixed(1)} ms`);
for (const [k, s] of rows.slice(0, 40)) console.log(`${k.padEnd(30)} ${(s.n / steps).toFixed(0).padStart(5)} calls ${(s.ms / steps).toFixed(2).padStart(7)} ms ${(1000 * s.ms / s.n).toFixed(0).padStart(6)} µs a call`);
