import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tensor, type Tensor } from '@diffusion-ts/tensor';
import { runSteps } from './step-loop.ts';

// The gpu side (each step's memory released, the caller's x kept, nothing left but the result) is
// test/gpu-memory.test.ts; on js nothing is released, so everything a step handed out stays usable.
describe('runSteps', () => {
  it('threads the state through the steps, with the step index', () => {
    const seen: number[] = [];
    const x = runSteps(tensor([1, 2]), 3, (x, i) => { seen.push(i); return x.mul(2).add(i); });
    assert.deepEqual(seen, [0, 1, 2]);
    assert.deepEqual([...x.dataSync()], [12, 20]); // ((2x)·2 + 1)·2 + 2
  });

  it('carries a multistep history, and zero steps return the initial state', () => {
    const initial: { x: Tensor; previous: Tensor | null } = { x: tensor([1]), previous: null };
    const out = runSteps(initial, 2, ({ x, previous }) => ({ x: x.add(previous ?? 0), previous: x }));
    assert.deepEqual([...out.x.dataSync(), ...out.previous!.dataSync()], [2, 1]);
    assert.equal(runSteps(initial, 0, () => { throw new Error('no step expected'); }), initial);
  });

  it('on js releases nothing: the caller\'s x and what the steps handed out stay readable', () => {
    const x0 = tensor([1, 2]);
    const handedOut: Tensor[] = [];
    runSteps(x0, 3, (x) => { const next = x.add(1); handedOut.push(x, next); return next; });
    assert.deepEqual([...x0.dataSync()], [1, 2]);
    assert.deepEqual(handedOut.map((t) => t.dataSync()[0]), [1, 2, 2, 3, 3, 4]);
  });
});
