/** torch.nn.Conv1d, as a 2-D convolution over a height-1 image. */
import { conv2d, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { fanInUniform } from '../init.ts';
import { Module, parameter } from '../module.ts';
import { checkPositiveInt, layerArgs } from './arguments.ts';

export interface Conv1dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
  /** Draws the initial weights; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

/**
 * 1-D convolution with PyTorch's default init (U(±1/√fanIn), fanIn = inChannels/groups · k).
 * State dict: `weight` [out, in/groups, k], `bias` [out]. guided-diffusion's AttentionBlock uses
 * 1×1 Conv1d layers for `qkv` and `proj_out`; keeping the layer (and its weight shape) lets those
 * checkpoints load unchanged.
 */
export class Conv1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(options: Conv1dOptions);
  /** PyTorch's form: `new Conv1d(3, 4, 1)`, `new Conv1d(3, 4, 3, { padding: 1 })`. */
  constructor(inChannels: number, outChannels: number, kernelSize: number, options?: Omit<Conv1dOptions, 'inChannels' | 'outChannels' | 'kernelSize'>);
  constructor(...args: unknown[]) {
    super();
    const { inChannels, outChannels, kernelSize, stride = 1, padding = 0, dilation = 1, groups = 1, bias = true, generator } =
      layerArgs<Conv1dOptions>('Conv1d', ['inChannels', 'outChannels', 'kernelSize'], args);
    checkPositiveInt('Conv1d', 'inChannels', inChannels);
    checkPositiveInt('Conv1d', 'outChannels', outChannels);
    checkPositiveInt('Conv1d', 'kernelSize', kernelSize);
    if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(`Conv1d: groups ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernelSize;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.groups = groups;
    const fanIn = (inChannels / groups) * kernelSize;
    this.weight = parameter(fanInUniform([outChannels, inChannels / groups, kernelSize], fanIn, { generator }));
    this.bias = bias ? parameter(fanInUniform([outChannels], fanIn, { generator })) : null;
  }

  /** x: [B, inChannels, L] → [B, outChannels, L'] */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 3) throw new RangeError(`Conv1d: expects [B, C, L], got [${x.shape}]`);
    const y = conv2d(x.unsqueeze(2), this.weight.unsqueeze(2), this.bias, {
      stride: [1, this.stride], padding: [0, this.padding], dilation: [1, this.dilation], groups: this.groups,
    }); // [B, out, 1, L']
    return y.squeeze(2);
  }

  override extraRepr(): string {
    const extras = [
      `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, stride=${this.stride}`,
      this.padding !== 0 ? `padding=${this.padding}` : '',
      this.dilation !== 1 ? `dilation=${this.dilation}` : '',
      this.groups !== 1 ? `groups=${this.groups}` : '',
      this.bias === null ? 'bias=false' : '',
    ];
    return extras.filter(Boolean).join(', ');
  }
}
