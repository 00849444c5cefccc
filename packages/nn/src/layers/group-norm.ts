/** torch.nn.GroupNorm (Wu & He 2018). */
import { groupNorm, groupNormSilu, type Tensor } from '@diffusion-ts/tensor';
import { constant } from '../init.ts';
import { Module, parameter, type UnaryModule } from '../module.ts';
import { SiLU } from './silu.ts';
import { checkPositiveInt, describeValue, layerArgs } from './arguments.ts';

export interface GroupNormOptions {
  numGroups: number;
  numChannels: number;
  eps?: number;
  /** Learn a per-channel scale (init 1) and shift (init 0); default true. */
  affine?: boolean;
}

/**
 * Group normalisation: the channels of x [B, C, …] are split into `numGroups` groups, each
 * standardised over its channels and all positions (biased variance), then scaled and shifted per
 * channel. guided-diffusion's `normalization(ch)` is GroupNorm(32, ch) with eps 1e-5.
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  weight: Tensor | null;
  bias: Tensor | null;

  constructor(options: GroupNormOptions);
  /** PyTorch's form: `new GroupNorm(32, 128)`, `new GroupNorm(2, 4, { eps: 1e-6 })`. */
  constructor(numGroups: number, numChannels: number, options?: Omit<GroupNormOptions, 'numGroups' | 'numChannels'>);
  constructor(...args: unknown[]) {
    super();
    const { numGroups, numChannels, eps = 1e-5, affine = true } = layerArgs<GroupNormOptions>('GroupNorm', ['numGroups', 'numChannels'], args);
    checkPositiveInt('GroupNorm', 'numChannels', numChannels);
    if (!Number.isInteger(numGroups) || numGroups < 1 || numChannels % numGroups !== 0) {
      throw new RangeError(`GroupNorm: ${numChannels} channels cannot be split into ${describeValue(numGroups)} groups`);
    }
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = eps;
    this.weight = affine ? parameter(constant([numChannels], 1)) : null;
    this.bias = affine ? parameter(constant([numChannels], 0)) : null;
  }

  /** x: [B, C, …] → same shape */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  /** SiLU(this(x)) as the one fused op `groupNormSilu`: the U-Net's normalisation → SiLU pairs. */
  forwardSilu(x: Tensor): Tensor {
    this.checkInput(x);
    return groupNormSilu(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  /** Followed by a SiLU, both run as `forwardSilu`. */
  forwardFusedWith(next: UnaryModule, x: Tensor): Tensor | null {
    return next instanceof SiLU ? this.forwardSilu(x) : null;
  }

  /** x [B, numChannels, …], or a RangeError naming the layer (not the op's weight shape). */
  private checkInput(x: Tensor): void {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) throw new RangeError(`GroupNorm: x must be [B, ${this.numChannels}, …] (numChannels ${this.numChannels}), got [${x.shape}]`);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.weight !== null}`;
  }
}
