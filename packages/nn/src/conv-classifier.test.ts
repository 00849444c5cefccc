import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, randn } from '@diffusion-ts/tensor';
import { ConvClassifier, mnist16Classifier } from './conv-classifier.ts';

describe('ConvClassifier', () => {
  it('maps [B, 1, 16, 16] to features [B, 128] (non-negative: after ReLU) and logits [B, 10]; logits are out(features)', () => {
    const net = new ConvClassifier(mnist16Classifier, { generator: new Generator(1) });
    const x = randn([3, 1, 16, 16], { generator: new Generator(2) });
    const f = net.features(x), logits = net.forward(x);
    assert.deepEqual(f.shape, [3, 128]);
    assert.deepEqual(logits.shape, [3, 10]);
    assert.ok(f.dataSync().every((v) => v >= 0));
    assert.deepEqual([...net.out.forward(f).dataSync()], [...logits.dataSync()]);
  });

  it('has the state-dict keys of its doc comment, with the shapes of two stride-2 stages', () => {
    const shapes = Object.fromEntries(Object.entries(new ConvClassifier(mnist16Classifier).stateDict()).map(([k, t]) => [k, t.shape]));
    assert.deepEqual(shapes, {
      'convs.0.weight': [32, 1, 3, 3], 'convs.0.bias': [32], 'convs.1.weight': [32, 32, 3, 3], 'convs.1.bias': [32],
      'convs.2.weight': [64, 32, 3, 3], 'convs.2.bias': [64], 'convs.3.weight': [64, 64, 3, 3], 'convs.3.bias': [64],
      'hidden.weight': [128, 64 * 4 * 4], 'hidden.bias': [128], 'out.weight': [10, 128], 'out.bias': [10],
    });
  });

  it('refuses an input of the wrong shape and a size that the stages cannot halve, naming the values', () => {
    const net = new ConvClassifier(mnist16Classifier);
    assert.throws(() => net.forward(randn([2, 1, 32, 32])), /ConvClassifier: x must be \[B, 1, 16, 16\], got \[2,1,32,32\]/);
    assert.throws(() => net.forward([[1]] as never), (e: unknown) => e instanceof TypeError && /^ConvClassifier: x must be a Tensor \[B, 1, 16, 16\], got object/.test(e.message));
    assert.throws(() => new ConvClassifier({ ...mnist16Classifier, imageSize: 18 }), /imageSize 18 is not divisible by 2\^2 = 4/);
    assert.throws(() => new ConvClassifier({ ...mnist16Classifier, channels: [] }), /channels must name at least one stage/);
  });
});
