/** torch.nn.Conv2d. */
import { conv2d, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { fanInUniform } from '../init.ts';
import { Module, parameter } from '../module.ts';
import { checkPositiveInt, layerArgs } from './arguments.ts';

type Pair = number | readonly [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: Pair;
  stride?: Pair;
  /** Zero padding on each side. */
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  /** Draws the initial weights; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch) with PyTorch's default init:
 * weight and bias ~ U(±1/√fanIn), fanIn = inChannels/groups · kH · kW.
 * State dict: `weight` [out, in/groups, kH, kW], `bias` [out].
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(options: Conv2dOptions);
  /** PyTorch's form: `new Conv2d(3, 4, 3)`, `new Conv2d(3, 4, 3, { padding: 1 })`. */
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options?: Omit<Conv2dOptions, 'inChannels' | 'outChannels' | 'kernelSize'>);
  constructor(...args: unknown[]) {
    super();
    const { inChannels, outChannels, kernelSize, stride = 1, padding = 0, dilation = 1, groups = 1, bias = true, generator } =
      layerArgs<Conv2dOptions>('Conv2d', ['inChannels', 'outChannels', 'kernelSize'], args);
    checkPositiveInt('Conv2d', 'inChannels', inChannels);
    checkPositiveInt('Conv2d', 'outChannels', outChannels);
    for (const k of typeof kernelSize === 'number' ? [kernelSize] : Array.isArray(kernelSize) ? kernelSize : [kernelSize]) checkPositiveInt('Conv2d', 'kernelSize', k);
    if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(`Conv2d: groups ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize);
    this.stride = pair(stride);
    this.padding = pair(padding);
    this.dilation = pair(dilation);
    this.groups = groups;
    const [kH, kW] = this.kernelSize;
    const fanIn = (inChannels / groups) * kH * kW;
    this.weight = parameter(fanInUniform([outChannels, inChannels / groups, kH, kW], fanIn, { generator }));
    this.bias = bias ? parameter(fanInUniform([outChannels], fanIn, { generator })) : null;
  }

  /** x: [B, inChannels, H, W] → [B, outChannels, H', W'] */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.options());
  }

  /**
   * x: [B, inChannels, H, W], shift: [B or 1, outChannels] → conv(x) + bias + shift, shift[b, o] added
   * to image b's channel o. The shift is folded into the bias, given to conv2d in its per-image form
   * [B, outChannels], so the convolution's kernel adds both (the ResBlock's timestep embedding).
   */
  forwardShifted(x: Tensor, shift: Tensor): Tensor {
    const perImage = this.bias === null ? shift : shift.add(this.bias);
    const batch = x.shape[0]!;
    return conv2d(x, this.weight, perImage.shape[0] === batch ? perImage : perImage.expand([batch, this.outChannels]), this.options());
  }

  private options() {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  override extraRepr(): string {
    const extras = [
      `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}]`,
      this.padding.some((p) => p !== 0) ? `padding=[${this.padding}]` : '',
      this.dilation.some((d) => d !== 1) ? `dilation=[${this.dilation}]` : '',
      this.groups !== 1 ? `groups=${this.groups}` : '',
      this.bias === null ? 'bias=false' : '',
    ];
    return extras.filter(Boolean).join(', ');
  }
}
