import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, manualSeed, randn } from '@diffusion-ts/tensor';
import type { Module } from '../module.ts';
import { Conv1d } from './conv1d.ts';
import { Conv2d } from './conv2d.ts';
import { Dropout } from './dropout.ts';
import { Embedding } from './embedding.ts';
import { GroupNorm } from './group-norm.ts';
import { LayerNorm } from './layer-norm.ts';
import { Linear } from './linear.ts';

const values = (m: Module): number[][] => m.namedParameters().map(([, p]) => Array.from(p.dataSync()));

/** Each layer three ways: PyTorch's positional form, the options object, and both with a generator. */
const forms: { name: string; positional: (g?: Generator) => Module; options: (g?: Generator) => Module }[] = [
  { name: 'Linear', positional: (generator) => new Linear(3, 4, { generator }), options: (generator) => new Linear({ inFeatures: 3, outFeatures: 4, generator }) },
  {
    name: 'Conv2d',
    positional: (generator) => new Conv2d(3, 4, 3, { padding: 1, generator }),
    options: (generator) => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, generator }),
  },
  {
    name: 'Conv1d',
    positional: (generator) => new Conv1d(2, 6, 1, { generator }),
    options: (generator) => new Conv1d({ inChannels: 2, outChannels: 6, kernelSize: 1, generator }),
  },
  { name: 'Embedding', positional: (generator) => new Embedding(5, 3, { generator }), options: (generator) => new Embedding({ numEmbeddings: 5, embeddingDim: 3, generator }) },
  { name: 'GroupNorm', positional: () => new GroupNorm(2, 4, { eps: 1e-6 }), options: () => new GroupNorm({ numGroups: 2, numChannels: 4, eps: 1e-6 }) },
  { name: 'LayerNorm', positional: () => new LayerNorm([2, 3]), options: () => new LayerNorm({ normalizedShape: [2, 3] }) },
];

describe("layer constructors: PyTorch's forms and defaults", () => {
  for (const { name, positional, options } of forms) {
    it(`${name}: the positional form builds the options form's layer, from the default generator when none is given`, () => {
      assert.deepEqual(values(positional(new Generator(3))), values(options(new Generator(3))));
      assert.equal(positional().toString(), options().toString());
      manualSeed(11);
      const first = values(positional());
      manualSeed(11);
      assert.deepEqual(values(options()), first, 'manualSeed makes the default draws reproducible');
    });
  }

  it('new Linear(3, 4) and new Conv2d(3, 4, 3, { padding: 1 }) run as in PyTorch', () => {
    assert.deepEqual(new Linear(3, 4).forward(randn(2, 3)).shape, [2, 4]);
    assert.deepEqual(new Conv2d(3, 4, 3, { padding: 1 }).forward(randn(1, 3, 5, 5)).shape, [1, 4, 5, 5]);
    assert.deepEqual(new Conv2d(3, 4, 3).forward(randn(1, 3, 5, 5)).shape, [1, 4, 3, 3]);
    assert.equal(new Linear(3, 4, { bias: false }).bias, null);
    assert.equal(new Dropout().p, 0.5);
    assert.equal(new Dropout(0.1).p, 0.1);
    assert.equal(new Dropout({ p: 0.2 }).p, 0.2);
  });

  it('missing or wrong sizes throw errors naming the layer and the value', () => {
    assert.throws(() => new Linear(3 as never), (e: unknown) => e instanceof RangeError && e.message === 'Linear: outFeatures must be a positive integer, got undefined');
    const AnyConv2d = Conv2d as unknown as new (...args: unknown[]) => Conv2d;
    assert.throws(() => new AnyConv2d(3, 4), /^RangeError: Conv2d: kernelSize must be a positive integer, got undefined$/);
    assert.throws(() => new Conv2d(3, 4, 0), /Conv2d: kernelSize must be a positive integer, got 0/);
    assert.throws(() => new Linear(2.5, 4), /Linear: inFeatures must be a positive integer, got 2.5/);
    assert.throws(() => new Linear(3, 4, 5 as never), (e: unknown) => e instanceof TypeError && /Linear: expected \(inFeatures, outFeatures, options\?\) or one options object, got \(3, 4, 5\)/.test(e.message));
    assert.throws(() => new Embedding('ten' as never, 3), /Embedding: numEmbeddings must be a positive integer, got "ten"/);
    assert.throws(() => new GroupNorm(3, 4), /GroupNorm: 4 channels cannot be split into 3 groups/);
    assert.throws(() => new LayerNorm([2, 0]), /LayerNorm: normalizedShape must be a positive integer, got 0/);
  });

  it('forwards name the layer and the size it expected, not the op inside that failed', () => {
    assert.throws(() => new Linear(3, 4).forward(randn(2, 5)), (e: unknown) =>
      e instanceof RangeError && e.message === 'Linear: x must be […, 3] (inFeatures 3 in its last dim), got [2,5]');
    assert.throws(() => new GroupNorm(2, 4).forward(randn(1, 6, 3, 3)), /^RangeError: GroupNorm: x must be \[B, 4, …\] \(numChannels 4\), got \[1,6,3,3\]$/);
    assert.throws(() => new GroupNorm(2, 4).forwardSilu(randn(4)), /^RangeError: GroupNorm: x must be \[B, 4, …\]/);
    assert.deepEqual(new Linear(3, 4).forward(randn(2, 5, 3)).shape, [2, 5, 4]);
  });
});
