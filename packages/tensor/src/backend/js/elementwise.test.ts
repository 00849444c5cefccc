import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BinaryCode, UnaryCode } from '../kernels.ts';
import { binary, binaryFns, unary, unaryFns } from './elementwise.ts';

// The inline loops of the js backend against its scalar specification, code by code, on values
// that include the edge cases (±0, ±Inf, NaN, ties) and both broadcasting layouts.
const values = [-3.5, -1, -0, 0, 0.25, 1, 2, Infinity, -Infinity, NaN];

describe('js elementwise loops match the scalar tables', () => {
  it('unary', () => {
    for (const code of Object.keys(unaryFns) as UnaryCode[]) {
      const out = unary(code, { buf: Float64Array.from(values), shape: [values.length], dtype: 'float64' });
      values.forEach((v, i) => assert.ok(Object.is(out[i], unaryFns[code](v)), `${code}(${v}) = ${out[i]}, want ${unaryFns[code](v)}`));
    }
  });

  it('binary, same shape and broadcast rows', () => {
    const n = values.length;
    const a = Float64Array.from({ length: n * n }, (_, i) => values[Math.floor(i / n)]!);
    const row = Float64Array.from(values);
    for (const code of Object.keys(binaryFns) as BinaryCode[]) {
      const full = binary(code, { buf: a, shape: [n, n], dtype: 'float64' }, { buf: Float64Array.from({ length: n * n }, (_, i) => values[i % n]!), shape: [n, n], dtype: 'float64' }, [n, n]);
      const bcast = binary(code, { buf: a, shape: [n, n], dtype: 'float64' }, { buf: row, shape: [n], dtype: 'float64' }, [n, n]);
      for (let i = 0; i < n * n; i++) {
        const want = binaryFns[code](values[Math.floor(i / n)]!, values[i % n]!);
        assert.ok(Object.is(full[i], want) && Object.is(bcast[i], want), `${code}(${values[Math.floor(i / n)]}, ${values[i % n]})`);
      }
    }
  });
});
