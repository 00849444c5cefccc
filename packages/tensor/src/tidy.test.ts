import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gpuMemory, initGpu, keep, shutdownGpu, tensor, tidy, type Tensor } from './index.ts';
import { installNodeWebGPU } from './webgpu-node.ts';

describe('tidy and keep (device memory scopes)', () => {
  before(async () => {
    installNodeWebGPU();
    await initGpu();
  });
  after(() => shutdownGpu());
  const live = () => gpuMemory().buffers;
  // A kernel holds its inputs until it has been submitted; reading the last result waits for that.
  const settle = async (...ts: Tensor[]) => { await Promise.all(ts.map((t) => t.data())); };

  it('disposes what the scope made, keeps what it returns, and the result stays readable', async () => {
    const x = tensor([1, 2, 3]).to('gpu');
    const before = live();
    const y = tidy(() => x.mul(2).add(1).exp().log());
    assert.deepEqual([...await y.data()].map((v) => Math.round(v * 1e4) / 1e4), [3, 5, 7]);
    assert.equal(live(), before + 1, 'only the returned tensor is left');
    y.dispose();
    assert.equal(live(), before);
    x.dispose();
  });

  it('returns tensors inside arrays and objects, keeps `keep`ed ones, and hands results to the enclosing scope', async () => {
    const before = live();
    let kept: Tensor | null = null, second: Tensor | null = null;
    const outer = tidy(() => {
      const inner = tidy(() => {
        const a = tensor([1, 2]).to('gpu');
        kept = keep(a.mul(3));
        return { pair: [a.add(1), a.sub(1)] };
      });
      second = inner.pair[1]!; // returned by the inner scope, not by the outer: disposed with it
      return inner.pair[0]!;
    });
    await settle(outer, kept!);
    assert.equal(live(), before + 2, 'the returned tensor and the kept one');
    assert.throws(() => second!.exp(), /disposed tensor/);
    outer.dispose();
    kept!.dispose();
    assert.equal(live(), before);
  });

  it('a disposed tensor cannot be used, and tidy refuses an async function', () => {
    let escaped: Tensor | null = null;
    tidy(() => { escaped = tensor([1]).to('gpu').add(1); });
    assert.throws(() => escaped!.add(1), /disposed tensor/);
    assert.throws(() => tidy(async () => 1), /tidy: the function returned a Promise/);
  });

  it('records nothing on js: its tensors are ordinary JavaScript memory', () => {
    let escaped: Tensor | null = null;
    tidy(() => { escaped = tensor([1, 2]).add(1); });
    assert.deepEqual([...escaped!.dataSync()], [2, 3]);
  });
});
