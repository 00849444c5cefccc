/** torch.nn.LayerNorm (Ba et al. 2016). */
import { layerNorm, type Tensor } from '@diffusion-ts/tensor';
import { constant } from '../init.ts';
import { Module, parameter } from '../module.ts';
import { checkPositiveInt, layerArgs } from './arguments.ts';

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

  constructor(options: LayerNormOptions);
  /** PyTorch's form: `new LayerNorm(64)`, `new LayerNorm([4, 4], { eps: 1e-6 })`. */
  constructor(normalizedShape: number | readonly number[], options?: Omit<LayerNormOptions, 'normalizedShape'>);
  constructor(...args: unknown[]) {
    super();
    // An array first is the shape, not an options object.
    const options = Array.isArray(args[0]) ? { ...(args[1] ?? {}), normalizedShape: args[0] } : layerArgs<LayerNormOptions>('LayerNorm', ['normalizedShape'], args);
    const { normalizedShape, eps = 1e-5, elementwiseAffine = true } = options as LayerNormOptions;
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...(normalizedShape ?? [undefined])];
    for (const d of this.normalizedShape) checkPositiveInt('LayerNorm', 'normalizedShape', d);
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
