/**
 * Half-precision floats, as safetensors stores them (dtypes F16 and BF16), converted to and from
 * float32 without a library.
 *
 * F16 is IEEE 754 binary16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits; exponent 0
 * holds ±0 and the subnormals m·2⁻²⁴, exponent 31 holds ±∞ (fraction 0) and NaN. Largest finite
 * value 65504. BF16 (bfloat16) is the upper half of a float32: 1 sign, 8 exponent, 7 fraction bits.
 *
 * Every F16 and BF16 value is exactly a float32, so decoding is exact; NaN keeps its sign and payload
 * bits. Encoding rounds to nearest, ties to even, as IEEE 754 (and PyTorch's `.half()`) do: magnitudes
 * from 65520 up overflow to ±∞, those below 2⁻¹⁴ become subnormals (or ±0 below 2⁻²⁵).
 */

/** The largest finite F16 value: (2 − 2⁻¹⁰)·2¹⁵. */
export const FLOAT16_MAX = 65504;

let f16Table: Uint32Array | undefined;

/** The float32 bits of each of the 65,536 F16 values, built on first use (256 KB). */
function float16Table(): Uint32Array {
  if (f16Table !== undefined) return f16Table;
  const table = new Uint32Array(65536);
  const f32 = new Float32Array(1), f32Bits = new Uint32Array(f32.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, fraction = h & 0x3ff;
    if (exponent === 0) {
      f32[0] = fraction * 2 ** -24; // a subnormal (or zero) of F16 is a normal float32: exact
      table[h] = (sign | f32Bits[0]!) >>> 0;
    } else if (exponent === 31) {
      table[h] = (sign | 0x7f800000 | (fraction << 13)) >>> 0; // ±∞, or NaN with its payload
    } else {
      table[h] = (sign | ((exponent - 15 + 127) << 23) | (fraction << 13)) >>> 0;
    }
  }
  f16Table = table;
  return table;
}

/** F16 bit patterns → float32 values (exact). */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const table = float16Table();
  const out = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!;
  return new Float32Array(out.buffer);
}

/** BF16 bit patterns → float32 values (exact): each is the upper 16 bits of its float32. */
export function bfloat16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = bits[i]! << 16 >>> 0;
  return new Float32Array(out.buffer);
}

/** Round v ≥ 0 to the nearest integer, ties to even. Exact for the v formed below (below 2²⁵, few fraction bits). */
function roundHalfEven(v: number): number {
  const floor = Math.floor(v), rest = v - floor;
  if (rest !== 0.5) return rest < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The F16 bit pattern nearest to `x` (any double, so a float64 is rounded once, not twice), ties to
 * even. NaN becomes the quiet NaN 0x7e00 (JavaScript numbers do not keep a NaN's payload).
 */
export function toFloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  // FLOAT16_MAX + half its spacing (32 / 2) is a tie between 65504 (odd fraction) and 2¹⁶: it goes up, to ∞.
  if (a >= 65520) return sign | 0x7c00;
  // Below 2⁻¹⁴ the spacing is 2⁻²⁴ throughout; a result of 1024 is the smallest normal, 0x0400, correctly.
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2 may be off by one next to a power of two
  else if (2 ** (e + 1) <= a) e++;
  // a = (m / 1024)·2^e with m in [1024, 2048]; m = 2048 carries into the exponent through the addition.
  const m = roundHalfEven((a / 2 ** e) * 1024);
  return sign | (((e + 15) << 10) + (m - 1024));
}

/** Values → F16 bit patterns (`toFloat16Bits` each). */
export function toFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]!);
  return out;
}
