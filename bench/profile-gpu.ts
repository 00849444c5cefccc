/**
 * `scripts/with-gpu-env npx tsx bench/profile-gpu.ts [sample|train|both] [batch]`: where the bench
 * U-Net's sampling step (one denoiser evaluation, batch 16 unless given) and training step (batch 8
 * unless given) spend their time on the `gpu` backend: per kernel, its launches per step and device
 * milliseconds. Each case runs once to compile its kernels, once timed as the benchmark runs it
 * (kernels queued freely; wall time and launches), then once with the engine's internal profiler,
 * which runs kernels one at a time and times each from its call to the device going idle, so the
 * profiled total is longer than the free-running step and shows per-launch overhead as time.
 */
import { initGpu, shutdownGpu } from '@diffusion-ts/tensor';
import { installNodeWebGPU } from '@diffusion-ts/tensor/webgpu-node';
import { gpuEngine } from '@diffusion-ts/tensor/internal';
import { ourUNet } from './unet.ts';

const which = process.argv[2] ?? 'both', batch = process.argv[3] === undefined ? null : Number(process.argv[3]);
if (!['sample', 'train', 'both'].includes(which) || (batch !== null && !(Number.isInteger(batch) && batch >= 1))) {
  console.error('usage: tsx bench/profile-gpu.ts [sample|train|both] [batch ≥ 1]');
  process.exit(1);
}
installNodeWebGPU();
const info = await initGpu();
const engine = gpuEngine()!;
console.log(`adapter: ${info.adapter} (${info.engine})`);

for (const kind of which === 'both' ? ['sample', 'train'] as const : [which as 'sample' | 'train']) {
  const u = ourUNet('gpu', { batch: batch ?? 8, sampleBatch: batch ?? 16 });
  const step = () => (kind === 'train' ? u.trainStepAsync().then(() => u.settle()) : u.evaluateAsync());
  await step(); // compiles every kernel
  let launches = 0;
  engine.profiler = () => { launches++; };
  // Counting launches through the profiler serializes them; the wall time comes from a free run.
  await step();
  engine.profiler = null;
  const t0 = performance.now();
  await step();
  const wall = performance.now() - t0;
  const stats = new Map<string, { n: number; ms: number }>();
  engine.profiler = (name, ms) => {
    const s = stats.get(name) ?? { n: 0, ms: 0 };
    s.n++; s.ms += ms;
    stats.set(name, s);
  };
  const p0 = performance.now();
  await step();
  const profiled = performance.now() - p0;
  engine.profiler = null;
  const inKernels = [...stats.values()].reduce((sum, s) => sum + s.ms, 0);
  console.log(`\n${kind === 'train' ? `training step, batch ${batch ?? 8}` : `sampling step (one denoiser evaluation), batch ${batch ?? 16}`}: `
    + `${wall.toFixed(0)} ms free-running, ${launches} launches; profiled ${profiled.toFixed(0)} ms, ${inKernels.toFixed(0)} ms in kernels`);
  console.log(`${'kernel'.padEnd(48)} ${'launches'.padStart(8)} ${'ms'.padStart(9)} ${'share'.padStart(6)}`);
  for (const [name, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) {
    console.log(`${name.padEnd(48)} ${String(s.n).padStart(8)} ${s.ms.toFixed(1).padStart(9)} ${(100 * s.ms / inKernels).toFixed(1).padStart(5)}%`);
  }
  u.dispose();
}
await shutdownGpu();
