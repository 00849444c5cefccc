import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, randn, randint, tensor } from '@diffusion-ts/tensor';
import { metaInit } from '../init.ts';
import { UNet } from './unet.ts';
import { presets } from './presets.ts';
import type { UNetConfig } from './config.ts';

/**
 * The parameter count of guided-diffusion's UNetModel for a configuration, in closed form, written
 * from the reference code (guided_diffusion/unet.py), not from our modules:
 * conv k×k: i·o·k² + o; linear: i·o + o; GroupNorm: 2c; ResBlock: GN(i) + conv3(i→o) + linear(E → o or 2o)
 * + GN(o) + conv3(o→o) + [conv1(i→o) if i ≠ o]; AttentionBlock: GN(c) + conv1(c→3c) + conv1(c→c).
 */
function referenceCount(c: UNetConfig): number {
  const conv = (i: number, o: number, k: number) => i * o * k * k + o;
  const linear = (i: number, o: number) => i * o + o;
  const E = 4 * c.modelChannels;
  const res = (i: number, o: number) => 2 * i + conv(i, o, 3) + linear(E, c.useScaleShiftNorm ? 2 * o : o) + 2 * o + conv(o, o, 3) + (i !== o ? conv(i, o, 1) : 0);
  const attn = (ch: number) => 2 * ch + conv(ch, 3 * ch, 1) + conv(ch, ch, 1);
  const resample = (ch: number) => (c.resblockUpdown ? res(ch, ch) : c.convResample ? conv(ch, ch, 3) : 0);
  const width = (level: number) => Math.trunc(c.channelMult[level]! * c.modelChannels);
  const attnAt = (level: number) => c.attentionResolutions.includes(c.imageSize / 2 ** level);
  const levels = c.channelMult.length;

  let n = linear(c.modelChannels, E) + linear(E, E) + (c.numClasses ?? 0) * E;
  n += conv(c.inChannels, width(0), 3);
  const skips = [width(0)];
  let ch = width(0);
  for (let l = 0; l < levels; l++) {
    for (let i = 0; i < c.numResBlocks; i++) {
      n += res(ch, width(l)) + (attnAt(l) ? attn(width(l)) : 0);
      ch = width(l);
      skips.push(ch);
    }
    if (l < levels - 1) { n += resample(ch); skips.push(ch); }
  }
  n += res(ch, ch) + attn(ch) + res(ch, ch);
  for (let l = levels - 1; l >= 0; l--) {
    for (let i = 0; i <= c.numResBlocks; i++) {
      n += res(ch + skips.pop()!, width(l)) + (attnAt(l) ? attn(width(l)) : 0);
      ch = width(l);
      if (l > 0 && i === c.numResBlocks) n += resample(ch);
    }
  }
  return n + 2 * ch + conv(width(0), c.learnSigma ? 2 * c.outChannels : c.outChannels, 3);
}

/** Each preset's structure (levels, blocks, attention placement, every flag) at a width and size a CPU runs in a moment. */
function scaledDown(c: UNetConfig): UNetConfig {
  const shrink = c.imageSize / 8;
  return { ...c, imageSize: 8, modelChannels: 8, numGroups: 4, numHeadChannels: c.numHeadChannels === null ? null : 4,
    numHeads: c.numHeadChannels === null ? Math.min(c.numHeads, 2) : c.numHeads, dropout: 0,
    attentionResolutions: c.attentionResolutions.map((r) => r / shrink) };
}

describe('UNet presets', () => {
  it('parameter counts equal the closed-form count of the reference architecture', (t) => {
    for (const [name, config] of Object.entries(presets)) {
      const built = metaInit(() => new UNet(config, { generator: new Generator(0) })).numParameters();
      t.diagnostic(`${name}: ${built.toLocaleString('en-US')} parameters`);
      assert.equal(built, referenceCount(config), name);
    }
  });

  it('the published counts: DDPM CIFAR-10 is 35,746,307 (Ho et al.); ADM ImageNet-64 rounds to 296M (Dhariwal & Nichol)', () => {
    assert.equal(referenceCount(presets.ddpmCifar10), 35_746_307);
    assert.equal(Math.round(referenceCount(presets.admImageNet64) / 1e6), 296);
    // improved-diffusion's defaults include use_scale_shift_norm=True: 52,546,438, not the 49,066,246 without it.
    assert.equal(referenceCount(presets.iddpmCifar10), 52_546_438);
    assert.equal(presets.iddpmCifar10.useScaleShiftNorm, true);
    assert.equal(referenceCount({ ...presets.iddpmCifar10, useScaleShiftNorm: false }), 49_066_246);
  });

  it("every flag of the paper presets is the reference script's (its command line over its defaults)", () => {
    /** A reference script's flags → our config: attention_resolutions are resolutions on both command lines. */
    const fromFlags = (f: Record<string, number | boolean | string | null>, channelMult: number[]): UNetConfig => ({
      imageSize: f['image_size'] as number, inChannels: 3, outChannels: 3, modelChannels: f['num_channels'] as number,
      numResBlocks: f['num_res_blocks'] as number, attentionResolutions: String(f['attention_resolutions']).split(',').map(Number),
      dropout: f['dropout'] as number, channelMult, convResample: true, numClasses: f['class_cond'] ? 1000 : null,
      numHeads: f['num_heads'] as number, numHeadChannels: f['num_head_channels'] === -1 ? null : f['num_head_channels'] as number,
      numHeadsUpsample: f['num_heads_upsample'] === -1 ? null : f['num_heads_upsample'] as number,
      useScaleShiftNorm: f['use_scale_shift_norm'] as boolean, resblockUpdown: f['resblock_updown'] as boolean,
      useNewAttentionOrder: f['use_new_attention_order'] as boolean, learnSigma: f['learn_sigma'] as boolean, numGroups: 32,
    });
    // improved-diffusion script_util.model_and_diffusion_defaults (its UNetModel has neither head widths, BigGAN blocks nor the new order) …
    const improvedDefaults = { image_size: 64, num_channels: 128, num_res_blocks: 2, num_heads: 4, num_heads_upsample: -1, attention_resolutions: '16,8',
      dropout: 0, learn_sigma: false, class_cond: false, use_scale_shift_norm: true, num_head_channels: -1, resblock_updown: false, use_new_attention_order: false };
    // … under the README's CIFAR-10 flags, channel_mult (1, 2, 2, 2) from create_model for 32×32.
    const iddpm = fromFlags({ ...improvedDefaults, image_size: 32, num_channels: 128, num_res_blocks: 3, learn_sigma: true, dropout: 0.3 }, [1, 2, 2, 2]);
    assert.deepEqual({ ...presets.iddpmCifar10 }, iddpm);
    // guided-diffusion's model_and_diffusion_defaults agree with these on every flag both have, and add num_head_channels −1,
    // resblock_updown False, use_new_attention_order False; under the README's ImageNet-64 flags, channel_mult (1, 2, 3, 4) for 64×64.
    const guidedDefaults = improvedDefaults;
    const adm = fromFlags({ ...guidedDefaults, attention_resolutions: '32,16,8', class_cond: true, dropout: 0.1, image_size: 64, learn_sigma: true,
      num_channels: 192, num_head_channels: 64, num_res_blocks: 3, resblock_updown: true, use_new_attention_order: true, use_scale_shift_norm: true }, [1, 2, 3, 4]);
    assert.deepEqual({ ...presets.admImageNet64, numHeads: 4 }, adm, 'numHeads is unused when numHeadChannels is set');
    // diffusion_tf run_cifar.py: ch 128, ch_mult (1, 2, 2, 2), num_res_blocks 2, attn_resolutions (16,), dropout 0.1, resamp_with_conv, one head.
    const ddpm = fromFlags({ ...guidedDefaults, image_size: 32, num_channels: 128, num_res_blocks: 2, attention_resolutions: '16', dropout: 0.1, num_heads: 1,
      use_scale_shift_norm: false }, [1, 2, 2, 2]);
    assert.deepEqual({ ...presets.ddpmCifar10 }, ddpm);
  });

  it('the DDPM CIFAR-10 model allocates exactly the counted parameters', () => {
    const model = new UNet(presets.ddpmCifar10, { generator: new Generator(0) });
    assert.equal(model.numParameters(), 35_746_307);
    assert.equal(Object.keys(model.stateDict()).length, metaInit(() => new UNet(presets.ddpmCifar10, { generator: new Generator(0) })).namedParameters().length);
  });

  it('meta-built models have shapes but no values: using one throws', () => {
    const model = metaInit(() => new UNet(presets.tiny16, { generator: new Generator(0) }));
    assert.throws(() => model.forward(randn([1, 3, 16, 16]), tensor([1])), /disposed tensor/);
  });

  it('output shapes: tiny presets at full size, the papers\' presets at a scaled-down width and size', () => {
    for (const [name, config] of Object.entries(presets)) {
      const tiny = name.startsWith('tiny');
      const c = tiny ? config : scaledDown(config);
      const g = new Generator(1);
      const model = new UNet(c, { generator: g });
      const x = randn([2, c.inChannels, c.imageSize, c.imageSize], { generator: g });
      const y = c.numClasses === null ? undefined : randint(0, c.numClasses, [2], { generator: g });
      const out = model.forward(x, tensor([3, 700]), y);
      assert.deepEqual(out.shape, [2, c.learnSigma ? 2 * c.outChannels : c.outChannels, c.imageSize, c.imageSize], name);
    }
  });
});
