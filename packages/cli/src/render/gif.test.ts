import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeGif } from './gif.ts';
import type { RgbaImage, Rgb } from './canvas.ts';

interface ParsedFrame {
  width: number;
  height: number;
  delayCs: number;
  localTable: boolean;
  pixels: Rgb[];
}

/** GIF LZW decoding (variable code size, clear and end codes), for checking what we wrote. */
function lzwDecode(minCodeSize: number, data: Uint8Array, count: number): number[] {
  const clear = 1 << minCodeSize, end = clear + 1;
  let dict: number[][] = [], size = minCodeSize + 1, prev: number[] | null = null, bit = 0;
  const reset = () => {
    dict = Array.from({ length: clear + 2 }, (_, i) => [i]);
    size = minCodeSize + 1;
    prev = null;
  };
  reset();
  const out: number[] = [];
  while (bit + size <= data.length * 8 && out.length < count) {
    let code = 0;
    for (let i = 0; i < size; i++, bit++) code |= ((data[bit >> 3]! >> (bit & 7)) & 1) << i;
    if (code === clear) { reset(); continue; }
    if (code === end) break;
    const p: number[] | null = prev;
    const entry: number[] = code < dict.length ? dict[code]! : p !== null && code === dict.length ? [...p, p[0]!] : assert.fail(`bad LZW code ${code}`);
    out.push(...entry);
    if (p !== null) dict.push([...p, entry[0]!]);
    prev = entry;
    if (dict.length === 1 << size && size < 12) size++;
  }
  return out;
}

/** Walk the GIF block structure: header, screen, tables, extensions, image descriptors. */
function parseGif(bytes: Uint8Array) {
  const u16 = (i: number) => bytes[i]! | (bytes[i + 1]! << 8);
  const header = String.fromCharCode(...bytes.subarray(0, 6));
  const width = u16(6), height = u16(8);
  let pos = 13;
  const readTable = (flags: number): Rgb[] => {
    const n = 2 << (flags & 7);
    const table = Array.from({ length: n }, (_, i): Rgb => [bytes[pos + 3 * i]!, bytes[pos + 3 * i + 1]!, bytes[pos + 3 * i + 2]!]);
    pos += 3 * n;
    return table;
  };
  const subBlocks = (): Uint8Array => {
    const parts: number[] = [];
    for (let len = bytes[pos++]!; len !== 0; len = bytes[pos++]!) parts.push(...bytes.subarray(pos, (pos += len)));
    return Uint8Array.from(parts);
  };
  const global = bytes[10]! & 0x80 ? readTable(bytes[10]!) : [];
  let loops = false, delayCs = 0;
  const frames: ParsedFrame[] = [];
  for (;;) {
    const block = bytes[pos++];
    if (block === 0x3b) break;
    if (block === 0x21) {
      const label = bytes[pos++]!;
      const body = subBlocks();
      if (label === 0xf9) delayCs = body[1]! | (body[2]! << 8);
      if (label === 0xff && String.fromCharCode(...body.subarray(0, 11)) === 'NETSCAPE2.0') loops = true;
    } else if (block === 0x2c) {
      const w = u16(pos + 4), h = u16(pos + 6), flags = bytes[pos + 8]!;
      pos += 9;
      const table = flags & 0x80 ? readTable(flags) : global;
      const minCodeSize = bytes[pos++]!;
      const indices = lzwDecode(minCodeSize, subBlocks(), w * h);
      frames.push({ width: w, height: h, delayCs, localTable: (flags & 0x80) !== 0, pixels: indices.map((i) => table[i]!) });
    } else {
      assert.fail(`unexpected block 0x${block?.toString(16)} at ${pos - 1}`);
    }
  }
  return { header, width, height, loops, frames };
}

const COLORS: Rgb[] = [[255, 0, 0], [0, 0, 255], [0, 255, 0], [255, 255, 255], [0, 0, 0]];

/** A w×h frame of vertical stripes, shifted by `shift`, in COLORS. */
function stripes(w: number, h: number, shift: number): RgbaImage {
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgba.set([...COLORS[(x + shift) % COLORS.length]!, 255], 4 * (y * w + x));
  return { width: w, height: h, rgba };
}
const rgbOf = (img: RgbaImage): Rgb[] => Array.from({ length: img.width * img.height }, (_, i): Rgb => [img.rgba[4 * i]!, img.rgba[4 * i + 1]!, img.rgba[4 * i + 2]!]);

describe('encodeGif', () => {
  for (const palette of ['global', 'per-frame'] as const) {
    it(`writes GIF89a with every frame's size, delay and exact colors (${palette} palette)`, () => {
      const frames = [0, 1, 2].map((k) => stripes(7, 4, k));
      const gif = parseGif(encodeGif(frames, { delayMs: 200, loop: true, palette }));
      assert.equal(gif.header, 'GIF89a');
      assert.deepEqual([gif.width, gif.height], [7, 4]);
      assert.equal(gif.loops, true);
      assert.equal(gif.frames.length, 3);
      gif.frames.forEach((f, k) => {
        assert.deepEqual([f.width, f.height, f.delayCs], [7, 4, 20]);
        assert.equal(f.localTable, palette === 'per-frame' && k > 0);
        assert.deepEqual(f.pixels, rgbOf(frames[k]!));
      });
    });
  }

  it('plays once without the NETSCAPE loop block, and accepts frames that are views into a larger buffer', () => {
    const big = new Uint8Array(3 + 2 * 5 * 3 * 4);
    const a = stripes(5, 3, 0), b = stripes(5, 3, 2);
    big.set(a.rgba, 3);
    big.set(b.rgba, 3 + a.rgba.length);
    const views = [{ width: 5, height: 3, rgba: big.subarray(3, 3 + a.rgba.length) }, { width: 5, height: 3, rgba: big.subarray(3 + a.rgba.length) }];
    const gif = parseGif(encodeGif(views, { loop: false }));
    assert.equal(gif.loops, false);
    assert.deepEqual(gif.frames.map((f) => f.pixels), [rgbOf(a), rgbOf(b)]);
  });

  it('rejects empty input, mismatched frames and bad options', () => {
    assert.throws(() => encodeGif([]), /encodeGif: need at least one frame, got 0/);
    assert.throws(() => encodeGif([stripes(4, 4, 0), stripes(4, 3, 0)]), /encodeGif: frame 1 is 4x3 but frame 0 is 4x4/);
    assert.throws(() => encodeGif([{ width: 2, height: 2, rgba: new Uint8Array(12) }]), /frame 0 is 2x2 RGBA, needs 16 bytes, got 12/);
    assert.throws(() => encodeGif([stripes(2, 2, 0)], { delayMs: -1 }), /delayMs must be in 0..655350, got -1/);
  });
});
