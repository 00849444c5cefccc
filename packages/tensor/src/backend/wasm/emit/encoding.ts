/**
 * Byte-level encodings of the WebAssembly binary format (spec §5.2): LEB128 integers, IEEE floats,
 * names and length-prefixed vectors. Everything here returns plain `number[]` byte lists.
 */

/** Unsigned LEB128: 7 bits per byte, low bits first, high bit set on every byte but the last. */
export function uleb128(value: number): number[] {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`uleb128: ${value} is not a non-negative integer`);
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 (two's complement): stop once the remaining value is all sign bits. */
export function sleb128(value: number): number[] {
  if (!Number.isInteger(value)) throw new RangeError(`sleb128: ${value} is not an integer`);
  const out: number[] = [];
  for (;;) {
    const byte = ((value % 128) + 128) % 128; // low 7 bits, also for negative values
    value = Math.floor(value / 128); // arithmetic shift right by 7
    const signBitSet = (byte & 0x40) !== 0;
    if ((value === 0 && !signBitSet) || (value === -1 && signBitSet)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** A 32-bit float, little-endian. */
export function f32Bytes(value: number): number[] {
  return [...new Uint8Array(new Float32Array([value]).buffer)];
}

/** A 64-bit float, little-endian. */
export function f64Bytes(value: number): number[] {
  return [...new Uint8Array(new Float64Array([value]).buffer)];
}

/** A name: its UTF-8 length, then its UTF-8 bytes. */
export function name(text: string): number[] {
  const utf8 = [...new TextEncoder().encode(text)];
  return [...uleb128(utf8.length), ...utf8];
}

/** A vector: its element count, then the elements' bytes. */
export function vec(items: readonly (readonly number[])[]): number[] {
  return [...uleb128(items.length), ...items.flat()];
}

/** A section: its id, its byte size, then its contents. */
export function section(id: number, contents: readonly number[]): number[] {
  return [id, ...uleb128(contents.length), ...contents];
}
