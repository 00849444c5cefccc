import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, groupNorm, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { check, leaf, seedArb } from '@diffusion-ts/tensor/testing';
import { AttentionBlock } from './attention-block.ts';
import { gradcheckModule, maxAbsDiff, randomizeParameters } from '../testing/modules.ts';

/**
 * guided-diffusion's AttentionBlock written out with loops over heads and positions, from its
 * QKVAttentionLegacy / QKVAttention: the qkv row of (head, part, channel) is
 * legacy: head·3ch + part·ch + channel;  new: part·C + head·ch + channel.
 */
function referenceAttention(block: AttentionBlock, x: Tensor): number[] {
  const [b, c, h, w] = x.shape as [number, number, number, number];
  const t = h * w, heads = block.numHeads, ch = c / heads;
  const normed = groupNorm(x.reshape(b, c, t), 2, block.norm.weight, block.norm.bias).dataSync();
  const [wq, bq, wp, bp] = [block.qkv.weight.dataSync(), block.qkv.bias!.dataSync(), block.projOut.weight.dataSync(), block.projOut.bias!.dataSync()];
  const xs = x.dataSync(), out = Array.from(xs);
  const row = (head: number, part: number, k: number) => (block.useNewAttentionOrder ? part * c + head * ch + k : head * 3 * ch + part * ch + k);
  for (let n = 0; n < b; n++) {
    const qkv = (r: number, s: number) => bq[r]! + Array.from({ length: c }, (_, i) => wq[r * c + i]! * normed[(n * c + i) * t + s]!).reduce((p, v) => p + v, 0);
    const a = Array.from({ length: c }, () => new Array<number>(t).fill(0)); // attention output [C, T], head-major channels
    for (let head = 0; head < heads; head++) {
      for (let s = 0; s < t; s++) {
        const logits = Array.from({ length: t }, (_, u) =>
          Array.from({ length: ch }, (_, k) => qkv(row(head, 0, k), s) * qkv(row(head, 1, k), u)).reduce((p, v) => p + v, 0) / Math.sqrt(ch));
        const m = Math.max(...logits), e = logits.map((l) => Math.exp(l - m)), z = e.reduce((p, v) => p + v, 0);
        for (let k = 0; k < ch; k++) a[head * ch + k]![s] = e.reduce((acc, p, u) => acc + (p / z) * qkv(row(head, 2, k), u), 0);
      }
    }
    for (let o = 0; o < c; o++) for (let s = 0; s < t; s++) {
      out[(n * c + o) * t + s]! += bp[o]! + Array.from({ length: c }, (_, i) => wp[o * c + i]! * a[i]![s]!).reduce((p, v) => p + v, 0);
    }
  }
  return out;
}

describe('AttentionBlock', () => {
  it("equals guided-diffusion's attention written out by hand, in both head orders", () => {
    for (const useNewAttentionOrder of [false, true]) {
      const g = new Generator(useNewAttentionOrder ? 1 : 2);
      const block = new AttentionBlock({ channels: 4, numHeads: 2, numGroups: 2, useNewAttentionOrder, generator: g }).to('float64');
      randomizeParameters(block, g);
      const x = randn([2, 4, 2, 3], { dtype: 'float64', generator: g });
      assert.ok(maxAbsDiff(block.forward(x).dataSync(), referenceAttention(block, x)) < 1e-10);
    }
  });

  it('the two head orders differ with several heads and agree with one', () => {
    const build = (heads: number, useNewAttentionOrder: boolean) => {
      const b = new AttentionBlock({ channels: 4, numHeads: heads, numGroups: 2, useNewAttentionOrder, generator: new Generator(5) }).to('float64');
      randomizeParameters(b, new Generator(6));
      return b;
    };
    const x = randn([1, 4, 2, 2], { dtype: 'float64', generator: new Generator(7) });
    assert.ok(maxAbsDiff(build(1, false).forward(x).dataSync(), build(1, true).forward(x).dataSync()) < 1e-12);
    assert.ok(maxAbsDiff(build(2, false).forward(x).dataSync(), build(2, true).forward(x).dataSync()) > 1e-3);
  });

  it('starts as the identity (proj_out is zero-initialised)', () => {
    const block = new AttentionBlock({ channels: 4, numGroups: 2, generator: new Generator(0) });
    const x = randn([2, 4, 3, 3], { generator: new Generator(1) });
    assert.deepEqual(block.forward(x).dataSync(), x.dataSync());
    assert.ok(block.projOut.weight.dataSync().every((v) => v === 0) && block.projOut.bias!.dataSync().every((v) => v === 0));
  });

  it('property: permuting the spatial positions permutes the output the same way', () => {
    check(fc.record({ seed: seedArb, heads: fc.constantFrom(1, 2), h: fc.integer({ min: 1, max: 3 }), w: fc.integer({ min: 2, max: 3 }), useNewAttentionOrder: fc.boolean() })
      .chain((r) => fc.record({ r: fc.constant(r), perm: fc.shuffledSubarray([...Array(r.h * r.w).keys()], { minLength: r.h * r.w, maxLength: r.h * r.w }) })),
    ({ r: { seed, heads, h, w, useNewAttentionOrder }, perm }) => {
      const g = new Generator(seed);
      const block = new AttentionBlock({ channels: 4, numHeads: heads, numGroups: 2, useNewAttentionOrder, generator: g }).to('float64');
      randomizeParameters(block, g);
      const x = randn([2, 4, h, w], { dtype: 'float64', generator: g });
      const permute = (t: Tensor): Tensor => t.reshape(2, 4, h * w).indexSelect(2, tensor(perm, { dtype: 'int32' })).reshape(2, 4, h, w);
      assert.ok(maxAbsDiff(block.forward(permute(x)).dataSync(), permute(block.forward(x)).dataSync()) < 1e-10);
    }, { numRuns: 10 });
  });

  it('takes heads as a count or as channels per head, and keeps guided-diffusion key names and shapes', () => {
    const byWidth = new AttentionBlock({ channels: 8, numHeadChannels: 2, numGroups: 2, generator: new Generator(0) });
    assert.equal(byWidth.numHeads, 4);
    assert.deepEqual(Object.entries(byWidth.stateDict()).map(([k, v]) => [k, v.shape]), [
      ['norm.weight', [8]], ['norm.bias', [8]], ['qkv.weight', [24, 8, 1]], ['qkv.bias', [24]], ['projOut.weight', [8, 8, 1]], ['projOut.bias', [8]],
    ]);
    assert.throws(() => new AttentionBlock({ channels: 8, numHeads: 3, numGroups: 2, generator: new Generator(0) }), /not divisible into 3 heads/);
    assert.throws(() => new AttentionBlock({ channels: 8, numHeadChannels: 3, numGroups: 2, generator: new Generator(0) }), /heads of 3 channels/);
  });

  it('gradcheck wrt input and all parameters', () => {
    const g = new Generator(3);
    const block = new AttentionBlock({ channels: 4, numHeads: 2, numGroups: 2, generator: g });
    gradcheckModule(block, [leaf([1, 4, 2, 2], g)], (x: Tensor) => block.forward(x), g);
  });
});
