import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { arange, tensor } from './index.ts';

describe('toString, PyTorch style', () => {
  it('formats like torch', () => {
    assert.equal(tensor([[1, 2], [3, 4]]).toString(), 'tensor([[1., 2.],\n        [3., 4.]])');
    assert.equal(tensor([0.5, -1.25]).toString(), 'tensor([ 0.5000, -1.2500])');
    assert.equal(tensor(3, { dtype: 'float64' }).toString(), 'tensor(3., dtype=float64)');
    assert.equal(tensor([1], { requiresGrad: true }).toString(), 'tensor([1.], requiresGrad=true)');
    assert.equal(tensor([1], { requiresGrad: true }).mul(2).toString(), 'tensor([2.], gradFn=mul)');
    assert.equal(tensor([1e-6, 1]).toString(), 'tensor([1.0000e-06, 1.0000e+00])');
    assert.equal(tensor([1, 2], { dtype: 'int32' }).toString(), 'tensor([1, 2], dtype=int32)');
  });

  it('summarizes big tensors with ...', () => {
    const s = arange(2000).reshape(2, 1000).toString();
    assert.equal(s, 'tensor([[   0.,    1.,    2., ...,  997.,  998.,  999.],\n        [1000., 1001., 1002., ..., 1997., 1998., 1999.]])');
  });
});

describe('console.log and util.inspect', () => {
  it('print the tensor as String(t) does, not its storage or backend', () => {
    const t = tensor([[1, 2], [3, 4]]);
    assert.equal(inspect(t), String(t));
    assert.match(inspect({ t }), /^\{\n  t: tensor\(\[\[1\., 2\.\],/);
    assert.doesNotMatch(inspect(t), /storage|backend|Kernels/);
  });

  it('a disposed tensor prints its shape instead of throwing', () => {
    const t = tensor([1, 2, 3]);
    t.dispose();
    assert.equal(inspect(t), 'tensor(<disposed>, shape=[3], dtype=float32)');
  });
});
