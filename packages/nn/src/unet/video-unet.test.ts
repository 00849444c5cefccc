import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, noGrad, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { gradcheck, leaf } from '@diffusion-ts/tensor/testing';
import { metaInit } from '../init.ts';
import { Adam } from '../optim/adam.ts';
import { maxAbsDiff, randomizeParameters } from '../testing/modules.ts';
import { UNet } from './unet.ts';
import { UNetConfigError } from './config.ts';
import { VideoUNet, type VideoUNetConfig, type VideoUNetConfigInput } from './video-unet.ts';
import { videoPresets } from './video-presets.ts';

/** Two levels of 8 and 16 channels at 8×8 and 4×4, attention (spatial, then temporal) at 4×4, clips of 4 frames. */
const micro: VideoUNetConfigInput = {
  imageSize: 8, inChannels: 1, outChannels: 1, modelChannels: 8, channelMult: [1, 2], numResBlocks: 1,
  attentionResolutions: [4], numGroups: 4, numHeads: 2, numFrames: 4,
};

/** x [B, C, F, H, W] → frames [B·F, C, H, W], frame f of clip b at row b·F + f. */
const fold = (x: Tensor): Tensor => {
  const [b, c, f, h, w] = x.shape as [number, number, number, number, number];
  return x.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w);
};

/** The values of frame f of clip b of y [B, C, F, H, W]. */
function frameValues(y: Tensor, b: number, f: number): number[] {
  const [, c, frames, h, w] = y.shape as [number, number, number, number, number];
  const data = y.dataSync(), out: number[] = [];
  for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out.push(data[(((b * c + ch) * frames + f) * h * w) + p]!);
  return out;
}

/** x with frame `f` of every clip replaced by fresh noise. */
function changeFrame(x: Tensor, f: number, g: Generator): Tensor {
  const [, , frames] = x.shape as number[];
  const noise = randn(x.shape, { generator: g });
  const pick = tensor(Float32Array.from({ length: frames! }, (_, k) => (k === f ? 1 : 0)), { shape: [1, 1, frames!, 1, 1] });
  return noGrad(() => x.add(noise.mul(pick)));
}

/** x with its frames reordered: frame f of the result is frame perm[f] of x. */
const permuteFrames = (x: Tensor, perm: readonly number[]): Tensor => x.indexSelect(2, tensor(Int32Array.from(perm), { dtype: 'int32' }));

/**
 * The parameters the temporal blocks add, in closed form: per spatial attention block of width C
 * (the U-Net has one at each attention resolution per ResBlock on the way down and up, and one in the
 * middle), GroupNorm 2C + qkv C·3C + 3C + proj_out C·C + C, and heads · (2(F − 1) + 1) bias entries.
 */
function temporalCount(c: VideoUNetConfig): number {
  const width = (level: number) => Math.trunc(c.channelMult[level]! * c.modelChannels);
  const heads = (ch: number) => (c.numHeadChannels === null ? c.numHeads : ch / c.numHeadChannels);
  const block = (ch: number) => 2 * ch + 3 * ch * ch + 3 * ch + ch * ch + ch + (c.relativePositionBias ? heads(ch) * (2 * c.numFrames - 1) : 0);
  const levels = c.channelMult.length;
  let n = block(width(levels - 1)); // middle
  for (let l = 0; l < levels; l++) {
    if (c.attentionResolutions.includes(c.imageSize / 2 ** l)) n += (c.numResBlocks + (c.numResBlocks + 1)) * block(width(l));
  }
  return n;
}

describe('VideoUNet', () => {
  it('output shape [B, out, F, H, W] (learned variance, class labels, any number of frames); bad inputs are named', () => {
    const g = new Generator(0);
    const model = new VideoUNet({ ...micro, learnSigma: true, numClasses: 3 }, { generator: g });
    const y = tensor([0, 2], { dtype: 'int32' });
    assert.deepEqual(model.forward(randn([2, 1, 4, 8, 8], { generator: g }), tensor([3, 900]), y).shape, [2, 2, 4, 8, 8]);
    assert.deepEqual(model.forward(randn([2, 1, 6, 8, 4], { generator: g }), tensor([3, 900], { dtype: 'int32' }), y).shape, [2, 2, 6, 8, 4]);
    assert.throws(() => model.forward(randn([2, 1, 8, 8]), tensor([1, 2]), y), /x must be \[B, 1, F, H, W\]/);
    assert.throws(() => model.forward(randn([2, 1, 4, 8, 8]), tensor([1]), y), /t must be \[2\]/);
    assert.throws(() => model.forward(randn([2, 1, 4, 8, 8]), tensor([1, 2])), /VideoUNet: missing labels y: the model is class-conditional/);
    assert.throws(() => model.forward(randn([2, 1, 4, 7, 8]), [1, 2], y), /VideoUNet: input 7×8 cannot be halved 1 times/);
    assert.throws(() => model.forward(randn([2, 1, 4, 8, 8]), tensor([1, 2]), y, { imageFrames: 5 }), /imageFrames must be an integer in \[0, 4\]/);
    assert.throws(() => new VideoUNet({ ...micro, numFrames: 0, numGroups: 3 }, { generator: g }), (e: unknown) =>
      e instanceof UNetConfigError && /numFrames must be a positive integer/.test(e.message) && /numGroups 3/.test(e.message));
  });

  it('tinyVideo16: 8-frame 16×16 RGB clips in, the same shape out', () => {
    const c = videoPresets.tinyVideo16;
    const model = new VideoUNet(c, { generator: new Generator(1) });
    assert.deepEqual(model.forward(randn([1, 3, 8, 16, 16]), tensor([500])).shape, [1, 3, 8, 16, 16]);
  });

  it('parameter counts: the image UNet of the same configuration plus the temporal blocks in closed form', (t) => {
    const configs: [string, VideoUNetConfigInput][] = [
      ['tinyVideo16', videoPresets.tinyVideo16],
      ['micro, head channels, scale-shift, BigGAN up/down, 2 res blocks', { ...micro, numHeadChannels: 4, useScaleShiftNorm: true, resblockUpdown: true, numResBlocks: 2, attentionResolutions: [8, 4] }],
      ['micro without the position bias', { ...micro, relativePositionBias: false }],
    ];
    for (const [name, config] of configs) {
      const video = metaInit(() => new VideoUNet(config, { generator: new Generator(0) }));
      const image = metaInit(() => new UNet(config, { generator: new Generator(0) })).numParameters();
      t.diagnostic(`${name}: ${video.numParameters().toLocaleString('en-US')} parameters (${image.toLocaleString('en-US')} spatial)`);
      assert.equal(video.numParameters(), image + temporalCount(video.config), name);
      const spatialOnly = metaInit(() => new VideoUNet({ ...config, temporalAttention: false }, { generator: new Generator(0) }));
      assert.equal(spatialOnly.numParameters(), image, `${name} without temporal attention`);
    }
  });

  it("holds the image UNet's state-dict keys; loading an image model gives that model per frame (exactly without temporal attention, and at init with it)", () => {
    const g = new Generator(2);
    const image = new UNet(micro, { generator: g });
    randomizeParameters(image, g, 0.3);
    const x = randn([2, 1, 3, 8, 8], { generator: g }), t = tensor([10, 600]);
    const expected = image.forward(fold(x), tensor([10, 10, 10, 600, 600, 600])).dataSync();

    const spatial = new VideoUNet({ ...micro, temporalAttention: false }, { generator: new Generator(3) });
    assert.deepEqual(Object.keys(spatial.stateDict()), Object.keys(image.stateDict()));
    spatial.loadStateDict(image.stateDict());
    assert.ok(maxAbsDiff(fold(spatial.forward(x, t)).dataSync(), expected) < 1e-5);

    const video = new VideoUNet(micro, { generator: new Generator(4) });
    const extra = Object.keys(video.stateDict()).filter((k) => !(k in image.stateDict()));
    assert.ok(extra.length > 0 && extra.every((k) => /^(inputBlocks\.\d+|middleBlock|outputBlocks\.\d+)\.temporal\./.test(k)), extra.join());
    video.loadStateDict(image.stateDict(), { strict: false });
    assert.ok(maxAbsDiff(fold(video.forward(x, t)).dataSync(), expected) < 1e-5);
  });

  it('without temporal attention, or with every frame an independent image, changing frame j changes no other frame', () => {
    const g = new Generator(5);
    const cases: [string, VideoUNet, number][] = [
      ['temporalAttention: false', new VideoUNet({ ...micro, temporalAttention: false }, { generator: g }), 0],
      ['imageFrames = F', new VideoUNet(micro, { generator: g }), 4],
    ];
    for (const [name, model, imageFrames] of cases) {
      randomizeParameters(model, g, 0.3);
      const x = randn([1, 1, 4, 8, 8], { generator: g }), t = tensor([250]);
      const y = model.forward(x, t, undefined, { imageFrames });
      const j = 2, y2 = model.forward(changeFrame(x, j, g), t, undefined, { imageFrames });
      for (let f = 0; f < 4; f++) {
        const gap = maxAbsDiff(frameValues(y, 0, f), frameValues(y2, 0, f));
        if (f === j) assert.ok(gap > 1e-3, `${name}: frame ${j} itself changes`);
        else assert.equal(gap, 0, `${name}: frame ${f} changed with frame ${j}`);
      }
    }
  });

  it('joint training: with 2 image frames after 2 video frames, the video frames mix and the image frames stay apart', () => {
    const g = new Generator(6);
    const model = new VideoUNet(micro, { generator: g });
    randomizeParameters(model, g, 0.3);
    const x = randn([1, 1, 4, 8, 8], { generator: g }), t = tensor([250]), opts = { imageFrames: 2 };
    const y = model.forward(x, t, undefined, opts);
    for (const j of [0, 3]) {
      const y2 = model.forward(changeFrame(x, j, g), t, undefined, opts);
      for (let f = 0; f < 4; f++) {
        const gap = maxAbsDiff(frameValues(y, 0, f), frameValues(y2, 0, f));
        if (f === j || (f < 2 && j < 2)) assert.ok(gap > 1e-4, `frame ${f} should depend on frame ${j}`);
        else assert.equal(gap, 0, `frame ${f} must not depend on frame ${j}`);
      }
    }
  });

  it('with temporal attention and no position term, permuting the frames permutes the output; the relative bias breaks this', () => {
    const g = new Generator(7);
    const model = new VideoUNet({ ...micro, relativePositionBias: false }, { generator: g });
    randomizeParameters(model, g, 0.3);
    const x = randn([1, 1, 4, 8, 8], { generator: g }), t = tensor([40]);
    const y = model.forward(x, t);
    fc.assert(fc.property(fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }), (perm) => {
      assert.ok(maxAbsDiff(model.forward(permuteFrames(x, perm), t).dataSync(), permuteFrames(y, perm).dataSync()) < 1e-4, `perm [${perm}]`);
    }), { numRuns: 6 });
    // …and the output does mix frames (so the equivariance is not the trivial per-frame one).
    assert.ok(maxAbsDiff(frameValues(model.forward(changeFrame(x, 0, g), t), 0, 1), frameValues(y, 0, 1)) > 1e-4);

    const ordered = new VideoUNet(micro, { generator: g });
    randomizeParameters(ordered, g, 0.3);
    const reverse = [3, 2, 1, 0];
    const gap = maxAbsDiff(ordered.forward(permuteFrames(x, reverse), t).dataSync(), permuteFrames(ordered.forward(x, t), reverse).dataSync());
    assert.ok(gap > 1e-3, `reversal gap ${gap}`);
  });

  it('gradcheck (float64) wrt the input clip and a few parameters (temporal qkv, position bias, a spatial conv)', () => {
    const g = new Generator(8);
    const model = new VideoUNet({ imageSize: 4, inChannels: 1, outChannels: 1, modelChannels: 4, channelMult: [1, 2], numResBlocks: 1,
      attentionResolutions: [2], numGroups: 2, numHeads: 2, numFrames: 3, useScaleShiftNorm: true }, { generator: g }).to('float64');
    randomizeParameters(model, g, 0.4);
    const t = tensor([3], { dtype: 'float64' });
    const mid = model.middleBlock, temporal = mid.temporal!;
    const spatialConv = model.inputBlocks.at(1).at(0) as unknown as { inLayers: { at(i: number): { weight: Tensor } } };
    const conv = spatialConv.inLayers.at(2);
    for (const p of model.parameters()) p.requiresGrad_(false);
    const x = leaf([1, 1, 3, 4, 4], g);
    const params = [temporal.qkv.weight, temporal.relativePositionBias!, conv.weight].map((p) => p.detach().requiresGrad_());
    const forward = (xIn: Tensor, qkv: Tensor, bias: Tensor, w: Tensor, imageFrames: number): Tensor => {
      const saved = [temporal.qkv.weight, temporal.relativePositionBias!, conv.weight] as const;
      [temporal.qkv.weight, temporal.relativePositionBias, conv.weight] = [qkv, bias, w];
      try {
        return model.forward(xIn, t, undefined, { imageFrames });
      } finally {
        [temporal.qkv.weight, temporal.relativePositionBias, conv.weight] = saved;
      }
    };
    for (const imageFrames of [0, 1]) {
      gradcheck((xIn, qkv, bias, w) => forward(xIn!, qkv!, bias!, w!, imageFrames), [x, ...params], { generator: g, mode: 'direction' });
      // The swapped-in tensors really are the ones used: each got a non-zero gradient.
      for (const p of [x, ...params]) assert.ok(p.grad !== null && p.grad.dataSync().some((v) => v !== 0));
    }
  });

  it('a tiny instance overfits one batch of clips: the ε-loss halves within 40 Adam steps', (context) => {
    const g = new Generator(9);
    const model = new VideoUNet({ ...micro, numFrames: 3 }, { generator: g });
    const x = randn([2, 1, 3, 8, 8], { generator: g }), eps = randn([2, 1, 3, 8, 8], { generator: g }), t = tensor([120, 700]);
    const opt = new Adam(model.parameters(), { lr: 3e-3 });
    const loss = () => model.forward(x, t).sub(eps).square().mean();
    const initial = noGrad(loss).item();
    let final = initial, step = 0;
    for (; step < 40 && final > initial / 2; step++) {
      opt.zeroGrad();
      const l = loss();
      l.backward();
      opt.step();
      final = l.item();
    }
    context.diagnostic(`loss ${initial.toFixed(4)} → ${final.toFixed(4)} after ${step} steps`);
    assert.ok(final < initial / 2, `loss ${initial} → ${final}`);
  });
});
