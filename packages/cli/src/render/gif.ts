/**
 * Animated GIFs (trajectories, videos) through gifenc: each frame's RGBA is quantized to at most
 * 256 colors, either one palette for the whole animation (stable colors across frames) or one
 * palette per frame (better colors when frames differ a lot).
 */
import gifencDefault, * as gifencNamed from 'gifenc';
import type { GifPalette } from 'gifenc';
import type { RgbaImage } from './canvas.ts';

// Node loads gifenc's CommonJS build, whose exports arrive as the default import; a bundler picks
// its ESM build, which has named exports.
const gifenc = typeof gifencNamed.GIFEncoder === 'function' ? gifencNamed : gifencDefault;

export interface GifOptions {
  /** Delay between frames in milliseconds (GIF stores hundredths of a second; default 100). */
  delayMs?: number;
  /** Loop forever (default) or play once. */
  loop?: boolean;
  /** One palette for all frames (default) or one per frame. */
  palette?: 'global' | 'per-frame';
  /** Colors per palette, 2..256 (default 256). */
  maxColors?: number;
}

/** gifenc views `rgba.buffer` from offset 0 as 32-bit words, so give it an array that owns its buffer. */
const ownBuffer = (rgba: Uint8Array): Uint8Array => (rgba.byteOffset === 0 && rgba.byteLength === rgba.buffer.byteLength ? rgba : rgba.slice());

/** Encode frames of equal size as an animated GIF (GIF89a) and return its bytes. */
export function encodeGif(frames: readonly RgbaImage[], options: GifOptions = {}): Uint8Array {
  const { delayMs = 100, loop = true, palette = 'global', maxColors = 256 } = options;
  const first = frames[0];
  if (first === undefined) throw new RangeError('encodeGif: need at least one frame, got 0');
  const { width, height } = first;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 65535 || height > 65535) {
    throw new RangeError(`encodeGif: frame size must be integers in 1..65535, got ${width}x${height}`);
  }
  frames.forEach((f, i) => {
    if (f.width !== width || f.height !== height) throw new RangeError(`encodeGif: frame ${i} is ${f.width}x${f.height} but frame 0 is ${width}x${height}`);
    if (f.rgba.length !== width * height * 4) throw new RangeError(`encodeGif: frame ${i} is ${width}x${height} RGBA, needs ${width * height * 4} bytes, got ${f.rgba.length}`);
  });
  if (!(Number.isFinite(delayMs) && delayMs >= 0 && delayMs <= 655350)) throw new RangeError(`encodeGif: delayMs must be in 0..655350, got ${delayMs}`);
  if (!Number.isInteger(maxColors) || maxColors < 2 || maxColors > 256) throw new RangeError(`encodeGif: maxColors must be an integer in 2..256, got ${maxColors}`);

  const pixels = frames.map((f) => ownBuffer(f.rgba));
  let shared: GifPalette | undefined;
  if (palette === 'global') {
    const all = new Uint8Array(pixels.reduce((n, p) => n + p.length, 0));
    pixels.reduce((offset, p) => (all.set(p, offset), offset + p.length), 0);
    shared = gifenc.quantize(all, maxColors);
  }

  const gif = gifenc.GIFEncoder();
  pixels.forEach((rgba, i) => {
    const colors = shared ?? gifenc.quantize(rgba, maxColors);
    const index = gifenc.applyPalette(rgba, colors);
    // The first frame's palette becomes the global table; later frames only need their own.
    gif.writeFrame(index, width, height, { palette: i === 0 || palette === 'per-frame' ? colors : undefined, delay: delayMs, repeat: loop ? 0 : -1 });
  });
  gif.finish();
  return gif.bytes();
}
