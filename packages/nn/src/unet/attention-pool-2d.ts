/** guided-diffusion's `AttentionPool2d` (guided_diffusion/unet.py), adapted there from CLIP (Radford et al. 2021). */
import { cat, scaledDotProductAttention, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { normal } from '../init.ts';
import { Module, parameter } from '../module.ts';
import { Conv1d } from '../layers/conv1d.ts';

export interface AttentionPool2dOptions {
  /** Side s of the (square) feature map the pool is built for: the positional embedding has s² + 1 columns. */
  spatialDim: number;
  /** Channels C of the features (the embedding width). */
  embedDim: number;
  /** Channels per head: heads = embedDim / numHeadChannels. */
  numHeadChannels: number;
  /** Width of the output (the number of logits); default embedDim. */
  outputDim?: number;
  /** Draws the initial weights; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

/**
 * Attention pooling of a feature map x [B, C, s, s] to one vector [B, outputDim]: the mean over the
 * s² positions is prepended as an extra token, a learned positional embedding is added to all s² + 1
 * tokens, and multi-head attention (guided-diffusion's QKVAttention, softmax(qᵀk/√ch) per head) is read
 * out at the mean token only, then projected by a 1×1 conv (`c_proj`). The classifier head of
 * Dhariwal & Nichol 2021 (Sec. 4.3 and Appendix: "attention pool"). Only the first token's query is
 * computed: the other tokens' outputs are discarded by the reference (`x[:, :, 0]`), so the result is
 * the same.
 *
 * State dict (as guided-diffusion): `positionalEmbedding` [C, s² + 1] (init N(0, 1)/√C),
 * `qkvProj.*` ([3C, C, 1]), `cProj.*` ([outputDim, C, 1]).
 */
export class AttentionPool2d extends Module {
  readonly spatialDim: number;
  readonly embedDim: number;
  readonly numHeads: number;
  readonly outputDim: number;
  positionalEmbedding: Tensor;
  qkvProj: Conv1d;
  cProj: Conv1d;

  constructor({ spatialDim, embedDim, numHeadChannels, outputDim = embedDim, generator }: AttentionPool2dOptions) {
    super();
    if (!Number.isInteger(spatialDim) || spatialDim < 1) throw new RangeError(`AttentionPool2d: spatialDim must be a positive integer, got ${spatialDim}`);
    if (!Number.isInteger(numHeadChannels) || numHeadChannels < 1 || embedDim % numHeadChannels !== 0) {
      throw new RangeError(`AttentionPool2d: ${embedDim} channels are not divisible into heads of ${numHeadChannels} channels`);
    }
    this.spatialDim = spatialDim;
    this.embedDim = embedDim;
    this.numHeads = embedDim / numHeadChannels;
    this.outputDim = outputDim;
    this.positionalEmbedding = parameter(normal([embedDim, spatialDim ** 2 + 1], 0, 1 / Math.sqrt(embedDim), { generator }));
    this.qkvProj = new Conv1d({ inChannels: embedDim, outChannels: 3 * embedDim, kernelSize: 1, generator });
    this.cProj = new Conv1d({ inChannels: embedDim, outChannels: outputDim, kernelSize: 1, generator });
  }

  /** x: [B, C, s, s] → [B, outputDim] */
  forward(x: Tensor): Tensor {
    const s = this.spatialDim;
    if (x.ndim !== 4 || x.shape[1] !== this.embedDim || x.shape[2] !== s || x.shape[3] !== s) {
      throw new RangeError(`AttentionPool2d: expects [B, ${this.embedDim}, ${s}, ${s}], got [${x.shape}]`);
    }
    const b = x.shape[0]!, c = this.embedDim, heads = this.numHeads, ch = c / heads, n = s * s + 1;
    const flat = x.reshape(b, c, s * s);                                                    // [B, C, HW]
    const tokens = cat([flat.mean(-1, true), flat], -1).add(this.positionalEmbedding.unsqueeze(0)); // [B, C, HW + 1]
    const [q, k, v] = this.qkvProj.forward(tokens).chunk(3, 1).map((m) => m.reshape(b * heads, ch, n).transpose(1, 2)); // [B·heads, HW + 1, ch]
    const a = scaledDotProductAttention(q!.narrow(1, 0, 1), k!, v!);                        // [B·heads, 1, ch]: the mean token's query
    return this.cProj.forward(a.reshape(b, c, 1)).squeeze(2);                               // [B, outputDim]
  }

  override extraRepr(): string {
    return `spatialDim=${this.spatialDim}, embedDim=${this.embedDim}, numHeads=${this.numHeads}, outputDim=${this.outputDim}`;
  }
}
