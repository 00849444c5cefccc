import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TypedArray, View } from '../kernels.ts';
import { jsKernels } from '../js/index.ts';
import { wasmKernels } from './wasm-kernels.ts';

/** exp's edges: NaN, ±∞, ±0, denormals, both clamps (−104, 89) and past them, and a sweep across the finite range. */
const edges = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1e-38, 88.72, 89, 89.5, 100, 3e38, -87.3, -103.97, -104, -104.5, -150, -3e38];
const sweep = Array.from({ length: 600 }, (_, i) => -110 + 0.343 * i);

describe('generated SIMD exp and what uses it', () => {
  it('exp, sigmoid and silu agree with js within 1e-6 at the edges (NaN stays NaN, ±∞ and both clamps) and across the range', () => {
    const x = Float32Array.from([...edges, ...sweep, ...edges.map((v) => -v)]);
    const view = (buf: TypedArray): View<TypedArray> => ({ buf, shape: [x.length], dtype: 'float32' });
    for (const code of ['exp', 'sigmoid', 'silu'] as const) {
      const got = wasmKernels.unary(code, view(x)) as Float32Array, want = jsKernels.unary(code, view(x));
      for (let i = 0; i < x.length; i++) {
        const a = got[i]!, b = want[i]!;
        if (!(Object.is(a, b) || Math.abs(a - b) <= 1e-6 * (1 + Math.abs(b)))) assert.fail(`${code}(${x[i]}) = ${a}, want ${b}`);
      }
      wasmKernels.dispose(got);
    }
  });
});
