/**
 * A small convolutional image classifier, the LeNet/VGG pattern (LeCun et al. 1998; Simonyan &
 * Zisserman 2015): pairs of 3×3 convolutions with ReLU, each pair ending in a stride-2 convolution that
 * halves the image, then one hidden fully connected layer (the "features") and the logits.
 * Its penultimate activations play the part that Inception-v3's pool3 features play in FID
 * (Heusel et al. 2017): the embedding whose Gaussian statistics the Fréchet distance compares.
 */
import { Tensor, type Generator } from '@diffusion-ts/tensor';
import { Module, ModuleList } from './module.ts';
import { Conv2d } from './layers/conv2d.ts';
import { Linear } from './layers/linear.ts';
import { checkPositiveInt } from './layers/arguments.ts';

export interface ConvClassifierConfig {
  /** Input channels (1 for grey digits). */
  inChannels: number;
  /** Height = width of the input; must be divisible by 2^channels.length. */
  imageSize: number;
  /** Channels of each stage (two 3×3 convolutions each, the second with stride 2). */
  channels: readonly number[];
  /** Width of the hidden fully connected layer: the dimension of `features`. */
  featureDim: number;
  numClasses: number;
}

/** The 16×16 digit classifier shipped in models/mnist-classifier: 2 stages of 32 and 64 channels, 128 features. */
export const mnist16Classifier: ConvClassifierConfig = { inChannels: 1, imageSize: 16, channels: [32, 64], featureDim: 128, numClasses: 10 };

/**
 * x [B, C, S, S] → logits [B, K]. State dict: `convs.{2i,2i+1}.{weight,bias}` (stage i's two
 * convolutions), `hidden.{weight,bias}`, `out.{weight,bias}`.
 */
export class ConvClassifier extends Module {
  readonly config: ConvClassifierConfig;
  convs: ModuleList<Conv2d>;
  hidden: Linear;
  out: Linear;

  constructor(config: ConvClassifierConfig, { generator }: { generator?: Generator } = {}) {
    super();
    const { inChannels, imageSize, channels, featureDim, numClasses } = config;
    for (const [name, v] of [['inChannels', inChannels], ['imageSize', imageSize], ['featureDim', featureDim], ['numClasses', numClasses]] as const) checkPositiveInt('ConvClassifier', name, v);
    if (channels.length === 0) throw new RangeError('ConvClassifier: channels must name at least one stage');
    channels.forEach((c) => checkPositiveInt('ConvClassifier', 'channels', c));
    const reduction = 2 ** channels.length;
    if (imageSize % reduction !== 0) throw new RangeError(`ConvClassifier: imageSize ${imageSize} is not divisible by 2^${channels.length} = ${reduction} (one halving per stage)`);
    this.config = { ...config, channels: [...channels] };
    const convs: Conv2d[] = [];
    let c = inChannels;
    for (const width of channels) {
      convs.push(new Conv2d(c, width, 3, { padding: 1, generator }));
      convs.push(new Conv2d(width, width, 3, { padding: 1, stride: 2, generator }));
      c = width;
    }
    this.convs = new ModuleList(convs);
    const side = imageSize / reduction;
    this.hidden = new Linear(c * side * side, featureDim, { generator });
    this.out = new Linear(featureDim, numClasses, { generator });
  }

  /** The penultimate activations: x [B, C, S, S] → [B, featureDim] (after the hidden layer's ReLU). */
  features(x: Tensor): Tensor {
    const { inChannels, imageSize } = this.config;
    if (!(x instanceof Tensor)) throw new TypeError(`ConvClassifier: x must be a Tensor [B, ${inChannels}, ${imageSize}, ${imageSize}], got ${typeof x}`);
    if (x.ndim !== 4 || x.shape[1] !== inChannels || x.shape[2] !== imageSize || x.shape[3] !== imageSize) {
      throw new RangeError(`ConvClassifier: x must be [B, ${inChannels}, ${imageSize}, ${imageSize}], got [${x.shape}]`);
    }
    let h = x;
    for (const conv of this.convs) h = conv.forward(h).relu(); // halves at every second conv
    return this.hidden.forward(h.flatten(1)).relu();            // [B, featureDim]
  }

  /** x [B, C, S, S] → logits [B, numClasses] */
  forward(x: Tensor): Tensor {
    return this.out.forward(this.features(x));
  }
}
