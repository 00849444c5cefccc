/**
 * Training on the bound K (Section 2.4 of Sohl-Dickstein et al. 2015): minibatches drawn from a data
 * tensor, the single-step estimate of −K as the loss, one optimizer step each. The network, the data and
 * the optimizer come from the caller; the library prints nothing and reports through `onStep`.
 */
import { defaultGenerator, tensor, tidy, type Generator, type Tensor } from '@diffusion-ts/tensor';

/** What {@link trainOnBound} needs of a model: its training loss (the Gaussian and binomial models both fit). */
export interface BoundModel<N> {
  trainingLoss(network: N, x0: Tensor, generator: Generator): Tensor;
}

/** What it needs of an optimizer (`Adam` and `SGD` from @diffusion-ts/nn fit). */
export interface StepOptimizer {
  step(): void;
  zeroGrad(): void;
}

/** Options of {@link trainOnBound}. */
export interface TrainOnBoundOptions {
  steps: number;
  batchSize: number;
  /** Draws the minibatches and every draw of the loss; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
  /** Called after each step with the step index (0-based) and that minibatch's loss (bits/dim). */
  onStep?: (info: { step: number; bits: number }) => void;
}

/**
 * Minimise the single-step estimate of −K (bits/dim) over `steps` minibatches of `batchSize` rows drawn
 * uniformly with replacement from `data` [N, …]. The optimizer must hold every parameter to be learned:
 * the network's and, for the Gaussian model, its schedule's (`diffusion.parameters()`).
 * Each step runs in a `tidy` scope and its loss is read with `await t.data()`, so it runs on every
 * backend, the asynchronous gpu one included, and releases each step's device memory.
 * @returns the loss of every step
 */
export async function trainOnBound<N>(model: BoundModel<N>, network: N, optimizer: StepOptimizer, data: Tensor, { steps, batchSize, generator = defaultGenerator, onStep }: TrainOnBoundOptions): Promise<Float64Array> {
  const n = data.shape[0]!;
  const losses = new Float64Array(steps);
  for (let step = 0; step < steps; step++) {
    const loss = tidy(() => {
      const rows = tensor(Int32Array.from({ length: batchSize }, () => generator.integer(0, n))).to(data.backend);
      const loss = model.trainingLoss(network, data.indexSelect(0, rows), generator);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.detach();
    });
    losses[step] = (await loss.data())[0]!;
    loss.dispose();
    onStep?.({ step, bits: losses[step]! });
  }
  return losses;
}
