/** torch.nn.Embedding. */
import { embedding, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { normal } from '../init.ts';
import { Module, parameter } from '../module.ts';

export interface EmbeddingOptions {
  numEmbeddings: number;
  embeddingDim: number;
  generator: Generator;
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

  constructor({ numEmbeddings, embeddingDim, generator }: EmbeddingOptions) {
    super();
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
