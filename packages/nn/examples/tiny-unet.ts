/**
 * @diffusion-ts/nn in one screen: a preset U-Net, one training step with Adam and EMA, and a
 * safetensors checkpoint written and restored.
 *
 *   npx tsx packages/nn/examples/tiny-unet.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, randn, tensor } from '@diffusion-ts/tensor';
import { Adam, EMA, UNet, fromPyTorchKey, metaInit, presets } from '@diffusion-ts/nn';
import { restoreCheckpoint, saveCheckpoint } from '@diffusion-ts/nn/node';

// The papers' models, counted without allocating their weights (metaInit builds shapes only).
for (const name of ['ddpmCifar10', 'admImageNet64'] as const) {
  const count = metaInit(() => new UNet(presets[name], { generator: new Generator(0) })).numParameters();
  console.log(`${name}: ${count.toLocaleString('en-US')} parameters`);
}

// A tiny preset that runs on a CPU: ε_θ(x_t, t) for 16×16 RGB images.
const g = new Generator(0);
const model = new UNet(presets.tiny16, { generator: g });
console.log(`tiny16: ${model.numParameters().toLocaleString('en-US')} parameters`);
const x = randn([2, 3, 16, 16], { generator: g });
const t = tensor([10, 500]);
const eps = randn([2, 3, 16, 16], { generator: g });

// One step of Adam on ‖ε_θ(x, t) − ε‖², then an EMA update of the weights (DDPM's decay 0.9999).
const optimizer = new Adam(model.parameters(), { lr: 2e-4 });
const ema = new EMA(model, { decay: 0.9999 });
const loss = model.forward(x, t).sub(eps).square().mean();
optimizer.zeroGrad();
loss.backward();
optimizer.step();
ema.update(model);
console.log('loss', loss.item().toFixed(4), 'output', model.forward(x, t).shape);

// Checkpoint (safetensors, atomic write) and restore into a fresh model.
const dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-'));
const path = join(dir, 'tiny16.safetensors');
await saveCheckpoint(path, { model, ema, optimizer, step: 1, config: presets.tiny16 });
const restored = new UNet(presets.tiny16, { generator: new Generator(1) });
const { step } = await restoreCheckpoint(path, { model: restored });
const same = model.forward(x, t).sub(restored.forward(x, t)).abs().max().item();
console.log(`restored step ${step}; max |difference| of outputs: ${same}`);
rmSync(dir, { recursive: true });

// PyTorch (guided-diffusion) keys map onto ours segment by segment.
console.log(fromPyTorchKey('input_blocks.1.0.in_layers.2.weight'));
