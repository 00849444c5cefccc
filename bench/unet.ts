/**
 * The U-Net of the training-step and sampling cases, in diffusion-ts: packages/nn's `UNet` with the
 * issue's configuration (input [8,3,32,32], 32 base channels, multipliers [1,2,2], 2 residual blocks
 * down and 3 up with skip concatenation, GroupNorm 8 groups + SiLU, attention at 16×16 and in the
 * middle, sinusoidal time embedding of 32 into a 128-wide MLP): 1,624,323 parameters, checked.
 * One training step is forward, MSE loss, backward and Adam (lr 2e-4), in a `tidy` scope as the
 * CLI's trainer runs it (a recycling scope: it releases the graph and the gradients, on gpu to the
 * device, on wasm to the engine's pool of buffers). A denoiser evaluation runs as the CLI's sampler does.
 */
import { Generator, getBackend, mean, noGrad, randn, setBackend, square, sub, tensor, tidy } from '@diffusion-ts/tensor';
import type { BackendName, Kernels, Tensor } from '@diffusion-ts/tensor';
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
  /** One step: forward, MSE against the target noise, backward, Adam. Returns the loss (synchronous backends). */
  trainStep(): number;
  /** One denoiser evaluation at the sampling batch (no gradients; synchronous backends). */
  evaluate(): void;
  /**
   * One step that ends with `await loss.data()`, for every backend. On gpu the optimizer's kernels
   * may still be queued when the loss arrives (they wait on the backward pass; the loss does not);
   * the next step's forward waits for them, so a loop of steps counts them, and `settle` drains them.
   */
  trainStepAsync(): Promise<number>;
  /** One evaluation that ends with an awaited read of its output. */
  evaluateAsync(): Promise<void>;
  /** Wait until every parameter's queued update has run (reads them all). */
  settle(): Promise<void>;
  /** Free the model, the optimizer's state and the inputs (device memory on gpu). */
  dispose(): void;
}

/** Build the model and fixed inputs on `backend`, a name or a Kernels object (the previous backend is restored afterwards). */
export function ourUNet(backend: BackendName | Kernels, { batch = 8, sampleBatch = 16, seed = 0 } = {}): OurUNet {
  /** Run `fn` with `backend` current, so tensors made from nothing inside the model land there too. */
  const on = <R>(fn: () => R): R => {
    const previous = getBackend();
    setBackend(backend);
    try { return fn(); } finally { setBackend(previous); }
  };
  return on(() => {
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
    /** The step, leaving only the (detached) loss. */
    const step = (): Tensor => on(() => tidy(() => {
      opt.zeroGrad();
      const l = loss();
      l.backward();
      opt.step();
      return l.detach();
    }, { recycle: true }));
    const output = (): Tensor => on(() => tidy(() => noGrad(() => model.forward(xs, ts)), { recycle: true }));
    return {
      model, parameters, optimizer: opt, loss,
      trainStep: () => step().item(),
      evaluate: () => output().dispose(),
      async trainStepAsync() {
        const l = step();
        try { return (await l.data())[0]!; } finally { l.dispose(); }
      },
      async evaluateAsync() {
        const y = output();
        try { await y.data(); } finally { y.dispose(); }
      },
      async settle() {
        await Promise.all(model.parameters().map((p) => p.data()));
      },
      dispose() {
        opt.zeroGrad();
        for (const s of Object.values(opt.stateDict().state)) for (const m of Object.values(s.tensors)) m.dispose();
        for (const v of [...model.parameters(), x, target, t, xs, ts]) v.dispose();
      },
    };
  });
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
