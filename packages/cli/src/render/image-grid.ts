/**
 * Tile a batch of images into one picture, as torchvision's `make_grid` + `save_image` do, and
 * encode pictures as PNG.
 */
import { encode } from 'fast-png';
import type { RgbaImage } from './canvas.ts';

export interface ImageGridOptions {
  /** Images per row (default 8, as torchvision). */
  nrow?: number;
  /** Pixels between and around images (default 2). */
  padding?: number;
  /** The value range mapped to 0..255 (default [-1, 1], the range diffusion models sample in). */
  range?: [number, number];
  /** Gray level 0..255 of the padding (default 0, black). */
  padValue?: number;
}

/**
 * Tile `images` [n, c, h, w] (c = 1 for gray, 3 for RGB) into a grid of `nrow` columns with
 * `padding` pixels between and around the tiles, like torchvision's `make_grid`. Each value v maps
 * to round(255 · (v − lo) / (hi − lo)) clamped to 0..255; NaN maps to 0.
 */
export function imageGrid(images: Float32Array, shape: [number, number, number, number], options: ImageGridOptions = {}): RgbaImage {
  const [n, c, h, w] = shape;
  const { nrow = 8, padding = 2, range = [-1, 1], padValue = 0 } = options;
  if (!shape.every((d) => Number.isInteger(d) && d >= 1)) throw new RangeError(`imageGrid: shape must be positive integers [n, c, h, w], got [${shape.join(', ')}]`);
  if (c !== 1 && c !== 3) throw new RangeError(`imageGrid: channels must be 1 (gray) or 3 (RGB), got ${c} in shape [${shape.join(', ')}]`);
  if (images.length !== n * c * h * w) throw new RangeError(`imageGrid: shape [${shape.join(', ')}] needs ${n * c * h * w} values, got ${images.length}`);
  if (!Number.isInteger(nrow) || nrow < 1) throw new RangeError(`imageGrid: nrow must be a positive integer, got ${nrow}`);
  if (!Number.isInteger(padding) || padding < 0) throw new RangeError(`imageGrid: padding must be a non-negative integer, got ${padding}`);
  const [lo, hi] = range;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new RangeError(`imageGrid: range must be finite with lo < hi, got [${lo}, ${hi}]`);
  if (!Number.isInteger(padValue) || padValue < 0 || padValue > 255) throw new RangeError(`imageGrid: padValue must be an integer in 0..255, got ${padValue}`);

  const cols = Math.min(nrow, n), rows = Math.ceil(n / cols);
  const width = cols * (w + padding) + padding, height = rows * (h + padding) + padding;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i += 4) rgba.fill(padValue, i, i + 3).fill(255, i + 3, i + 4);

  const scale = 255 / (hi - lo);
  const toByte = (v: number): number => (v >= lo ? (v <= hi ? Math.floor((v - lo) * scale + 0.5) : 255) : 0); // NaN fails both tests → 0
  const plane = h * w;
  for (let k = 0; k < n; k++) {
    const x0 = padding + (k % cols) * (w + padding), y0 = padding + Math.floor(k / cols) * (h + padding);
    const base = k * c * plane;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = base + y * w + x;
        const dst = 4 * ((y0 + y) * width + x0 + x);
        const r = toByte(images[src]!);
        rgba[dst] = r;
        rgba[dst + 1] = c === 3 ? toByte(images[src + plane]!) : r;
        rgba[dst + 2] = c === 3 ? toByte(images[src + 2 * plane]!) : r;
      }
    }
  }
  return { width, height, rgba };
}

/** Encode an RGBA image as an 8-bit PNG file. */
export function encodePng(img: RgbaImage): Uint8Array {
  if (img.rgba.length !== img.width * img.height * 4) {
    throw new RangeError(`encodePng: ${img.width}x${img.height} RGBA needs ${img.width * img.height * 4} bytes, got ${img.rgba.length}`);
  }
  return encode({ width: img.width, height: img.height, data: img.rgba, channels: 4, depth: 8 });
}
