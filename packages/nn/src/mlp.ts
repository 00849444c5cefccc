/** A small MLP denoiser for low-dimensional data (the 2-D toy experiments of Sohl-Dickstein et al. 2015). */
import type { Generator, Tensor } from '@diffusion-ts/tensor';
import { Module, ModuleList, Sequential } from './module.ts';
import { Linear } from './layers/linear.ts';
import { SiLU } from './layers/silu.ts';
import { timestepEmbedding } from './layers/timestep-embedding.ts';

export interface MLPOptions {
  /** Dimension d of the data points (2 for the toys). */
  dataDim?: number;
  /** Width of the hidden layers. */
  hiddenDim?: number;
  /** Hidden Linear layers after the input projection. */
  numLayers?: number;
  /** Width of the sinusoidal timestep embedding fed to the time MLP. */
  timeEmbedDim?: number;
  /** Output 2d values: the prediction and a learned-variance output per dimension. */
  learnSigma?: boolean;
  /** Draws the initial weights; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

/**
 * ε_θ(x_t, t) for x [B, d]: the timestep goes through the U-Nets' embedding (sinusoidal features,
 * then Linear–SiLU–Linear), and is added before every hidden activation, as the U-Net's residual
 * blocks add it to their features (Ho et al. 2020, Appendix B):
 *   e = timeEmbed(emb(t)),  h₀ = inputProj(x),  h_{i+1} = layer_i(SiLU(h_i + e)),  out(SiLU(h_L + e)).
 * Sohl-Dickstein et al. instead read the time out of the network: through fixed bump functions of t
 * (Appendix D.2.1, Eqs. 62–63; a per-step readout layer for the toys, Appendix D.1.1); the additive
 * sinusoidal embedding is the DDPM-era equivalent and handles fractional t.
 */
export class MLP extends Module {
  readonly dataDim: number;
  readonly timeEmbedDim: number;
  timeEmbed: Sequential;
  inputProj: Linear;
  layers: ModuleList<Linear>;
  out: Linear;

  constructor({ dataDim = 2, hiddenDim = 128, numLayers = 3, timeEmbedDim = 32, learnSigma = false, generator }: MLPOptions = {}) {
    super();
    this.dataDim = dataDim;
    this.timeEmbedDim = timeEmbedDim;
    this.timeEmbed = new Sequential(
      new Linear({ inFeatures: timeEmbedDim, outFeatures: hiddenDim, generator }),
      new SiLU(),
      new Linear({ inFeatures: hiddenDim, outFeatures: hiddenDim, generator }),
    );
    this.inputProj = new Linear({ inFeatures: dataDim, outFeatures: hiddenDim, generator });
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => new Linear({ inFeatures: hiddenDim, outFeatures: hiddenDim, generator })));
    this.out = new Linear({ inFeatures: hiddenDim, outFeatures: learnSigma ? 2 * dataDim : dataDim, generator });
  }

  /** x: [B, d], t: [B] (float timesteps) → [B, d] (or [B, 2d] with learnSigma) */
  forward(x: Tensor, t: Tensor): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.dataDim) throw new RangeError(`MLP: x must be [B, ${this.dataDim}], got [${x.shape}]`);
    if (t.ndim !== 1 || t.shape[0] !== x.shape[0]) throw new RangeError(`MLP: t must be [${x.shape[0]}], got [${t.shape}]`);
    const e = this.timeEmbed.forward(timestepEmbedding(t.dtype === x.dtype ? t : t.to(x.dtype), this.timeEmbedDim)); // [B, H]
    let h = this.inputProj.forward(x);                                  // [B, H]
    for (const layer of this.layers) h = layer.forward(h.add(e).silu()); // [B, H]
    return this.out.forward(h.add(e).silu());
  }
}
