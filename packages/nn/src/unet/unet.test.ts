import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, manualSeed, noGrad, randn, randint, tensor, zerosLike, type Tensor } from '@diffusion-ts/tensor';
import { gradcheck, leaf } from '@diffusion-ts/tensor/testing';
import { StateDictError } from '../module.ts';
import { UNet } from './unet.ts';
import type { UNetConfigInput } from './config.ts';
import { presets } from './presets.ts';
import { randomizeParameters } from '../testing/modules.ts';

/** Two levels of 8 and 16 channels at 8×8 and 4×4, attention at 4×4, three classes. */
const micro: UNetConfigInput = { imageSize: 8, inChannels: 1, outChannels: 1, modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [4], numGroups: 4, numHeads: 2 };

const camel = (key: string): string => key.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());

/** guided-diffusion's state-dict keys for `micro` with numClasses 3, listed from its UNetModel. */
function guidedDiffusionKeys(): string[] {
  const wb = (p: string) => [`${p}.weight`, `${p}.bias`];
  const res = (p: string, skip: boolean) => [
    ...wb(`${p}.in_layers.0`), ...wb(`${p}.in_layers.2`), ...wb(`${p}.emb_layers.1`), ...wb(`${p}.out_layers.0`), ...wb(`${p}.out_layers.3`),
    ...(skip ? wb(`${p}.skip_connection`) : []),
  ];
  const attn = (p: string) => [...wb(`${p}.norm`), ...wb(`${p}.qkv`), ...wb(`${p}.proj_out`)];
  return [
    ...wb('time_embed.0'), ...wb('time_embed.2'), 'label_emb.weight',
    ...wb('input_blocks.0.0'),
    ...res('input_blocks.1.0', false),
    ...wb('input_blocks.2.0.op'),
    ...res('input_blocks.3.0', true), ...attn('input_blocks.3.1'),
    ...res('middle_block.0', false), ...attn('middle_block.1'), ...res('middle_block.2', false),
    ...res('output_blocks.0.0', true), ...attn('output_blocks.0.1'),
    ...res('output_blocks.1.0', true), ...attn('output_blocks.1.1'), ...wb('output_blocks.1.2.conv'),
    ...res('output_blocks.2.0', true),
    ...res('output_blocks.3.0', true),
    ...wb('out.0'), ...wb('out.2'),
  ];
}

describe('UNet', () => {
  it("state-dict keys are guided-diffusion's, snake_case → camelCase, in the same order", () => {
    const model = new UNet({ ...micro, numClasses: 3 }, { generator: new Generator(0) });
    assert.deepEqual(Object.keys(model.stateDict()), guidedDiffusionKeys().map(camel));
    const shapes = model.stateDict();
    assert.deepEqual(shapes['inputBlocks.3.1.qkv.weight']!.shape, [48, 16, 1]);
    assert.deepEqual(shapes['outputBlocks.0.0.skipConnection.weight']!.shape, [16, 32, 1, 1]);
    assert.deepEqual(shapes['labelEmb.weight']!.shape, [3, 32]);
    assert.deepEqual(shapes['out.2.weight']!.shape, [1, 8, 3, 3]);
  });

  it('starts at zero output (zero-initialised out conv), with a learned-variance head of 2·outChannels', () => {
    const model = new UNet({ ...micro, learnSigma: true }, { generator: new Generator(0) });
    const out = model.forward(randn([2, 1, 8, 8]), tensor([0, 999]));
    assert.deepEqual(out.shape, [2, 2, 8, 8]);
    assert.ok(out.dataSync().every((v) => v === 0));
  });

  it('class labels change the output, and must be given exactly when the model is class-conditional', () => {
    const g = new Generator(4);
    const model = new UNet({ ...micro, numClasses: 3 }, { generator: g });
    randomizeParameters(model, g, 0.2);
    const x = randn([2, 1, 8, 8], { generator: g }), t = tensor([5, 5]);
    const a = model.forward(x, t, tensor([0, 1], { dtype: 'int32' })).dataSync(), b = model.forward(x, t, tensor([2, 1], { dtype: 'int32' })).dataSync();
    assert.notDeepEqual(Array.from(a.subarray(0, 64)), Array.from(b.subarray(0, 64)));
    assert.deepEqual(Array.from(a.subarray(64)), Array.from(b.subarray(64))); // same label, same output
    assert.throws(() => model.forward(x, t), /UNet: missing labels y: the model is class-conditional \(numClasses 3\)/);
    assert.throws(() => new UNet(micro, { generator: g }).forward(x, t, tensor([0, 1], { dtype: 'int32' })), /UNet: got labels y, but the model is unconditional/);
    assert.throws(() => model.forward(x, tensor([1, 2, 3]), tensor([0, 1], { dtype: 'int32' })), /t must be \[2\]/);
    // Labels as an array of integers are the int32 tensor; float labels and out-of-range classes are named.
    assert.deepEqual(model.forward(x, t, [0, 1]).dataSync(), a);
    assert.throws(() => model.forward(x, t, tensor([0, 1])), (e: unknown) => e instanceof TypeError && /UNet: labels y must be int32 class indices, got float32 \[2\]/.test(e.message));
    assert.throws(() => model.forward(x, t, [0, 3]), /UNet: label 3 is not a class index in \[0, 3\)/);
    assert.throws(() => model.forward(x, t, tensor([0, 1, 2], { dtype: 'int32' })), /UNet: labels y must be \[2\], got \[3\]/);
  });

  it('builds without options from the default generator: manualSeed(n) makes it reproducible, as torch.manual_seed', () => {
    manualSeed(5);
    const a = new UNet(presets.tiny16);
    manualSeed(5);
    const b = new UNet(presets.tiny16, {});
    assert.deepEqual(a.parameters().map((p) => Array.from(p.dataSync())), b.parameters().map((p) => Array.from(p.dataSync())));
    assert.deepEqual(a.forward(randn(1, 3, 16, 16), [10]).shape, [1, 3, 16, 16]);
  });

  it('validates its inputs at the door: sizes it cannot halve, timesteps as arrays or a number, dtypes', () => {
    const g = new Generator(2);
    const model = new UNet(micro, { generator: g });
    randomizeParameters(model, g, 0.2);
    const x = randn([2, 1, 8, 8], { generator: g });
    // guided-diffusion's U-Net halves the input levels − 1 times: a 15×15 input fails at the door, not in a cat.
    assert.throws(() => model.forward(randn([2, 1, 15, 15]), tensor([1, 2])), (e: unknown) =>
      e instanceof RangeError && e.message === 'UNet: input 15×15 cannot be halved 1 times (2 levels): height and width must be positive multiples of 2');
    const three = new UNet({ ...micro, channelMult: [1, 1, 2], attentionResolutions: [] }, { generator: g });
    assert.throws(() => three.forward(randn([1, 1, 12, 10]), [3]), /input 12×10 cannot be halved 2 times \(3 levels\): .* multiples of 4/);
    assert.deepEqual(three.forward(randn([1, 1, 12, 8]), [3]).shape, [1, 1, 12, 8]);
    // Timesteps: an array of B numbers, a typed array, or one number for the whole batch, as the [B] tensor.
    const byTensor = model.forward(x, tensor([1, 2])).dataSync();
    assert.deepEqual(model.forward(x, [1, 2]).dataSync(), byTensor);
    assert.deepEqual(model.forward(x, new Int32Array([1, 2])).dataSync(), byTensor);
    assert.deepEqual(model.forward(x, 7).dataSync(), model.forward(x, tensor([7, 7])).dataSync());
    assert.throws(() => model.forward(x, [1, 2, 3]), /UNet: 3 timesteps for a batch of 2/);
    assert.throws(() => model.forward(x, [1, Number.NaN]), /UNet: timesteps must be finite numbers/);
    assert.throws(() => model.forward(x, 'five' as never), (e: unknown) => e instanceof TypeError && /UNet: t must be a Tensor \[2\].*got "five"/.test(e.message));
    // Images: a float tensor of the right rank and channels.
    assert.throws(() => model.forward(tensor([[1]], { dtype: 'int32' }).expand(2, 1).reshape(2, 1, 1, 1), [1, 2]), /UNet: x must be float32 or float64, got int32 \[2,1,1,1\]/);
    assert.throws(() => model.forward(randn([2, 3, 8, 8]), [1, 2]), /UNet: x must be \[B, 1, H, W\], got \[2,3,8,8\]/);
    assert.throws(() => model.forward([[1]] as never, [1]), (e: unknown) => e instanceof TypeError && /UNet: x must be a Tensor/.test(e.message));
  });

  it('accepts inputs at any size divisible by the downsampling, and integer timesteps', () => {
    const model = new UNet(micro, { generator: new Generator(0) });
    assert.deepEqual(model.forward(randn([1, 1, 12, 4]), tensor([7], { dtype: 'int32' })).shape, [1, 1, 12, 4]);
  });

  it('loadStateDict round trip gives identical outputs; errors list every problem and load nothing', () => {
    const g = new Generator(5);
    const source = new UNet(micro, { generator: g });
    randomizeParameters(source, g, 0.2);
    const target = new UNet(micro, { generator: new Generator(6) });
    const x = randn([1, 1, 8, 8], { generator: g }), t = tensor([10]);
    target.loadStateDict(source.stateDict());
    assert.deepEqual(target.forward(x, t).dataSync(), source.forward(x, t).dataSync());

    const fresh = new UNet(micro, { generator: new Generator(7) });
    const before = fresh.forward(x, t).dataSync();
    const dict: Record<string, Tensor> = { ...source.stateDict(), 'extra.weight': tensor([1]) };
    delete dict['out.2.bias'];
    dict['timeEmbed.0.weight'] = randn([3, 3]);
    assert.throws(() => fresh.loadStateDict(dict), (e: unknown) => {
      assert.ok(e instanceof StateDictError);
      assert.match(e.message, /missing keys: out\.2\.bias/);
      assert.match(e.message, /unexpected keys: extra\.weight/);
      assert.match(e.message, /timeEmbed\.0\.weight: checkpoint has float32\[3,3\], model has float32\[32,8\]/);
      return true;
    });
    assert.deepEqual(fresh.forward(x, t).dataSync(), before, 'nothing was loaded');
  });

  it('toString prints the module tree with PyTorch-style names', () => {
    const text = new UNet(micro, { generator: new Generator(0) }).toString();
    assert.match(text, /^UNet\(\n  imageSize=8, modelChannels=8, channelMult=\[1,2\], numResBlocks=1, attentionResolutions=\[4\]\n  \(timeEmbed\): Sequential\(\n    \(0\): Linear\(inFeatures=8, outFeatures=32, bias=true\)/);
    assert.match(text, /\(middleBlock\): TimestepEmbedSequential\(\n    \(0\): ResBlock\(\n      \(inLayers\): Sequential\(\n        \(0\): GroupNorm\(4, 16, eps=0.00001, affine=true\)/);
    assert.match(text, /\(1\): AttentionBlock\(\n      channels=16, numHeads=2\n      \(norm\): GroupNorm/);
    assert.match(text, /\(2\): Dropout\(p=0\)/);
    assert.match(text, /\n\)$/);
  });

  it('gradcheck wrt the input image (float64, random weights)', () => {
    const g = new Generator(8);
    const model = new UNet({ ...micro, useScaleShiftNorm: true, resblockUpdown: true }, { generator: g }).to('float64');
    randomizeParameters(model, g, 0.3);
    for (const p of model.parameters()) p.requiresGrad_(false);
    const t = tensor([3, 400], { dtype: 'float64' });
    gradcheck((x: Tensor) => model.forward(x, t), [leaf([2, 1, 8, 8], g)], { generator: g });
  });

  it('overfits one batch: the ε-prediction loss falls 10× within 300 Adam steps', (context) => {
    const g = new Generator(9);
    const model = new UNet(micro, { generator: g });
    const x = randn([2, 1, 8, 8], { generator: g }), eps = randn([2, 1, 8, 8], { generator: g }), t = randint(0, 1000, [2], { generator: g }).to('float32');
    // Adam (Kingma & Ba 2015, Algorithm 1), inline so this test depends on the U-Net only.
    const [lr, beta1, beta2, adamEps] = [3e-3, 0.9, 0.999, 1e-8];
    const params = model.parameters();
    let m = params.map(zerosLike), v = params.map(zerosLike);
    const loss = () => model.forward(x, t).sub(eps).square().mean();
    const initial = noGrad(loss).item();
    let final = initial;
    let step = 1;
    for (; step <= 300 && final > initial / 10; step++) {
      model.zeroGrad();
      const l = loss();
      l.backward();
      final = l.item();
      noGrad(() => {
        m = params.map((p, i) => m[i]!.mul(beta1).add(p.grad!.mul(1 - beta1)));
        v = params.map((p, i) => v[i]!.mul(beta2).add(p.grad!.square().mul(1 - beta2)));
        params.forEach((p, i) => {
          const mHat = m[i]!.div(1 - beta1 ** step), vHat = v[i]!.div(1 - beta2 ** step);
          p.assign(p.sub(mHat.mul(lr).div(vHat.sqrt().add(adamEps))));
        });
      });
    }
    context.diagnostic(`loss ${initial.toFixed(4)} → ${final.toFixed(4)} after ${step - 1} steps`);
    assert.ok(final < initial / 10, `loss ${initial} → ${final}`);
  });
});
