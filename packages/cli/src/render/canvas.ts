/**
 * A minimal RGBA raster: pixels, rectangles, clipped Bresenham lines and bitmap text. Everything
 * is opaque (no blending), so every drawn pixel has exactly the color it was drawn with.
 */
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.ts';

/** An 8-bit RGB color. */
export type Rgb = readonly [number, number, number];

/** Row-major 8-bit RGBA pixels, 4 bytes per pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** An inclusive pixel rectangle. */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export function createImage(width: number, height: number, background: Rgb = [255, 255, 255]): RgbaImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`createImage: size must be positive integers, got ${width}x${height}`);
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i += 4) {
    rgba[i] = background[0];
    rgba[i + 1] = background[1];
    rgba[i + 2] = background[2];
    rgba[i + 3] = 255;
  }
  return { width, height, rgba };
}

/** Set one pixel; coordinates outside the image are ignored. */
export function setPixel(img: RgbaImage, x: number, y: number, color: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = 4 * (y * img.width + x);
  img.rgba[i] = color[0];
  img.rgba[i + 1] = color[1];
  img.rgba[i + 2] = color[2];
  img.rgba[i + 3] = 255;
}

/** The RGB color at (x, y). */
export function getPixel(img: RgbaImage, x: number, y: number): Rgb {
  const i = 4 * (y * img.width + x);
  return [img.rgba[i]!, img.rgba[i + 1]!, img.rgba[i + 2]!];
}

/** Fill the inclusive rectangle `box`, clipped to the image. */
export function fillBox(img: RgbaImage, box: Box, color: Rgb): void {
  for (let y = Math.max(0, box.top); y <= Math.min(img.height - 1, box.bottom); y++) {
    for (let x = Math.max(0, box.left); x <= Math.min(img.width - 1, box.right); x++) setPixel(img, x, y, color);
  }
}

/**
 * Clip the segment (x0,y0)–(x1,y1) to `box` (Liang–Barsky 1984). Returns the clipped endpoints, or
 * null when the segment misses the box. Works in continuous coordinates, before any rounding, so
 * far-away endpoints never turn into long pixel loops.
 */
export function clipSegment(x0: number, y0: number, x1: number, y1: number, box: Box): [number, number, number, number] | null {
  const dx = x1 - x0, dy = y1 - y0;
  let t0 = 0, t1 = 1;
  const edges: [number, number][] = [
    [-dx, x0 - box.left],
    [dx, box.right - x0],
    [-dy, y0 - box.top],
    [dy, box.bottom - y0],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return null; // parallel to this edge and outside it
    } else {
      const r = q / p;
      if (p < 0) t0 = Math.max(t0, r);
      else t1 = Math.min(t1, r);
      if (t0 > t1) return null;
    }
  }
  return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
}

/**
 * A 1-pixel line from (x0,y0) to (x1,y1), clipped to `clip` (default: the image), rasterized with
 * Bresenham's algorithm (Bresenham 1965). Endpoints are rounded to the nearest pixel. Non-finite
 * endpoints draw nothing.
 */
export function drawLine(img: RgbaImage, x0: number, y0: number, x1: number, y1: number, color: Rgb, clip?: Box): void {
  if (![x0, y0, x1, y1].every(Number.isFinite)) return;
  const box = clip ?? { left: 0, top: 0, right: img.width - 1, bottom: img.height - 1 };
  // Clip half a pixel outside the box so rounding keeps endpoints that sit on its edge.
  const c = clipSegment(x0, y0, x1, y1, { left: box.left - 0.5, top: box.top - 0.5, right: box.right + 0.49, bottom: box.bottom + 0.49 });
  if (c === null) return;
  let x = Math.round(c[0]), y = Math.round(c[1]);
  const xEnd = Math.round(c[2]), yEnd = Math.round(c[3]);
  const dx = Math.abs(xEnd - x), dy = -Math.abs(yEnd - y);
  const sx = x < xEnd ? 1 : -1, sy = y < yEnd ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    if (x >= box.left && x <= box.right && y >= box.top && y <= box.bottom) setPixel(img, x, y, color);
    if (x === xEnd && y === yEnd) return;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

/**
 * Draw `text` with the bitmap font, its top-left corner at (x, y). With `vertical`, the text is
 * rotated a quarter turn counter-clockwise (read bottom to top, as y-axis labels are), and (x, y)
 * is its bottom-left corner.
 */
export function drawText(img: RgbaImage, x: number, y: number, text: string, color: Rgb, { vertical = false } = {}): void {
  let pen = 0;
  for (const ch of text) {
    const rows = glyph(ch);
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      const bits = rows[r]!;
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if ((bits & (1 << (GLYPH_WIDTH - 1 - c))) === 0) continue;
        if (vertical) setPixel(img, x + r, y - pen - c, color);
        else setPixel(img, x + pen + c, y + r, color);
      }
    }
    pen += GLYPH_ADVANCE;
  }
}
