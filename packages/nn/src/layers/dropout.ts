/** torch.nn.Dropout (Srivastava et al. 2014). */
import { dropout, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { Module } from '../module.ts';
import { layerArgs } from './arguments.ts';

export interface DropoutOptions {
  /** Probability of zeroing an entry, in [0, 1]; default 0.5, as torch.nn.Dropout. */
  p?: number;
  /** Draws the masks; kept by the layer, so a seeded run is reproducible. Default: the default generator. */
  generator?: Generator;
}

/**
 * Inverted dropout: in training mode each entry is zeroed with probability p and the rest are
 * scaled by 1/(1 − p); in eval mode (`module.eval()`) it is the identity. No parameters.
 */
export class Dropout extends Module {
  readonly p: number;
  private readonly generator: Generator | undefined;

  constructor(options?: DropoutOptions);
  /** PyTorch's form: `new Dropout(0.1)`. */
  constructor(p: number, options?: Omit<DropoutOptions, 'p'>);
  constructor(...args: unknown[]) {
    super();
    const { p = 0.5, generator } = layerArgs<DropoutOptions>('Dropout', ['p'], args);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: probability must be in [0, 1], got ${p}`);
    this.p = p;
    this.generator = generator;
  }

  /** x: any shape → same shape */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training, generator: this.generator });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
