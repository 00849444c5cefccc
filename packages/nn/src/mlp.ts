/** A small MLP denoiser for low-dimensional data (the 2-D toy experiments of Sohl-Dickstein et al. 2015). */
import { Tensor, type Generator } from '@diffusion-ts/tensor';
import { Module, ModuleList, Sequential } from './module.ts';
import { Linear } from './layers/linear.ts';
import { SiLU } from './layers/silu.ts';
import { timestepEmbedding } from './layers/timestep-embedding.ts';
import { timestepTensor, type TimestepsInput } from './unet/inputs.ts';

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
  /** x [B, d], t: a [B] tensor, an array of B numbers or one number for the batch (as the U-Nets take it). */
  forward(x: Tensor, t: TimestepsInput): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError(`MLP: x must be a Tensor [B, ${this.dataDim}], got ${typeof x}`);
    if (x.ndim !== 2 || x.shape[1] !== this.dataDim) throw new RangeError(`MLP: x must be [B, ${this.dataDim}], got [${x.shape}]`);
    const steps = timestepTensor('MLP', t, x.shape[0]!, x.dtype);
    const e = this.timeEmbed.forward(timestepEmbedding(steps, this.timeEmbedDim)); // [B, H]
    let h = this.inputProj.forward(x);                                  // [B, H]
    for (const layer of this.layers) h = layer.forward(h.add(e).silu()); // [B, H]
    return this.out.forward(h.add(e).silu());
  }
}
