import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, noGrad, randn, type Tensor } from '@diffusion-ts/tensor';
import { leaf } from '@diffusion-ts/tensor/testing';
import { Conv2d } from '../layers/conv2d.ts';
import type { Dropout } from '../layers/dropout.ts';
import type { GroupNorm } from '../layers/group-norm.ts';
import { ResBlock, TimestepEmbedSequential } from './blocks.ts';
import { gradcheckModule, maxAbsDiff } from '../testing/modules.ts';

const base = { embChannels: 6, dropout: 0, numGroups: 2 };

describe('ResBlock', () => {
  it('starts as its skip path (the out conv is zero-initialised): identity, or the 1×1 projection', () => {
    const g = new Generator(0);
    const x = randn([2, 4, 3, 3], { generator: g }), emb = randn([2, 6], { generator: g });
    const same = new ResBlock({ ...base, channels: 4, generator: g });
    assert.deepEqual(same.forward(x, emb).dataSync(), x.dataSync());
    const wider = new ResBlock({ ...base, channels: 4, outChannels: 6, generator: g });
    assert.ok(maxAbsDiff(wider.forward(x, emb).dataSync(), wider.skipConnection!.forward(x).dataSync()) < 1e-6);
    assert.deepEqual(wider.skipConnection!.kernelSize, [1, 1]);
    const conv = new ResBlock({ ...base, channels: 4, outChannels: 6, useConv: true, generator: g });
    assert.deepEqual(conv.skipConnection!.kernelSize, [3, 3]);
  });

  it('up/down resample both paths; scale-shift doubles the embedding projection', () => {
    const g = new Generator(1);
    const x = randn([1, 4, 4, 4], { generator: g }), emb = randn([1, 6], { generator: g });
    assert.deepEqual(new ResBlock({ ...base, channels: 4, up: true, generator: g }).forward(x, emb).shape, [1, 4, 8, 8]);
    assert.deepEqual(new ResBlock({ ...base, channels: 4, down: true, generator: g }).forward(x, emb).shape, [1, 4, 2, 2]);
    const ss = new ResBlock({ ...base, channels: 4, useScaleShiftNorm: true, generator: g });
    assert.deepEqual((ss.embLayers.at(1) as unknown as { weight: Tensor }).weight.shape, [8, 6]);
    assert.throws(() => new ResBlock({ ...base, channels: 4, up: true, down: true, generator: g }), /exclusive/);
  });

  it("has guided-diffusion's keys (in_layers, emb_layers, out_layers, skip_connection → camelCase)", () => {
    const block = new ResBlock({ ...base, channels: 2, outChannels: 4, generator: new Generator(0) });
    assert.deepEqual(Object.keys(block.stateDict()), [
      'inLayers.0.weight', 'inLayers.0.bias', 'inLayers.2.weight', 'inLayers.2.bias',
      'embLayers.1.weight', 'embLayers.1.bias',
      'outLayers.0.weight', 'outLayers.0.bias', 'outLayers.3.weight', 'outLayers.3.bias',
      'skipConnection.weight', 'skipConnection.bias',
    ]);
  });

  it('folds the embedding into the first conv (its per-image bias): the same values and gradients as conv(h) + Linear(SiLU(emb))', () => {
    const g = new Generator(5);
    const block = new ResBlock({ ...base, channels: 4, outChannels: 6, generator: g });
    // The out conv starts at zero; give it weights so that every parameter's gradient is nonzero.
    for (const p of (block.outLayers.at(3) as Conv2d).parameters()) noGrad(() => p.assign(randn(p.shape, { generator: g }).mul(0.1)));
    const x = randn([3, 4, 5, 5], { generator: g }), emb = randn([3, 6], { generator: g }), r = randn([3, 6, 5, 5], { generator: g });
    const unfused = (xi: Tensor, e: Tensor): Tensor => { // the block as written before the fold
      const [norm, , conv] = [...block.inLayers] as [GroupNorm, unknown, Conv2d];
      const h = conv.forward(norm.forwardSilu(xi)).add(block.embLayers.forward(e).unsqueeze(-1).unsqueeze(-1));
      const [outNorm, , drop, outConv] = [...block.outLayers] as [GroupNorm, unknown, Dropout, Conv2d];
      return block.skipConnection!.forward(xi).add(outConv.forward(drop.forward(outNorm.forwardSilu(h))));
    };
    const run = (f: (xi: Tensor, e: Tensor) => Tensor) => {
      block.zeroGrad();
      const xi = x.detach().requiresGrad_(), e = emb.detach().requiresGrad_();
      const out = f(xi, e);
      out.mul(r).sum().backward();
      return [out, xi.grad!, e.grad!, ...block.parameters().map((p) => p.grad!)].map((t) => t.dataSync().slice());
    };
    const got = run((xi, e) => block.forward(xi, e)), want = run(unfused);
    got.forEach((v, i) => assert.ok(maxAbsDiff(v, want[i]!) < 1e-5 * (1 + Math.max(...want[i]!.map(Math.abs))), `output ${i}`));
  });

  for (const [name, options] of [
    ['plain', {}], ['scale-shift', { useScaleShiftNorm: true }], ['down', { down: true }], ['up, wider', { up: true, outChannels: 4 }],
  ] as const) {
    it(`gradcheck (${name}) wrt x, emb and all parameters`, () => {
      const g = new Generator(name.length);
      const block = new ResBlock({ ...base, channels: 2, ...options, generator: g });
      gradcheckModule(block, [leaf([2, 2, 2, 2], g), leaf([2, 6], g)], (x: Tensor, emb: Tensor) => block.forward(x, emb), g);
    });
  }
});

describe('TimestepEmbedSequential', () => {
  it('passes the embedding only to timestep blocks', () => {
    const g = new Generator(2);
    const conv = new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 1, generator: g });
    const block = new ResBlock({ ...base, channels: 2, generator: g });
    const seq = new TimestepEmbedSequential(conv, block);
    const x = randn([1, 2, 2, 2], { generator: g }), emb = randn([1, 6], { generator: g });
    assert.deepEqual(seq.forward(x, emb).dataSync(), block.forward(conv.forward(x), emb).dataSync());
  });
});
