/**
 * `tsx bench/profile-step.ts [steps]`: where the bench U-Net's training step spends its time on
 * `wasm`, by kernel and phase (forward, backward, optimizer), timed around every kernel call.
 */
import { wasmKernels } from '../packages/tensor/src/backend/wasm/wasm-kernels.ts';
import { Generator, mean, randn, setBackend, square, sub, tensor } from '../packages/tensor/src/index.ts';
import { Adam, UNet } from '../packages/nn/src/index.ts';
import { unetConfig } from './unet.ts';

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
setBackend('wasm');
const g = new Generator(0);
const model = new UNet(unetConfig, { generator: g });
const opt = new Adam(model.parameters(), { lr: 2e-4 });
const x = randn([8, 3, 32, 32], { generator: g }), target = randn([8, 3, 32, 32], { generator: g });
const t = tensor(Array.from({ length: 8 }, (_, i) => (37 * i + 11) % 1000));
const phases = new Map<string, number>();
const timed = (name: string, fn: () => void, record: boolean) => {
  if (record) phase = name;
  const t0 = performance.now();
  fn();
  if (record) phases.set(name, (phases.get(name) ?? 0) + performance.now() - t0);
  phase = '';
};
const step = (record: boolean) => {
  opt.zeroGrad();
  let loss = x;
  timed('fwd', () => { loss = mean(square(sub(model.forward(x, t), target))); }, record);
  timed('bwd', () => loss.backward(), record);
  timed('opt', () => opt.step(), record);
  loss.item();
};
step(false); step(false);
const steps = Number(process.argv[2] ?? 4);
const t0 = performance.now();
for (let i = 0; i < steps; i++) step(true);
const total = (performance.now() - t0) / steps;
console.log(`step ${total.toFixed(1)} ms: ${[...phases].map(([k, v]) => `${k} ${(v / steps).toFixed(1)}`).join(', ')}`);
const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
const kern = rows.reduce((s, [, v]) => s + v.ms / steps, 0);
console.log(`in kernels ${kern.toFixed(1)} ms`);
for (const [k, s] of rows.slice(0, 40)) console.log(`${k.padEnd(30)} ${(s.n / steps).toFixed(0).padStart(5)} calls ${(s.ms / steps).toFixed(1).padStart(7)} ms`);
