/**
 * Attention across the frames of a video at each spatial position: the temporal attention block of
 * the space-time factorized U-Net of Ho et al. 2022 ("Video Diffusion Models", Sec. 3).
 */
import { scaledDotProductAttention, tensor, where, zeros, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { zeroInit, zeroModule } from '../init.ts';
import { Module, parameter } from '../module.ts';
import { Conv1d } from '../layers/conv1d.ts';
import { GroupNorm } from '../layers/group-norm.ts';

export interface TemporalAttentionBlockOptions {
  channels: number;
  /** Number of heads (default 1), used unless `numHeadChannels` is given. */
  numHeads?: number;
  /** Channels per head; when given, heads = channels / numHeadChannels. */
  numHeadChannels?: number | null;
  /** Head splitting of the qkv channels, as AttentionBlock's option of the same name. */
  useNewAttentionOrder?: boolean;
  /** Groups of the (per-frame) GroupNorm. */
  numGroups?: number;
  /**
   * Learn a relative position bias whose frame distances are clipped to ±maxRelativeDistance, or
   * null for none (then the block is blind to frame order: permuting frames permutes its output).
   */
  maxRelativeDistance: number | null;
  /** Draws the initial weights; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

/**
 * x + proj_out(attention over frames(qkv(norm(x)))), for x [B·F, C, H, W] holding F frames per clip
 * (frame f of clip b at row b·F + f, the layout in which every spatial layer runs per frame).
 *
 * Ho et al. 2022, Sec. 3: "after each spatial attention block, we insert a temporal attention block
 * that performs attention over the first axis and treats the spatial axes as batch axes", so here the
 * H·W positions are folded into the batch and the F frames are the tokens.
 *
 * - The GroupNorm normalises each frame on its own (over its channels in a group and its H·W
 *   positions), as the spatial AttentionBlock does; pooling statistics over frames would leak
 *   information between frames that the joint-training mask keeps apart.
 * - Relative positions: the paper uses "relative position embeddings ... so that the network can
 *   distinguish ordering of frames in a way that does not require an absolute notion of video time"
 *   without giving their form. This block uses the simplest such term: a learned scalar per head and
 *   per clipped frame offset j − i ∈ [−K, K], added to the attention logits (the bias form of T5,
 *   Raffel et al. 2020, Sec. 2.1, without its log-spaced buckets; the clipping of Shaw et al. 2018).
 *   It starts at zero, like proj_out, so a fresh block is the identity.
 * - `keep` ([F, F], 1 = query frame i may attend to frame j) masks the attention, as the paper's joint
 *   training on videos and independent images does.
 *
 * State dict: `norm.*`, `qkv.*` ([3C, C, 1]), `relativePositionBias` ([heads, 2K + 1], when used),
 * `projOut.*` ([C, C, 1]).
 */
export class TemporalAttentionBlock extends Module {
  readonly channels: number;
  readonly numHeads: number;
  readonly useNewAttentionOrder: boolean;
  readonly maxRelativeDistance: number | null;
  norm: GroupNorm;
  qkv: Conv1d;
  /** [heads, 2K + 1]: entry k is the logit bias of frame offset k − K. */
  relativePositionBias: Tensor | null;
  projOut: Conv1d;

  constructor({ channels, numHeads = 1, numHeadChannels = null, useNewAttentionOrder = false, numGroups = 32, maxRelativeDistance, generator }: TemporalAttentionBlockOptions) {
    super();
    if (numHeadChannels !== null) {
      if (!Number.isInteger(numHeadChannels) || numHeadChannels < 1 || channels % numHeadChannels !== 0) {
        throw new RangeError(`TemporalAttentionBlock: ${channels} channels are not divisible into heads of ${numHeadChannels} channels`);
      }
      numHeads = channels / numHeadChannels;
    }
    if (!Number.isInteger(numHeads) || numHeads < 1 || channels % numHeads !== 0) {
      throw new RangeError(`TemporalAttentionBlock: ${channels} channels are not divisible into ${numHeads} heads`);
    }
    if (maxRelativeDistance !== null && !(Number.isInteger(maxRelativeDistance) && maxRelativeDistance >= 0)) {
      throw new RangeError(`TemporalAttentionBlock: maxRelativeDistance must be a non-negative integer or null, got ${maxRelativeDistance}`);
    }
    this.channels = channels;
    this.numHeads = numHeads;
    this.useNewAttentionOrder = useNewAttentionOrder;
    this.maxRelativeDistance = maxRelativeDistance;
    this.norm = new GroupNorm({ numGroups, numChannels: channels });
    this.qkv = new Conv1d({ inChannels: channels, outChannels: 3 * channels, kernelSize: 1, generator });
    this.relativePositionBias = maxRelativeDistance === null ? null : parameter(zeroInit([numHeads, 2 * maxRelativeDistance + 1]));
    this.projOut = zeroModule(new Conv1d({ inChannels: channels, outChannels: channels, kernelSize: 1, generator }));
  }

  /**
   * The relative position bias for a clip of `frames` frames: [heads, F, F] with entry (h, i, j) =
   * relativePositionBias[h, clip(j − i, −K, K) + K]; null without a bias.
   */
  positionBias(frames: number): Tensor | null {
    const bias = this.relativePositionBias, k = this.maxRelativeDistance;
    if (bias === null || k === null) return null;
    const index = new Int32Array(frames * frames);
    for (let i = 0; i < frames; i++) for (let j = 0; j < frames; j++) index[i * frames + j] = Math.max(-k, Math.min(k, j - i)) + k;
    return bias.indexSelect(1, tensor(index, { dtype: 'int32' }).to(bias.backend)).reshape(this.numHeads, frames, frames);
  }

  /**
   * x: [B·F, C, H, W] → [B·F, C, H, W]
   * @param frames F, the frames per clip
   * @param keep optional [F, F] attention mask (1 = attend, 0 = blocked); every row must keep its diagonal
   */
  forward(x: Tensor, frames: number, keep: Tensor | null = null): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.channels) throw new RangeError(`TemporalAttentionBlock: expects [B·F, ${this.channels}, H, W], got [${x.shape}]`);
    const [bf, c, height, width] = x.shape as [number, number, number, number];
    if (!Number.isInteger(frames) || frames < 1 || bf % frames !== 0) throw new RangeError(`TemporalAttentionBlock: ${bf} rows are not whole clips of ${frames} frames`);
    if (keep !== null && (keep.ndim !== 2 || keep.shape[0] !== frames || keep.shape[1] !== frames)) {
      throw new RangeError(`TemporalAttentionBlock: keep mask must be [${frames}, ${frames}], got [${keep.shape}]`);
    }
    const b = bf / frames, hw = height * width, n = b * hw, heads = this.numHeads, ch = c / heads;
    const h = this.norm.forward(x)                                           // per frame: [B·F, C, H, W]
      .reshape(b, frames, c, hw).permute(0, 3, 2, 1).reshape(n, c, frames); // [B·HW, C, F]
    const qkv = this.qkv.forward(h);                                        // [B·HW, 3C, F]
    const [q, k, v] = this.useNewAttentionOrder
      ? qkv.chunk(3, 1).map((part) => part.reshape(n, heads, ch, frames))   // QKVAttention
      : qkv.reshape(n, heads, 3 * ch, frames).split(ch, 2);                 // QKVAttentionLegacy
    const tokens = (m: Tensor): Tensor => m.transpose(2, 3);                // [B·HW, heads, F, ch]
    const a = scaledDotProductAttention(tokens(q!), tokens(k!), tokens(v!), { mask: this.logitMask(frames, keep, x), maskKind: 'additive' });
    const out = this.projOut.forward(a.transpose(2, 3).reshape(n, c, frames)) // [B·HW, C, F]
      .reshape(b, hw, c, frames).permute(0, 3, 2, 1).reshape(bf, c, height, width);
    return x.add(out);
  }

  /** The additive logit mask [heads or 1, F, F]: the position bias, and −∞ where `keep` is 0; undefined if neither. */
  private logitMask(frames: number, keep: Tensor | null, like: Tensor): Tensor | undefined {
    const bias = this.positionBias(frames);
    if (keep === null) return bias ?? undefined;
    const cond = keep.to(like.dtype).to(like.backend);
    return where(cond, bias ?? zeros([1, frames, frames], { dtype: like.dtype }).to(like.backend), -Infinity);
  }

  override extraRepr(): string {
    return `channels=${this.channels}, numHeads=${this.numHeads}${this.maxRelativeDistance === null ? '' : `, maxRelativeDistance=${this.maxRelativeDistance}`}${this.useNewAttentionOrder ? ', newAttentionOrder' : ''}`;
  }
}
