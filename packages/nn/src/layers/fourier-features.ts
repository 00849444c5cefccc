/** Random Fourier features of a scalar (Tancik et al. 2020), as the EDM and NCSN++ networks embed noise levels. */
import { cat, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { normal } from '../init.ts';
import { buffer, Module } from '../module.ts';

export interface FourierFeaturesOptions {
  /** Output width; must be even (half cosines, half sines). */
  numChannels: number;
  /** Standard deviation of the random frequencies (EDM and NCSN++ both use 16). */
  scale?: number;
  /** Draws the initial weights; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

/**
 * EDM's `FourierEmbedding` (training/networks.py, Karras et al. 2022): fixed random frequencies
 * f ~ N(0, scale²) [numChannels/2], kept as the buffer `freqs` (saved, never trained), and
 *   emb(x) = [cos(2π x f), sin(2π x f)].
 * NCSN++'s `GaussianFourierProjection` (Song et al. 2021, score_sde/models/layerspp.py) is the same
 * map with the halves swapped ([sin, cos]) and the frequencies stored as a frozen parameter `W`.
 */
export class FourierFeatures extends Module {
  readonly numChannels: number;
  readonly scale: number;
  freqs: Tensor;

  constructor({ numChannels, scale = 16, generator }: FourierFeaturesOptions) {
    super();
    if (!Number.isInteger(numChannels) || numChannels < 2 || numChannels % 2 !== 0) {
      throw new RangeError(`FourierFeatures: numChannels must be a positive even integer, got ${numChannels}`);
    }
    this.numChannels = numChannels;
    this.scale = scale;
    this.freqs = buffer(normal([numChannels / 2], 0, scale, { generator }));
  }

  /** x: [N] (e.g. c_noise(σ)) → [N, numChannels] */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 1) throw new RangeError(`FourierFeatures: expects [N], got [${x.shape}]`);
    const args = x.unsqueeze(1).mul(this.freqs.mul(2 * Math.PI).unsqueeze(0)); // [N, numChannels/2]
    return cat([args.cos(), args.sin()], 1);
  }

  override extraRepr(): string {
    return `numChannels=${this.numChannels}, scale=${this.scale}`;
  }
}
