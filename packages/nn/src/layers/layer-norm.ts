/** torch.nn.LayerNorm (Ba et al. 2016). */
import { layerNorm, type Tensor } from '@diffusion-ts/tensor';
import { constant } from '../init.ts';
import { Module, parameter } from '../module.ts';

export interface LayerNormOptions {
  /** The trailing dims to normalise over. */
  normalizedShape: number | readonly number[];
  eps?: number;
  /** Learn an elementwise scale (init 1) and shift (init 0); default true. */
  elementwiseAffine?: boolean;
}

/** Layer normalisation over the trailing `normalizedShape` dims of x [..., *normalizedShape]. */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  weight: Tensor | null;
  bias: Tensor | null;

  constructor({ normalizedShape, eps = 1e-5, elementwiseAffine = true }: LayerNormOptions) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = eps;
    this.weight = elementwiseAffine ? parameter(constant(this.normalizedShape, 1)) : null;
    this.bias = elementwiseAffine ? parameter(constant(this.normalizedShape, 0)) : null;
  }

  /** x: [..., *normalizedShape] → same shape */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}
