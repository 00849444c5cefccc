/** torch.nn.Embedding. */
import { embedding, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { normal } from '../init.ts';
import { Module, parameter } from '../module.ts';
import { checkPositiveInt, layerArgs } from './arguments.ts';

export interface EmbeddingOptions {
  numEmbeddings: number;
  embeddingDim: number;
  /** Draws the initial weights; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

/**
 * A lookup table of learned vectors, initialised N(0, 1) as in PyTorch. The diffusion U-Nets use it
 * for class labels (`labelEmb`, added to the time embedding: Dhariwal & Nichol 2021, Sec. 3).
 * State dict: `weight` [numEmbeddings, embeddingDim].
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  weight: Tensor;

  constructor(options: EmbeddingOptions);
  /** PyTorch's form: `new Embedding(10, 3)`. */
  constructor(numEmbeddings: number, embeddingDim: number, options?: Omit<EmbeddingOptions, 'numEmbeddings' | 'embeddingDim'>);
  constructor(...args: unknown[]) {
    super();
    const { numEmbeddings, embeddingDim, generator } = layerArgs<EmbeddingOptions>('Embedding', ['numEmbeddings', 'embeddingDim'], args);
    checkPositiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    checkPositiveInt('Embedding', 'embeddingDim', embeddingDim);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.weight = parameter(normal([numEmbeddings, embeddingDim], 0, 1, { generator }));
  }

  /** ids: int32 [...] → [..., embeddingDim] */
  forward(ids: Tensor): Tensor {
    return embedding(ids, this.weight);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}`;
  }
}
