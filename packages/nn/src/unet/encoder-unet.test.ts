import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, randn, tensor } from '@diffusion-ts/tensor';
import { leaf } from '@diffusion-ts/tensor/testing';
import { metaInit } from '../init.ts';
import { gradcheckModule, maxAbsDiff, randomizeParameters } from '../testing/modules.ts';
import { AttentionPool2d } from './attention-pool-2d.ts';
import { UNetConfigError } from './config.ts';
import { EncoderUNet, type EncoderUNetConfig, type EncoderUNetConfigInput } from './encoder-unet.ts';
import { classifierPresets } from './classifier-presets.ts';

/** Two levels of 8 and 16 channels at 8×8 and 4×4, attention at 4×4 (2 heads of 8), 3 classes. */
const micro: EncoderUNetConfigInput = {
  imageSize: 8, inChannels: 1, outChannels: 3, modelChannels: 8, channelMult: [1, 2], numResBlocks: 1,
  attentionResolutions: [4], numGroups: 4, numHeadChannels: 8, pool: 'attention',
};

/**
 * The parameter count of guided-diffusion's EncoderUNetModel, in closed form from the reference code
 * (guided_diffusion/unet.py), not from our modules:
 * conv k×k: i·o·k² + o; linear: i·o + o; GroupNorm: 2c; ResBlock: GN(i) + conv3(i→o) + linear(E → o or 2o)
 * + GN(o) + conv3(o→o) + [conv1(i→o) if i ≠ o]; AttentionBlock: GN(c) + conv1(c→3c) + conv1(c→c);
 * heads: adaptive GN(c) + conv1(c→K); attention GN(c) + c·(s² + 1) + conv1(c→3c) + conv1(c→K).
 */
function referenceCount(c: EncoderUNetConfig): number {
  const conv = (i: number, o: number, k: number) => i * o * k * k + o;
  const linear = (i: number, o: number) => i * o + o;
  const E = 4 * c.modelChannels;
  const res = (i: number, o: number) => 2 * i + conv(i, o, 3) + linear(E, c.useScaleShiftNorm ? 2 * o : o) + 2 * o + conv(o, o, 3) + (i !== o ? conv(i, o, 1) : 0);
  const attn = (ch: number) => 2 * ch + conv(ch, 3 * ch, 1) + conv(ch, ch, 1);
  const width = (level: number) => Math.trunc(c.channelMult[level]! * c.modelChannels);
  const levels = c.channelMult.length;
  let n = linear(c.modelChannels, E) + linear(E, E) + conv(c.inChannels, width(0), 3);
  let ch = width(0);
  for (let l = 0; l < levels; l++) {
    for (let i = 0; i < c.numResBlocks; i++) {
      n += res(ch, width(l)) + (c.attentionResolutions.includes(c.imageSize / 2 ** l) ? attn(width(l)) : 0);
      ch = width(l);
    }
    if (l < levels - 1) n += c.resblockUpdown ? res(ch, ch) : c.convResample ? conv(ch, ch, 3) : 0;
  }
  n += res(ch, ch) + attn(ch) + res(ch, ch);
  const side = c.imageSize / 2 ** (levels - 1);
  return n + 2 * ch + (c.pool === 'adaptive' ? conv(ch, c.outChannels, 1) : ch * (side * side + 1) + conv(ch, 3 * ch, 1) + conv(ch, c.outChannels, 1));
}

const camel = (key: string): string => key.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());

/** guided-diffusion's EncoderUNetModel state-dict keys for `micro` (resblock_updown, both heads), listed from its code. */
function guidedDiffusionKeys(pool: 'adaptive' | 'attention'): string[] {
  const wb = (p: string) => [`${p}.weight`, `${p}.bias`];
  const res = (p: string, skip: boolean) => [
    ...wb(`${p}.in_layers.0`), ...wb(`${p}.in_layers.2`), ...wb(`${p}.emb_layers.1`), ...wb(`${p}.out_layers.0`), ...wb(`${p}.out_layers.3`),
    ...(skip ? wb(`${p}.skip_connection`) : []),
  ];
  const attn = (p: string) => [...wb(`${p}.norm`), ...wb(`${p}.qkv`), ...wb(`${p}.proj_out`)];
  const head = pool === 'adaptive'
    ? [...wb('out.0'), ...wb('out.3')]
    : [...wb('out.0'), 'out.2.positional_embedding', ...wb('out.2.qkv_proj'), ...wb('out.2.c_proj')];
  return [
    ...wb('time_embed.0'), ...wb('time_embed.2'),
    ...wb('input_blocks.0.0'),
    ...res('input_blocks.1.0', false),
    ...res('input_blocks.2.0', false),
    ...res('input_blocks.3.0', true), ...attn('input_blocks.3.1'),
    ...res('middle_block.0', false), ...attn('middle_block.1'), ...res('middle_block.2', false),
    ...head,
  ];
}

describe('EncoderUNet (the noised-image classifier)', () => {
  it("state-dict keys are guided-diffusion's EncoderUNetModel's, snake_case → camelCase, in order", () => {
    for (const pool of ['adaptive', 'attention'] as const) {
      const model = new EncoderUNet({ ...micro, resblockUpdown: true, pool }, { generator: new Generator(0) });
      assert.deepEqual(Object.keys(model.stateDict()), guidedDiffusionKeys(pool).map(camel), pool);
    }
    const sd = new EncoderUNet(micro, { generator: new Generator(0) }).stateDict();
    assert.deepEqual(sd['out.2.positionalEmbedding']!.shape, [16, 17]);
    assert.deepEqual(sd['out.2.cProj.weight']!.shape, [3, 16, 1]);
  });

  it('parameter counts equal the closed-form count of the reference architecture', (t) => {
    const configs: [string, EncoderUNetConfigInput][] = [
      ...Object.entries(classifierPresets),
      ['micro, adaptive head, strided-conv downsampling', { ...micro, pool: 'adaptive' }],
      ['micro, 3 levels, no conv resampling, 2 res blocks', { ...micro, imageSize: 16, channelMult: [1, 2, 2], numResBlocks: 2, convResample: false, attentionResolutions: [8, 4] }],
    ];
    for (const [name, config] of configs) {
      const model = metaInit(() => new EncoderUNet(config, { generator: new Generator(0) }));
      t.diagnostic(`${name}: ${model.numParameters().toLocaleString('en-US')} parameters`);
      assert.equal(model.numParameters(), referenceCount(model.config), name);
    }
  });

  it('logits [B, classes]; the adaptive head starts at zero and takes any size, the attention pool needs imageSize', () => {
    const g = new Generator(1);
    const attention = new EncoderUNet(classifierPresets.tiny16, { generator: g });
    assert.deepEqual(attention.forward(randn([2, 3, 16, 16], { generator: g }), tensor([0, 999])).shape, [2, 4]);
    assert.throws(() => attention.forward(randn([1, 3, 32, 32]), tensor([1])), /AttentionPool2d: expects \[B, 32, 8, 8\]/);
    const adaptive = new EncoderUNet({ ...micro, pool: 'adaptive' }, { generator: g });
    const logits = adaptive.forward(randn([2, 1, 12, 8], { generator: g }), tensor([5, 7], { dtype: 'int32' }));
    assert.deepEqual(logits.shape, [2, 3]);
    assert.ok(logits.dataSync().every((v) => v === 0));
    assert.throws(() => adaptive.forward(randn([2, 1, 8, 8]), tensor([1])), /t must be \[2\]/);
    assert.throws(() => new EncoderUNet({ ...micro, numHeadChannels: 5 }, { generator: g }), UNetConfigError);
  });

  it('the timestep conditions the logits', () => {
    const g = new Generator(2);
    const model = new EncoderUNet(micro, { generator: g });
    randomizeParameters(model, g, 0.3);
    const x = randn([1, 1, 8, 8], { generator: g });
    assert.ok(maxAbsDiff(model.forward(x, tensor([10])).dataSync(), model.forward(x, tensor([900])).dataSync()) > 1e-3);
  });

  it('AttentionPool2d equals the reference computation over all s² + 1 tokens, read at token 0', () => {
    const g = new Generator(3);
    const pool = new AttentionPool2d({ spatialDim: 2, embedDim: 4, numHeadChannels: 2, outputDim: 3, generator: g });
    randomizeParameters(pool, g, 0.7);
    const x = randn([2, 4, 2, 2], { generator: g });
    // guided-diffusion's forward written out in scalars: tokens [C, 5] per image, QKVAttention over all 5, then c_proj at token 0.
    const w = pool.qkvProj.weight.reshape(12, 4).dataSync(), bq = pool.qkvProj.bias!.dataSync();
    const cw = pool.cProj.weight.reshape(3, 4).dataSync(), cb = pool.cProj.bias!.dataSync();
    const pos = pool.positionalEmbedding.dataSync(), xs = x.dataSync();
    const out = pool.forward(x).dataSync();
    for (let b = 0; b < 2; b++) {
      // tokens[c][n]: n = 0 is the mean over the 4 positions, n = 1..4 the positions; plus the embedding.
      const tok = Array.from({ length: 4 }, (_, c) => {
        const px = [0, 1, 2, 3].map((p) => xs[(b * 4 + c) * 4 + p]!);
        return [px.reduce((s, v) => s + v, 0) / 4, ...px].map((v, n) => v + pos[c * 5 + n]!);
      });
      const proj = (row: number, n: number) => bq[row]! + [0, 1, 2, 3].reduce((s, c) => s + w[row * 4 + c]! * tok[c]![n]!, 0);
      const a: number[] = [];
      for (let h = 0; h < 2; h++) {
        // QKVAttention: q = rows 0..3, k = rows 4..7, v = rows 8..11; head h takes rows 2h, 2h + 1 of each.
        const q = [0, 1].map((j) => proj(2 * h + j, 0));
        const scores = [0, 1, 2, 3, 4].map((n) => [0, 1].reduce((s, j) => s + q[j]! * proj(4 + 2 * h + j, n), 0) / Math.sqrt(2));
        const m = Math.max(...scores), e = scores.map((s) => Math.exp(s - m)), z = e.reduce((s, v) => s + v, 0);
        for (let j = 0; j < 2; j++) a.push([0, 1, 2, 3, 4].reduce((s, n) => s + (e[n]! / z) * proj(8 + 2 * h + j, n), 0));
      }
      for (let k = 0; k < 3; k++) {
        const ref = cb[k]! + [0, 1, 2, 3].reduce((s, c) => s + cw[k * 4 + c]! * a[c]!, 0);
        assert.ok(Math.abs(out[b * 3 + k]! - ref) < 1e-5, `b ${b}, logit ${k}: ${out[b * 3 + k]} vs ${ref}`);
      }
    }
  });

  it('gradcheck (float64) wrt the input and every parameter, for both heads', () => {
    const g = new Generator(4);
    const tiny: EncoderUNetConfigInput = { imageSize: 4, inChannels: 1, outChannels: 2, modelChannels: 4, channelMult: [1, 2], numResBlocks: 1,
      attentionResolutions: [2], numGroups: 2, numHeadChannels: 4, useScaleShiftNorm: true, resblockUpdown: true };
    for (const pool of ['attention', 'adaptive'] as const) {
      const model = new EncoderUNet({ ...tiny, pool }, { generator: g });
      const t = tensor([3, 600], { dtype: 'float64' });
      gradcheckModule(model, [leaf([2, 1, 4, 4], g)], (x) => model.forward(x, t), g, { mode: 'direction' });
    }
  });
});
