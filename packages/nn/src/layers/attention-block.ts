/** guided-diffusion's `AttentionBlock` (guided_diffusion/unet.py): self-attention over spatial positions. */
import { matmulTransposed, softmax, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { zeroModule } from '../init.ts';
import { Module } from '../module.ts';
import { Conv1d } from './conv1d.ts';
import { GroupNorm } from './group-norm.ts';

export interface AttentionBlockOptions {
  channels: number;
  /** Number of heads (default 1), used unless `numHeadChannels` is given. */
  numHeads?: number;
  /** Channels per head; when given, heads = channels / numHeadChannels (ADM uses 64). */
  numHeadChannels?: number | null;
  /**
   * How the qkv channels split into heads. false (default): guided-diffusion's
   * `QKVAttentionLegacy`, i.e. improved-diffusion's `QKVAttention`, the layout of the DDPM/iDDPM
   * models: qkv [B, 3C, T] is viewed as [B·heads, 3·ch, T], each head holding its own q, k, v.
   * true: guided-diffusion's `QKVAttention` (`use_new_attention_order`, the ADM ImageNet-64
   * checkpoint): qkv is first split into q, k, v [B, C, T], each then viewed as [B·heads, ch, T].
   * Same parameters; only which rows of the qkv weight feed which head differ.
   */
  useNewAttentionOrder?: boolean;
  /** Groups of the GroupNorm (guided-diffusion: 32). */
  numGroups?: number;
  /** Draws the initial weights; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

/**
 * x + proj_out(attention(qkv(norm(x)))) over the H·W positions of x [B, C, H, W], with
 * softmax(qᵀk/√ch) per head (Vaswani et al. 2017, Eq. 1); used by Ho et al. 2020 at 16×16 and by
 * Dhariwal & Nichol 2021 (Sec. 3) with more heads at more resolutions. `proj_out` starts at zero,
 * so the block starts as the identity. No positional terms: permuting positions permutes the
 * output. State dict (as guided-diffusion): `norm.*`, `qkv.*` ([3C, C, 1]), `projOut.*` ([C, C, 1]).
 */
/**
 * softmax(qᵀk/√ch) applied to v, for q, k, v [B, ch, T] kept channels-first, as guided-diffusion's
 * einsums ("bct,bcs->bts", then "bts,bcs->bct") compute it: the two products read their operands
 * transposed in place, so no [T, ch] copies are made. Scaling q (ch·T values) rather than the
 * logits (T² values) is the same product, up to rounding.
 */
function attendChannelsFirst(q: Tensor, k: Tensor, v: Tensor): Tensor {
  const logits = matmulTransposed(q.mul(1 / Math.sqrt(q.shape[1]!)), k, true, false); // [B, T, T]: logits[t, s] = q[:, t]·k[:, s]
  return matmulTransposed(v, softmax(logits, -1), false, true);                    // [B, ch, T]: Σ_s v[:, s]·p[t, s]
}

export class AttentionBlock extends Module {
  readonly channels: number;
  readonly numHeads: number;
  readonly useNewAttentionOrder: boolean;
  norm: GroupNorm;
  qkv: Conv1d;
  projOut: Conv1d;

  constructor({ channels, numHeads = 1, numHeadChannels = null, useNewAttentionOrder = false, numGroups = 32, generator }: AttentionBlockOptions) {
    super();
    if (numHeadChannels !== null && numHeadChannels !== -1) {
      if (!Number.isInteger(numHeadChannels) || numHeadChannels < 1 || channels % numHeadChannels !== 0) {
        throw new RangeError(`AttentionBlock: ${channels} channels are not divisible into heads of ${numHeadChannels} channels`);
      }
      numHeads = channels / numHeadChannels;
    }
    if (!Number.isInteger(numHeads) || numHeads < 1 || channels % numHeads !== 0) {
      throw new RangeError(`AttentionBlock: ${channels} channels are not divisible into ${numHeads} heads`);
    }
    this.channels = channels;
    this.numHeads = numHeads;
    this.useNewAttentionOrder = useNewAttentionOrder;
    this.norm = new GroupNorm({ numGroups, numChannels: channels });
    this.qkv = new Conv1d({ inChannels: channels, outChannels: 3 * channels, kernelSize: 1, generator });
    this.projOut = zeroModule(new Conv1d({ inChannels: channels, outChannels: channels, kernelSize: 1, generator }));
  }

  /** x: [B, C, H, W] → [B, C, H, W] */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.channels) throw new RangeError(`AttentionBlock: expects [B, ${this.channels}, H, W], got [${x.shape}]`);
    const [b, c, height, width] = x.shape as [number, number, number, number];
    const heads = this.numHeads, ch = c / heads, t = height * width;
    const flat = x.reshape(b, c, t);                                      // [B, C, T]
    const qkv = this.qkv.forward(this.norm.forward(flat));                // [B, 3C, T]
    const [q, k, v] = this.useNewAttentionOrder
      ? qkv.chunk(3, 1).map((part) => part.reshape(b * heads, ch, t))     // QKVAttention
      : qkv.reshape(b * heads, 3 * ch, t).split(ch, 1);                   // QKVAttentionLegacy
    const a = attendChannelsFirst(q!, k!, v!);                           // [B·heads, ch, T]
    const h = this.projOut.forward(a.reshape(b, c, t));                  // [B, C, T]
    return flat.add(h).reshape(b, c, height, width);
  }

  override extraRepr(): string {
    return `channels=${this.channels}, numHeads=${this.numHeads}${this.useNewAttentionOrder ? ', newAttentionOrder' : ''}`;
  }
}
