import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mul, tensor, Generator, type Tensor } from '../index.ts';
import { record } from '../autograd.ts';
import { wrap } from '../ops/internal.ts';
import { gradcheck, GradcheckError, leaf } from './index.ts';

/** x² with a deliberately wrong derivative (x instead of 2x): gradcheck must catch it. */
function wrongSquare(x: Tensor): Tensor {
  const out = wrap(x, x.backend.binary('mul', x, x, x.shape), x.shape);
  return record('wrongSquare', [x], out, (dy) => [mul(dy, x)]);
}

describe('gradcheck', () => {
  it('accepts a correct gradient in both modes', () => {
    const g = new Generator(1);
    assert.equal(gradcheck((x) => mul(x, x), [leaf([3, 4], g)], { mode: 'elementwise' }), true);
    assert.equal(gradcheck((x) => mul(x, x), [leaf([30, 40], g)], { mode: 'direction' }), true);
  });

  it('rejects a wrong gradient in both modes, naming the input', () => {
    const g = new Generator(2);
    assert.throws(() => gradcheck(wrongSquare, [leaf([3], g)], { mode: 'elementwise' }), (e: unknown) => e instanceof GradcheckError && /input 0/.test(e.message));
    assert.throws(() => gradcheck(wrongSquare, [leaf([50], g)], { mode: 'direction' }), GradcheckError);
  });

  it('rejects float32 inputs and calls with nothing to check', () => {
    assert.throws(() => gradcheck((x) => x, [tensor([1], { requiresGrad: true })]), /float64/);
    assert.throws(() => gradcheck((x) => x, [tensor([1], { dtype: 'float64' })]), /no input requires grad/);
  });

  it('checks a gradient that is missing entirely (an op that records nothing)', () => {
    const detached = (x: Tensor) => mul(x.detach(), x.detach());
    assert.throws(() => gradcheck(detached, [leaf([2], new Generator(3))]), GradcheckError);
  });
});
