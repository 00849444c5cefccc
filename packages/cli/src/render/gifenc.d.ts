/**
 * Minimal typings for gifenc 1.0.3 (https://github.com/mattdesl/gifenc), which ships none.
 * Only what render/gif.ts uses is declared.
 */
declare module 'gifenc' {
  /** Colors as [r, g, b] (or [r, g, b, a] with the rgba4444 format), 256 at most. */
  export type GifPalette = number[][];
  export type GifColorFormat = 'rgb565' | 'rgb444' | 'rgba4444';

  export interface GifFrameOptions {
    /** Required on the first frame (it becomes the global table); on later frames, a local table. */
    palette?: GifPalette;
    /** Frame delay in milliseconds (stored in hundredths of a second). */
    delay?: number;
    /** -1: play once; 0: loop forever; n > 0: loop n times. Read from the first frame only. */
    repeat?: number;
    transparent?: boolean;
    transparentIndex?: number;
    colorDepth?: number;
    dispose?: number;
    first?: boolean;
  }

  export interface GifEncoderStream {
    writeFrame(index: Uint8Array, width: number, height: number, opts?: GifFrameOptions): void;
    writeHeader(): void;
    finish(): void;
    /** A copy of the bytes written so far. */
    bytes(): Uint8Array;
    bytesView(): Uint8Array;
    reset(): void;
  }

  export function GIFEncoder(opts?: { initialCapacity?: number; auto?: boolean }): GifEncoderStream;
  /** Note: reads `rgba.buffer` whole, so pass an array that owns its buffer from offset 0. */
  export function quantize(rgba: Uint8Array | Uint8ClampedArray, maxColors: number, opts?: { format?: GifColorFormat }): GifPalette;
  export function applyPalette(rgba: Uint8Array | Uint8ClampedArray, palette: GifPalette, format?: GifColorFormat): Uint8Array;

  /** Node loads the CommonJS build, whose exports object arrives as the default import. */
  const gifenc: { GIFEncoder: typeof GIFEncoder; quantize: typeof quantize; applyPalette: typeof applyPalette };
  export default gifenc;
}
