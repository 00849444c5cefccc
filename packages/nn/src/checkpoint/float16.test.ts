import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bfloat16ToFloat32, float16ToFloat32, FLOAT16_MAX, toFloat16, toFloat16Bits } from './float16.ts';

const f16 = (h: number): number => float16ToFloat32(Uint16Array.of(h))[0]!;
const bf16 = (h: number): number => bfloat16ToFloat32(Uint16Array.of(h))[0]!;
const f32Bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('float16ToFloat32', () => {
  it('decodes known F16 bit patterns: ±0, subnormals, normals, max, ±inf', () => {
    const known: [number, number][] = [
      [0x0000, 0], [0x8000, -0],
      [0x0001, 2 ** -24], [0x8001, -(2 ** -24)], [0x03ff, 1023 * 2 ** -24], // smallest and largest subnormal
      [0x0400, 2 ** -14], // smallest normal
      [0x3c00, 1], [0x3c01, 1 + 2 ** -10], [0xc000, -2], [0x3555, 0.333251953125], [0x4248, 3.140625],
      [0x7bff, 65504], [0xfbff, -65504],
      [0x7c00, Infinity], [0xfc00, -Infinity],
    ];
    for (const [h, v] of known) assert.ok(Object.is(f16(h), v), `0x${h.toString(16)} → ${f16(h)}, expected ${v}`);
    assert.equal(FLOAT16_MAX, f16(0x7bff));
  });

  it('keeps NaN: sign and payload bits (quiet and signalling)', () => {
    assert.deepEqual(f32Bits(float16ToFloat32(Uint16Array.of(0x7e00, 0xfe00, 0x7c01, 0x7fff))), [0x7fc00000, 0xffc00000, 0x7f802000, 0x7fffe000]);
    assert.ok(Number.isNaN(f16(0x7c01)));
  });

  it('every F16 value: monotone in its bits, and `toFloat16Bits` gives the bits back (all 65,536, NaN aside)', () => {
    const all = float16ToFloat32(Uint16Array.from({ length: 65536 }, (_, h) => h));
    for (let h = 0; h < 65536; h++) {
      const v = all[h]!;
      if (Number.isNaN(v)) {
        assert.ok((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0, `0x${h.toString(16)} is NaN`);
        continue;
      }
      assert.equal(toFloat16Bits(v), h, `0x${h.toString(16)} = ${v}`);
      const magnitude = h & 0x7fff;
      if (magnitude > 0 && magnitude <= 0x7c00) assert.ok(Math.abs(all[h - 1]!) < Math.abs(v), `0x${h.toString(16)} above its predecessor`);
    }
  });
});

describe('bfloat16ToFloat32', () => {
  it('decodes known BF16 bit patterns: the upper half of a float32', () => {
    const known: [number, number][] = [
      [0x0000, 0], [0x8000, -0], [0x3f80, 1], [0xbf80, -1], [0x4049, 3.140625], [0x3e80, 0.25],
      [0x0001, 2 ** -133], // the smallest BF16 subnormal, a float32 subnormal
      [0x0080, 2 ** -126], // smallest normal
      [0x7f7f, (2 - 2 ** -7) * 2 ** 127], // largest finite
      [0x7f80, Infinity], [0xff80, -Infinity],
    ];
    for (const [h, v] of known) assert.ok(Object.is(bf16(h), v), `0x${h.toString(16)} → ${bf16(h)}, expected ${v}`);
    assert.deepEqual(f32Bits(bfloat16ToFloat32(Uint16Array.of(0x7fc0, 0xffc1, 0x7f81))), [0x7fc00000, 0xffc10000, 0x7f810000]);
  });

  it('is exact: the float32 of every BF16 pattern has those bits on top and zeros below', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (h) => {
        assert.equal(f32Bits(bfloat16ToFloat32(Uint16Array.of(h)))[0], (h << 16) >>> 0);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('toFloat16Bits', () => {
  it('rounds to nearest, ties to even, with overflow to ±inf and gradual underflow', () => {
    const known: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [0, 0x0000], [-0, 0x8000],
      [1 + 2 ** -11, 0x3c00], // tie: to the even fraction 0
      [1 + 3 * 2 ** -11, 0x3c02], // tie between fractions 1 and 2: to 2
      [1 + 2 ** -11 + 2 ** -30, 0x3c01], // just past the tie: up
      [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00], [-65520, 0xfc00], [1e6, 0x7c00], [Infinity, 0x7c00], [-Infinity, 0xfc00],
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [-(2 ** -25), 0x8000], [2 ** -25 * 1.0001, 0x0001], [3 * 2 ** -25, 0x0002],
      [2 ** -14 - 2 ** -25, 0x0400], // a tie between the largest subnormal (odd) and the smallest normal: up
      [1e-10, 0x0000], [0.1, 0x2e66], [1 / 3, 0x3555],
    ];
    for (const [x, h] of known) assert.equal(toFloat16Bits(x), h, `${x} → 0x${toFloat16Bits(x).toString(16)}, expected 0x${h.toString(16)}`);
    assert.equal(toFloat16Bits(NaN), 0x7e00);
  });

  it('gives the nearest F16 to any double, and the even one on a tie', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: -65519, max: 65519 }), (x) => {
        const h = toFloat16Bits(x), y = f16(h);
        const up = f16((h & 0x7fff) === 0x7bff ? h : h + 1), down = (h & 0x7fff) === 0 ? -y : f16(h - 1);
        const error = Math.abs(x - y);
        assert.ok(error <= Math.abs(x - up) && error <= Math.abs(x - down), `${x} → ${y} (neighbours ${down}, ${up})`);
        if ((error === Math.abs(x - up) && up !== y) || (error === Math.abs(x - down) && down !== y)) assert.equal(h & 1, 0, `tie at ${x} should go to even`);
      }),
      { seed: 42, numRuns: 2000 },
    );
  });

  it('round-trips float32 values within half an F16 spacing: relative 2⁻¹¹ in the normal range', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true, min: -65504, max: 65504 }), (x) => {
        const y = float16ToFloat32(toFloat16([x]))[0]!;
        const spacing = Math.abs(x) < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 10);
        assert.ok(Math.abs(x - y) <= spacing / 2 * (1 + 1e-12), `${x} → ${y}`);
        assert.equal(toFloat16Bits(y), toFloat16Bits(x), 'rounding is idempotent');
        if (y !== 0) assert.equal(Math.sign(y), Math.sign(x));
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});
