import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sleb128, uleb128 } from './encoding.ts';
import { Code, i32 } from './code.ts';
import { ModuleBuilder } from './module.ts';

/** Decode LEB128 the way the spec reads it (§5.2.2). */
function decode(bytes: readonly number[], signed: boolean): number {
  let result = 0, scale = 1, i = 0, byte: number;
  do {
    byte = bytes[i++]!;
    result += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  if (signed && byte & 0x40) result -= scale;
  return result;
}

describe('LEB128', () => {
  it('matches the spec examples', () => {
    assert.deepEqual(uleb128(0), [0x00]);
    assert.deepEqual(uleb128(127), [0x7f]);
    assert.deepEqual(uleb128(128), [0x80, 0x01]);
    assert.deepEqual(uleb128(624485), [0xe5, 0x8e, 0x26]);
    assert.deepEqual(sleb128(-1), [0x7f]);
    assert.deepEqual(sleb128(63), [0x3f]);
    assert.deepEqual(sleb128(64), [0xc0, 0x00]);
    assert.deepEqual(sleb128(-64), [0x40]);
    assert.deepEqual(sleb128(-123456), [0xc0, 0xbb, 0x78]);
  });
  it('round-trips every 32-bit value', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => decode(uleb128(n), false) === n), { seed: 5 });
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => decode(sleb128(n), true) === n), { seed: 5 });
  });
});

describe('ModuleBuilder', () => {
  it('emits a valid module whose functions run and call each other', () => {
    const mod = new ModuleBuilder({ module: 'env', name: 'memory', initial: 1, maximum: 2, shared: true });
    // square(x) = x·x; sumSquares(n) = Σ_{i<n} square(i), with a loop and a call.
    const square = new Code([i32], [i32]);
    square.localGet(0).localGet(0).i32Mul();
    const squareIndex = mod.declare(null, square);
    const sum = new Code([i32], [i32]);
    const i = sum.local(i32), total = sum.local(i32);
    sum.while(() => sum.localGet(i).localGet(0).i32LtS(), () => {
      sum.localGet(total).localGet(i).call(squareIndex).i32Add().localSet(total);
      sum.localGet(i).i32Const(1).i32Add().localSet(i);
    });
    sum.localGet(total);
    mod.declare('sumSquares', sum);
    const bytes = mod.toBytes();
    assert.ok(WebAssembly.validate(bytes));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    assert.equal((exports.sumSquares as (n: number) => number)(10), 285);
  });
});
