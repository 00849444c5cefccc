/** torch.nn.Linear: y = x Wᵀ + b. */
import { matmulTransposed, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { fanInUniform } from '../init.ts';
import { Module, parameter } from '../module.ts';
import { checkPositiveInt, layerArgs } from './arguments.ts';

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Draws the initial weights; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

/**
 * A fully connected layer with PyTorch's default init: weight and bias ~ U(±1/√inFeatures).
 * State dict: `weight` [out, in], `bias` [out], as in torch.nn.Linear.
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(options: LinearOptions);
  /** PyTorch's form: `new Linear(3, 4)`, `new Linear(3, 4, { bias: false })`. */
  constructor(inFeatures: number, outFeatures: number, options?: Omit<LinearOptions, 'inFeatures' | 'outFeatures'>);
  constructor(...args: unknown[]) {
    super();
    const { inFeatures, outFeatures, bias = true, generator } = layerArgs<LinearOptions>('Linear', ['inFeatures', 'outFeatures'], args);
    checkPositiveInt('Linear', 'inFeatures', inFeatures);
    checkPositiveInt('Linear', 'outFeatures', outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = parameter(fanInUniform([outFeatures, inFeatures], inFeatures, { generator }));
    this.bias = bias ? parameter(fanInUniform([outFeatures], inFeatures, { generator })) : null;
  }

  /** x: [..., inFeatures] → [..., outFeatures] */
  forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new RangeError(`Linear: x must be […, ${this.inFeatures}] (inFeatures ${this.inFeatures} in its last dim), got [${x.shape}]`);
    }
    const lead = x.shape.slice(0, -1);
    let y = matmulTransposed(x.reshape(-1, this.inFeatures), this.weight, false, true); // [N, out]
    if (this.bias !== null) y = y.add(this.bias);
    return y.reshape([...lead, this.outFeatures]);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
