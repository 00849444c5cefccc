/**
 * The U-Net of the training-step and sampling cases, in diffusion-ts: packages/nn's `UNet` with the
 * issue's configuration (input [8,3,32,32], 32 base channels, multipliers [1,2,2], 2 residual blocks
 * down and 3 up with skip concatenation, GroupNorm 8 groups + SiLU, attention at 16×16 and in the
 * middle, sinusoidal time embedding of 32 into a 128-wide MLP): 1,624,323 parameters, checked.
 * One training step is forward, MSE loss, backward and Adam (lr 2e-4).
 */
import { Generator, getBackend, mean, noGrad, randn, setBackend, square, sub, tensor } from '@diffusion-ts/tensor';
import type { BackendName, Tensor } from '@diffusion-ts/tensor';
import { Adam, UNet } from '@diffusion-ts/nn';

export const unetConfig = {
  imageSize: 32, inChannels: 3, outChannels: 3, modelChannels: 32, channelMult: [1, 2, 2], numResBlocks: 2,
  attentionResolutions: [16], numGroups: 8, numHeads: 1, dropout: 0,
} as const;
export const UNET_PARAMETERS = 1_624_323;

export interface OurUNet {
  readonly model: UNet;
  readonly optimizer: Adam;
  /** The training step's forward pass: MSE of the model's output against the target noise. */
  loss(): Tensor;
  readonly parameters: number;
  /** One step: forward, MSE against the target noise, backward, Adam. Returns the loss. */
  trainStep(): number;
  /** One denoiser evaluation at the sampling batch (no gradients). */
  evaluate(): void;
}

/** Build the model and fixed inputs on `backend` (the previous backend is restored afterwards). */
export function ourUNet(backend: BackendName, { batch = 8, sampleBatch = 16, seed = 0 } = {}): OurUNet {
  const previous = getBackend();
  setBackend(backend);
  try {
    const g = new Generator(seed);
    const model = new UNet(unetConfig, { generator: g });
    let parameters = 0;
    for (const p of model.parameters()) parameters += p.numel();
    if (parameters !== UNET_PARAMETERS) throw new Error(`bench U-Net: ${parameters} parameters, want ${UNET_PARAMETERS}`);
    const opt = new Adam(model.parameters(), { lr: 2e-4 });
    const x = randn([batch, 3, 32, 32], { generator: g }), target = randn([batch, 3, 32, 32], { generator: g });
    const t = tensor(Array.from({ length: batch }, (_, i) => (37 * i + 11) % 1000));
    const xs = randn([sampleBatch, 3, 32, 32], { generator: g });
    const ts = tensor(Array.from({ length: sampleBatch }, (_, i) => (53 * i + 7) % 1000));
    const loss = (): Tensor => mean(square(sub(model.forward(x, t), target)));
    return {
      model, parameters, optimizer: opt, loss,
      trainStep() {
        opt.zeroGrad();
        const l = loss();
        l.backward();
        opt.step();
        return l.item();
      },
      evaluate() {
        noGrad(() => model.forward(xs, ts)).dispose();
      },
    };
  } finally {
    setBackend(previous);
  }
}

/** `tsx bench/unet.ts [wasm|js] [steps]`: time a few steps (for profiling with --cpu-prof). */
if (import.meta.url === `file://${process.argv[1]}`) {
  const backend = (process.argv[2] ?? 'wasm') as BackendName, steps = Number(process.argv[3] ?? 5);
  const u = ourUNet(backend);
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const loss = u.trainStep();
    console.log(`step ${i}: ${(performance.now() - t0).toFixed(0)} ms, loss ${loss.toFixed(4)}`);
  }
}
