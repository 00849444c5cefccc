// Device memory on the gpu backend stays flat in the library's own loops, with no finalizer and no
// tidy in the caller's code: 500 training steps of a tiny model (the CLI trainer's step: EDM loss,
// backward, Adam, EMA, in one tidy scope) hold as many live buffers and bytes at step 500 as at step
// 50; so do U-Net steps (conv, group norm, attention); and a sampler run leaves nothing on the device
// but its result. Run under scripts/with-gpu-env (the root `npm test` does); when no WebGPU adapter
// starts, the suite fails with the reason instead of skipping.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Generator, gpuMemory, initGpu, noGrad, randn, setBackend, shutdownGpu, tensor, tidy, type Tensor } from '@diffusion-ts/tensor';
import { installNodeWebGPU } from '@diffusion-ts/tensor/webgpu-node';
import { Adam, EMA, MLP, UNet, presets, type Module } from '@diffusion-ts/nn';
import {
  cosineBetas, edmLoss, edmPrecond, GaussianDiffusion, karrasSigmas, sampleAblation, sampleDdim, sampleDdpm, sampleDpmSolver2M,
  sampleEdmStochastic, sampleEuler, sampleEulerAncestral, sampleHeun, trainingLosses, type Denoiser,
} from '@diffusion-ts/diffusion';

type Memory = { buffers: number; bytes: number };

// Garbage from setup (a constructor's temporaries, released only by the FinalizationRegistry) must
// not move the count between two measurements: collect it first, deterministically.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * Live device memory once the work queued so far has been submitted: a buffer is freed when its
 * last owner lets go, and kernels launched on it own it until they are submitted, so wait for a read
 * of every tensor still in use, then for the event loop to turn.
 */
async function settled(inUse: readonly Tensor[]): Promise<Memory> {
  await Promise.all(inUse.map((t) => t.data()));
  await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 2; i++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 0)); // finalizers run as tasks after a collection
  }
  const { buffers, bytes } = gpuMemory();
  return { buffers, bytes };
}

/** Parameters, buffers, optimizer state and EMA shadows: everything a training loop keeps. */
const heldBy = (model: Module, opt: Adam, ema: EMA): Tensor[] => [
  ...Object.values(model.stateDict()),
  ...model.parameters().flatMap((p) => Object.values(opt.stateOf(p)?.tensors ?? {})),
  ...Object.keys(model.stateDict()).map((k) => ema.get(k)!),
];

/** One training step as the CLI trainer takes it: the whole step in tidy, the loss read with await. */
async function trainStep(model: Module, opt: Adam, ema: EMA, loss: () => Tensor): Promise<number> {
  const l = tidy(() => {
    const value = loss();
    model.zeroGrad();
    value.backward();
    opt.step();
    noGrad(() => ema.update(model));
    return value.detach();
  });
  const [v] = await l.data();
  l.dispose();
  return v!;
}

// A stalled device fails the run instead of hanging it (the tests take seconds to tens of seconds on lavapipe).
describe('gpu device memory', { timeout: 600_000 }, () => {
  before(async () => {
    installNodeWebGPU();
    const { adapter } = await initGpu(); // rejects, saying why, where no adapter starts: the suite fails
    setBackend('gpu');
    process.stderr.write(`gpu-memory: webgpu on ${adapter}\n`);
    mlp = new MLP({ dataDim: 2, hiddenDim: 16, numLayers: 1, timeEmbedDim: 8, generator: g });
  });
  after(async () => {
    setBackend('js');
    await shutdownGpu();
  });

  const g = new Generator(0);
  let mlp: MLP; // made on gpu once it starts; trained by the first test, sampled by the second
  // The first test's optimizer and EMA, held so that no finalizer frees them while later tests count buffers.
  const held: unknown[] = [];
  const D = edmPrecond((x, cNoise) => mlp.forward(x, cNoise), { sigmaData: 1 });

  it('500 training steps of an MLP: live buffers and bytes the same at step 50 and step 500', async () => {
    const opt = new Adam(mlp.parameters(), { lr: 1e-2 });
    const ema = new EMA(mlp, { decay: 0.99 });
    held.push(opt, ema);
    const data = () => randn([16, 2], { generator: g }).mul(tensor([1, 0.5]));
    const at: Record<number, Memory> = {};
    const losses: number[] = [];
    for (let step = 1; step <= 500; step++) {
      losses.push(await trainStep(mlp, opt, ema, () => edmLoss(D.batch, data(), { noise: g, sigmaData: 1 }).loss.mean()));
      if (step === 50 || step === 500) at[step] = await settled(heldBy(mlp, opt, ema));
    }
    assert.ok(losses.every(Number.isFinite), 'finite losses');
    assert.deepEqual(at[500], at[50], `step 50: ${JSON.stringify(at[50])}, step 500: ${JSON.stringify(at[500])}`);
    const params = mlp.parameters().reduce((n, p) => n + p.numel(), 0);
    // Parameters, two Adam moments and an EMA shadow per parameter, and nothing that grows with the steps.
    assert.ok(at[500]!.bytes < 4 * params * 4 + 64 * 1024, `${at[500]!.bytes} bytes live for ${params} parameters`);
    ema.copyTo(mlp);
  });

  it('a sampler run leaves no buffers beyond its result (every sampler)', async () => {
    const sigmas = karrasSigmas(6, { sigmaMax: 80, sigmaMin: 0.002 });
    const d = new GaussianDiffusion(cosineBetas(8), { modelVarType: 'fixedLarge' });
    const model = (x: Tensor, t: Tensor) => mlp.forward(x, t);
    const noise = () => Array.from({ length: 8 }, (_, k) => new Generator(100 + k));
    const runs: [string, (x: Tensor) => Tensor][] = [
      ['euler', (x) => sampleEuler(D as Denoiser, x, sigmas)],
      ['heun', (x) => sampleHeun(D as Denoiser, x, sigmas)],
      ['edm stochastic', (x) => sampleEdmStochastic(D as Denoiser, x, sigmas, { sChurn: 40, noise: noise() })],
      ['euler ancestral', (x) => sampleEulerAncestral(D as Denoiser, x, sigmas, { noise: noise() })],
      ['dpm-solver++(2M)', (x) => sampleDpmSolver2M(D as Denoiser, x, sigmas)],
      ['ablation (vp scaling)', (x) => sampleAblation(D as Denoiser, x, sigmas, { scaling: 'vp' })],
      ['ddpm', (x) => sampleDdpm(d, model, x, { noise: noise() })],
      ['ddim', (x) => sampleDdim(d, model, x, { eta: 1, noise: noise() })],
    ];
    const params = Object.values(mlp.stateDict());
    for (const [name, sample] of runs) {
      const x = tidy(() => randn([8, 2], { generator: g }).mul(sigmas[0]!));
      const before = await settled([...params, x]);
      const y = sample(x);
      const after = await settled([...params, x, y]);
      assert.deepEqual(after, { buffers: before.buffers + 1, bytes: before.bytes + 4 * y.numel() }, `${name}: ${JSON.stringify(before)} before, ${JSON.stringify(after)} after`);
      const values = await x.data(); // the caller's x is never released by the sampler
      assert.equal(values.length, 16, name);
      x.dispose();
      y.dispose();
    }
  });

  it('U-Net training steps (conv2d, group norm, attention) are flat as well', async () => {
    const unet = new UNet({ ...presets.tiny16, imageSize: 8, inChannels: 1, outChannels: 1, channelMult: [1, 2], attentionResolutions: [4] }, { generator: g });
    const opt = new Adam(unet.parameters(), { lr: 1e-3 });
    const ema = new EMA(unet, { decay: 0.99 });
    const d = new GaussianDiffusion(cosineBetas(25));
    const at: Record<number, Memory> = {};
    for (let step = 1; step <= 6; step++) {
      const t = Int32Array.from({ length: 2 }, () => g.integer(0, 25));
      await trainStep(unet, opt, ema, () => {
        const x0 = randn([2, 1, 8, 8], { generator: g });
        return trainingLosses(d, (x, tt) => unet.forward(x, tt), x0, t, { noise: randn([2, 1, 8, 8], { generator: g }) }).loss.mean();
      });
      if (step === 3 || step === 6) at[step] = await settled(heldBy(unet, opt, ema));
    }
    assert.deepEqual(at[6], at[3], `step 3: ${JSON.stringify(at[3])}, step 6: ${JSON.stringify(at[6])}`);
  });
});
